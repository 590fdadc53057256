//! The function vocabulary of scenario pipelines (CONTRACTS §2): named functions, some with
//! arguments after a space (`"contains PlanA"`, `"field 2"`), each usable with some operations.
//! A name is checked when the scenario is read (an unknown one is an error that lists the
//! vocabulary); a value of the wrong type is found when the function runs, and fails the task
//! with a message naming the RDD. Over `(key, value)` pairs, `map` functions see the whole
//! pair and `filter` functions test the value.

use super::value::Value;
use std::fmt;

/// What an operation hands a function, and so what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// One value in, one value out (`map`, `key_by`, `map_values`).
    Map,
    /// One value in, several out (`flat_map`).
    FlatMap,
    /// One value in, a yes or no out (`filter`).
    Filter,
    /// Two values in, one out (`reduce_by_key`, `reduce`).
    Reduce,
}

impl Use {
    fn name(self) -> &'static str {
        match self {
            Use::Map => "map, key_by and map_values",
            Use::FlatMap => "flat_map",
            Use::Filter => "filter",
            Use::Reduce => "reduce_by_key and reduce",
        }
    }
}

/// The vocabulary, by use: (name with its arguments, what it does).
pub const VOCABULARY: &[(Use, &str, &str)] = &[
    (Use::Map, "identity", "x"),
    (Use::Map, "pair_one", "x -> (x, 1)"),
    (Use::Map, "swap", "(a, b) -> (b, a)"),
    (Use::Map, "field N", "the N-th comma-separated field (whitespace-separated when there is no comma), from 0"),
    (Use::Map, "fields N M", "(field N, field M)"),
    (Use::Map, "parse_int", "a string as an integer (each side of a pair)"),
    (Use::Map, "parse_float", "a string as a float (each side of a pair)"),
    (Use::Map, "length", "the length of a string or list"),
    (Use::Map, "lower", "a string in lower case"),
    (Use::Map, "mod N", "x mod N"),
    (Use::Map, "add N", "x + N"),
    (Use::Map, "mul N", "x * N"),
    (Use::Map, "const X", "always X"),
    (Use::FlatMap, "split_whitespace", "the words of a string"),
    (Use::FlatMap, "split C", "a string split at C"),
    (Use::FlatMap, "chars", "the characters of a string"),
    (Use::FlatMap, "contribs", "(links, rank), or a join's (page, (links, rank)) -> (link, rank / #links) for each link (PageRank)"),
    (Use::Filter, "contains S", "the string contains S"),
    (Use::Filter, "starts_with S", "the string starts with S"),
    (Use::Filter, "not_empty", "a non-empty string or list"),
    (Use::Filter, "even", "an even integer"),
    (Use::Filter, "odd", "an odd integer"),
    (Use::Filter, "gt N", "a number above N"),
    (Use::Filter, "lt N", "a number below N"),
    (Use::Reduce, "sum", "a + b"),
    (Use::Reduce, "min", "the smaller"),
    (Use::Reduce, "max", "the larger"),
    (Use::Reduce, "concat", "strings joined, or lists appended"),
];

/// Why a function name is not in the vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VocabError(pub String);

impl fmt::Display for VocabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The names usable with `u`, for error messages.
pub fn names_for(u: Use) -> String {
    VOCABULARY
        .iter()
        .filter(|(x, _, _)| *x == u)
        .map(|(_, n, _)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A function of the vocabulary, with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Func {
    Identity,
    PairOne,
    Swap,
    Field(usize),
    Fields(usize, usize),
    ParseInt,
    ParseFloat,
    Length,
    Lower,
    Mod(i64),
    Add(Value),
    Mul(Value),
    Const(Value),
    SplitWhitespace,
    Split(String),
    Chars,
    Contribs,
    Contains(String),
    StartsWith(String),
    NotEmpty,
    Even,
    Odd,
    Gt(f64),
    Lt(f64),
    Sum,
    Min,
    Max,
    Concat,
}

/// The shape of a pipeline RDD's records: any value, or `(key, value)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Values,
    Pairs,
}

fn number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::Int(i));
    }
    s.parse::<f64>().ok().map(Value::Float)
}

impl Func {
    /// Parses `text` (a name and its arguments) as a function used with `u`.
    pub fn parse(text: &str, u: Use) -> Result<Func, VocabError> {
        let text = text.trim();
        let (name, arg) = match text.split_once(' ') {
            Some((n, a)) => (n, a.trim()),
            None => (text, ""),
        };
        let unknown = || {
            VocabError(format!(
                "unknown function {text:?} for {}; the vocabulary has {}",
                u.name(),
                names_for(u)
            ))
        };
        let need = |what: &str| {
            VocabError(format!(
                "{text:?}: {name} takes {what} (as \"{name} {}\")",
                match what {
                    "an index" => "2",
                    "two indices" => "0 1",
                    "a number" => "3",
                    _ => "x",
                }
            ))
        };
        let index = |a: &str| a.parse::<usize>().map_err(|_| need("an index"));
        let num = |a: &str| number(a).ok_or_else(|| need("a number"));
        let no_arg = |f: Func| {
            if arg.is_empty() {
                Ok(f)
            } else {
                Err(VocabError(format!("{text:?}: {name} takes no argument")))
            }
        };
        let f = match (u, name) {
            (Use::Map, "identity") => no_arg(Func::Identity)?,
            (Use::Map, "pair_one") => no_arg(Func::PairOne)?,
            (Use::Map, "swap") => no_arg(Func::Swap)?,
            (Use::Map, "field") => Func::Field(index(arg)?),
            (Use::Map, "fields") => {
                let v: Vec<&str> = arg.split_whitespace().collect();
                if v.len() != 2 {
                    return Err(need("two indices"));
                }
                Func::Fields(
                    v[0].parse().map_err(|_| need("two indices"))?,
                    v[1].parse().map_err(|_| need("two indices"))?,
                )
            }
            (Use::Map, "parse_int") => no_arg(Func::ParseInt)?,
            (Use::Map, "parse_float") => no_arg(Func::ParseFloat)?,
            (Use::Map, "length") => no_arg(Func::Length)?,
            (Use::Map, "lower") => no_arg(Func::Lower)?,
            (Use::Map, "mod") => match num(arg)? {
                Value::Int(n) if n != 0 => Func::Mod(n),
                _ => {
                    return Err(VocabError(format!(
                        "{text:?}: mod takes a non-zero integer"
                    )))
                }
            },
            (Use::Map, "add") => Func::Add(num(arg)?),
            (Use::Map, "mul") => Func::Mul(num(arg)?),
            (Use::Map, "const") => {
                if arg.is_empty() {
                    return Err(need("a value"));
                }
                Func::Const(number(arg).unwrap_or_else(|| Value::Str(arg.to_string())))
            }
            (Use::FlatMap, "split_whitespace") => no_arg(Func::SplitWhitespace)?,
            (Use::FlatMap, "split") => {
                if arg.is_empty() {
                    return Err(need("a separator"));
                }
                Func::Split(arg.to_string())
            }
            (Use::FlatMap, "chars") => no_arg(Func::Chars)?,
            (Use::FlatMap, "contribs") => no_arg(Func::Contribs)?,
            (Use::Filter, "contains") => Func::Contains(arg.to_string()),
            (Use::Filter, "starts_with") => Func::StartsWith(arg.to_string()),
            (Use::Filter, "not_empty") => no_arg(Func::NotEmpty)?,
            (Use::Filter, "even") => no_arg(Func::Even)?,
            (Use::Filter, "odd") => no_arg(Func::Odd)?,
            (Use::Filter, "gt") => Func::Gt(num(arg)?.as_f64().unwrap_or(0.0)),
            (Use::Filter, "lt") => Func::Lt(num(arg)?.as_f64().unwrap_or(0.0)),
            (Use::Reduce, "sum") => no_arg(Func::Sum)?,
            (Use::Reduce, "min") => no_arg(Func::Min)?,
            (Use::Reduce, "max") => no_arg(Func::Max)?,
            (Use::Reduce, "concat") => no_arg(Func::Concat)?,
            _ => return Err(unknown()),
        };
        Ok(f)
    }

    /// The shape a `map` with this function gives records of shape `input`.
    pub fn map_shape(&self, input: Shape) -> Result<Shape, String> {
        match self {
            Func::Identity => Ok(input),
            Func::PairOne | Func::Fields(..) => Ok(Shape::Pairs),
            Func::Swap => match input {
                Shape::Pairs => Ok(Shape::Pairs),
                Shape::Values => Err("swap needs (key, value) pairs".into()),
            },
            Func::ParseInt | Func::ParseFloat => Ok(input),
            _ => Ok(Shape::Values),
        }
    }

    /// The shape a `flat_map` with this function gives.
    pub fn flat_map_shape(&self) -> Shape {
        match self {
            Func::Contribs => Shape::Pairs,
            _ => Shape::Values,
        }
    }

    /// Applies a `map` function.
    pub fn apply(&self, v: &Value) -> Result<Value, String> {
        let wrong = |what: &str| format!("{self:?} expects {what}, got {} {v}", v.type_name());
        Ok(match (self, v) {
            (Func::Identity, v) => v.clone(),
            (Func::PairOne, v) => Value::pair(v.clone(), Value::Int(1)),
            (Func::Swap, Value::Pair(a, b)) => Value::Pair(b.clone(), a.clone()),
            (Func::Field(n), Value::Str(s)) => {
                Value::Str(fields(s).get(*n).copied().unwrap_or("").to_string())
            }
            (Func::Fields(n, m), Value::Str(s)) => {
                let f = fields(s);
                let get = |i: usize| Value::Str(f.get(i).copied().unwrap_or("").to_string());
                Value::pair(get(*n), get(*m))
            }
            (Func::ParseInt, Value::Pair(a, b)) => Value::pair(self.apply(a)?, self.apply(b)?),
            (Func::ParseInt, Value::Str(s)) => Value::Int(
                s.trim()
                    .parse()
                    .map_err(|_| format!("parse_int: {s:?} is not an integer"))?,
            ),
            (Func::ParseInt, Value::Int(i)) => Value::Int(*i),
            (Func::ParseFloat, Value::Pair(a, b)) => Value::pair(self.apply(a)?, self.apply(b)?),
            (Func::ParseFloat, Value::Str(s)) => Value::Float(
                s.trim()
                    .parse()
                    .map_err(|_| format!("parse_float: {s:?} is not a number"))?,
            ),
            (Func::ParseFloat, v) if v.as_f64().is_some() => {
                Value::Float(v.as_f64().unwrap_or(0.0))
            }
            (Func::Length, Value::Str(s)) => Value::Int(s.chars().count() as i64),
            (Func::Length, Value::List(l)) => Value::Int(l.len() as i64),
            (Func::Lower, Value::Str(s)) => Value::Str(s.to_lowercase()),
            (Func::Mod(n), Value::Int(i)) => Value::Int(i.rem_euclid(*n)),
            (Func::Add(n), v) | (Func::Mul(n), v) => {
                let add = matches!(self, Func::Add(_));
                match (v, n) {
                    (Value::Int(a), Value::Int(b)) => Value::Int(if add {
                        a.wrapping_add(*b)
                    } else {
                        a.wrapping_mul(*b)
                    }),
                    (a, b) => match (a.as_f64(), b.as_f64()) {
                        (Some(a), Some(b)) => Value::Float(if add { a + b } else { a * b }),
                        _ => return Err(wrong("a number")),
                    },
                }
            }
            (Func::Const(c), _) => c.clone(),
            (Func::Swap, _) => return Err(wrong("a pair")),
            (Func::Field(_) | Func::Fields(..) | Func::Lower, _) => return Err(wrong("a string")),
            (Func::ParseInt | Func::ParseFloat, _) => return Err(wrong("a string")),
            (Func::Length, _) => return Err(wrong("a string or a list")),
            (Func::Mod(_), _) => return Err(wrong("an integer")),
            _ => return Err(format!("{self:?} is not a map function")),
        })
    }

    /// Applies a `flat_map` function.
    pub fn apply_many(&self, v: &Value) -> Result<Vec<Value>, String> {
        let wrong = |what: &str| format!("{self:?} expects {what}, got {} {v}", v.type_name());
        Ok(match (self, v) {
            (Func::SplitWhitespace, Value::Str(s)) => s
                .split_whitespace()
                .map(|w| Value::Str(w.to_string()))
                .collect(),
            (Func::Split(c), Value::Str(s)) => s
                .split(c.as_str())
                .map(|w| Value::Str(w.to_string()))
                .collect(),
            (Func::Chars, Value::Str(s)) => s.chars().map(|c| Value::Str(c.to_string())).collect(),
            // A join's row (page, (links, rank)) contributes as its (links, rank) does.
            (Func::Contribs, Value::Pair(_, inner)) if matches!(**inner, Value::Pair(..)) => {
                return self.apply_many(inner)
            }
            (Func::Contribs, Value::Pair(links, rank)) => match (&**links, rank.as_f64()) {
                (Value::List(l), Some(r)) => {
                    let share = r / l.len().max(1) as f64;
                    l.iter()
                        .map(|d| Value::pair(d.clone(), Value::Float(share)))
                        .collect()
                }
                _ => return Err(wrong("a pair (list of links, rank)")),
            },
            (Func::Contribs, _) => return Err(wrong("a pair (list of links, rank)")),
            (Func::SplitWhitespace | Func::Split(_) | Func::Chars, _) => {
                return Err(wrong("a string"))
            }
            _ => return Err(format!("{self:?} is not a flat_map function")),
        })
    }

    /// Applies a `filter` function.
    pub fn test(&self, v: &Value) -> Result<bool, String> {
        let wrong = |what: &str| format!("{self:?} expects {what}, got {} {v}", v.type_name());
        Ok(match (self, v) {
            (Func::Contains(s), Value::Str(x)) => x.contains(s.as_str()),
            (Func::StartsWith(s), Value::Str(x)) => x.starts_with(s.as_str()),
            (Func::NotEmpty, Value::Str(x)) => !x.is_empty(),
            (Func::NotEmpty, Value::List(x)) => !x.is_empty(),
            (Func::Even, Value::Int(i)) => i % 2 == 0,
            (Func::Odd, Value::Int(i)) => i % 2 != 0,
            (Func::Gt(n), v) if v.as_f64().is_some() => v.as_f64().unwrap_or(0.0) > *n,
            (Func::Lt(n), v) if v.as_f64().is_some() => v.as_f64().unwrap_or(0.0) < *n,
            (Func::Contains(_) | Func::StartsWith(_), _) => return Err(wrong("a string")),
            (Func::NotEmpty, _) => return Err(wrong("a string or a list")),
            (Func::Even | Func::Odd, _) => return Err(wrong("an integer")),
            (Func::Gt(_) | Func::Lt(_), _) => return Err(wrong("a number")),
            _ => return Err(format!("{self:?} is not a filter function")),
        })
    }

    /// Applies a `reduce` function to an accumulated value and the next.
    pub fn combine(&self, a: Value, b: &Value) -> Result<Value, String> {
        let wrong = || {
            format!(
                "{self:?} cannot combine {} {a} with {} {b}",
                a.type_name(),
                b.type_name()
            )
        };
        Ok(match (self, &a, b) {
            (Func::Sum, Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_add(*y)),
            (Func::Sum, x, y) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => Value::Float(x + y),
                _ => return Err(wrong()),
            },
            (Func::Min, x, y) => {
                if y < x {
                    y.clone()
                } else {
                    a
                }
            }
            (Func::Max, x, y) => {
                if y > x {
                    y.clone()
                } else {
                    a
                }
            }
            (Func::Concat, Value::Str(x), Value::Str(y)) => Value::Str(format!("{x}{y}")),
            (Func::Concat, Value::List(x), Value::List(y)) => {
                Value::List(x.iter().chain(y).cloned().collect())
            }
            (Func::Concat, _, _) => return Err(wrong()),
            _ => return Err(format!("{self:?} is not a reduce function")),
        })
    }
}

/// Comma-separated fields, or whitespace-separated ones when there is no comma.
fn fields(s: &str) -> Vec<&str> {
    if s.contains(',') {
        s.split(',').collect()
    } else {
        s.split_whitespace().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_with_their_arguments_and_unknown_names_list_the_vocabulary() {
        assert_eq!(Func::parse("field 2", Use::Map), Ok(Func::Field(2)));
        assert_eq!(
            Func::parse("contains PlanA", Use::Filter),
            Ok(Func::Contains("PlanA".into()))
        );
        let e = Func::parse("frobnicate", Use::Map).unwrap_err().0;
        assert!(
            e.contains("\"pair_one\"") && e.contains("frobnicate"),
            "{e}"
        );
        assert!(
            Func::parse("sum", Use::Map).is_err(),
            "sum is for reductions"
        );
        assert!(Func::parse("field x", Use::Map).is_err());
        assert!(Func::parse("mod 0", Use::Map).is_err());
    }

    #[test]
    fn functions_compute_and_refuse_the_wrong_type() {
        let s = |x: &str| Value::Str(x.into());
        assert_eq!(
            Func::Fields(1, 3).apply(&s("7,a,b,PlanA")).unwrap(),
            Value::pair(s("a"), s("PlanA"))
        );
        assert_eq!(
            Func::ParseInt.apply(&Value::pair(s("3"), s("4"))).unwrap(),
            Value::pair(Value::Int(3), Value::Int(4))
        );
        assert!(Func::Mod(3)
            .apply(&s("x"))
            .unwrap_err()
            .contains("expects an integer"));
        assert_eq!(
            Func::Contribs
                .apply_many(&Value::pair(
                    Value::List(vec![Value::Int(1), Value::Int(2)]),
                    Value::Float(1.0)
                ))
                .unwrap(),
            vec![
                Value::pair(Value::Int(1), Value::Float(0.5)),
                Value::pair(Value::Int(2), Value::Float(0.5))
            ]
        );
        assert_eq!(
            Func::Sum.combine(Value::Int(2), &Value::Int(3)).unwrap(),
            Value::Int(5)
        );
        assert!(Func::Even.test(&s("2")).is_err());
    }
}

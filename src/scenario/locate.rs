//! Where things are in a scenario file: line and column of a byte offset, the span of a key
//! path (`cluster.racks`, `fault[2].target`, `workload.rdd[3].fn`), and the key path a span
//! falls in. Errors use it to name the line and the key at fault.

use std::ops::Range;
use toml_edit::{Item, Table, Value};

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[2]."c.d"` into segments.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    let mut cur = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '.' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let mut n = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    n.push(d);
                }
                if let Ok(i) = n.trim().parse() {
                    out.push(Seg::Index(i));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Seg::Key(cur));
    }
    out
}

/// A scenario's text, with its TOML document when it parses.
pub struct SourceMap {
    text: String,
    doc: Option<toml_edit::Document<String>>,
}

impl SourceMap {
    /// The map of `text`.
    pub fn new(text: &str) -> Self {
        SourceMap {
            text: text.to_string(),
            doc: toml_edit::Document::parse(text.to_string()).ok(),
        }
    }

    /// 1-based line and column of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        (line, col)
    }

    /// The span of the key (or, failing that, the value) at `path`, if the file has it.
    pub fn span_of(&self, path: &str) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        let segs = parse_path(path);
        let mut span = None;
        let mut item: Option<Node<'_>> = Some(Node::Table(doc.as_table()));
        for seg in &segs {
            let node = item?;
            let (next, s) = node.child(seg)?;
            if s.is_some() {
                span = s;
            }
            item = Some(next);
        }
        span.or_else(|| item.and_then(|n| n.span()))
    }

    /// The key written on the line of `offset` (`key = ...`), under the table header above
    /// it: for a file that does not parse, where [`SourceMap::key_at`] cannot look.
    pub fn key_on_line(&self, offset: usize) -> Option<String> {
        let offset = offset.min(self.text.len());
        let start = self.text[..offset].rfind('\n').map_or(0, |p| p + 1);
        let line = self.text[start..].lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_matches('"');
        if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
            return None;
        }
        let table = self.text[..start].lines().rev().find_map(|l| {
            let l = l.trim();
            l.starts_with('[')
                .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        });
        Some(match table {
            Some(t) if !t.is_empty() => format!("{t}.{key}"),
            _ => key.to_string(),
        })
    }

    /// The path of the innermost key whose entry contains `offset`.
    pub fn key_at(&self, offset: usize) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let mut path = String::new();
        walk_table(doc.as_table(), offset, &mut path);
        (!path.is_empty()).then_some(path)
    }
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(&self) -> Option<Range<usize>> {
        match self {
            Node::Table(t) => t.span(),
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
        }
    }

    /// The child at `seg`, and the span of its key when it is a key.
    fn child(&self, seg: &Seg) -> Option<(Node<'a>, Option<Range<usize>>)> {
        match (self, seg) {
            (Node::Table(t), Seg::Key(k)) => {
                let (key, item) = t.get_key_value(k)?;
                Some((Node::Item(item), key.span()))
            }
            (Node::Item(i), seg) => match i {
                Item::Table(t) => Node::Table(t).child(seg),
                Item::Value(v) => Node::Value(v).child(seg),
                Item::ArrayOfTables(a) => match seg {
                    Seg::Index(n) => a.get(*n).map(|t| (Node::Table(t), t.span())),
                    Seg::Key(_) => None,
                },
                Item::None => None,
            },
            (Node::Value(Value::InlineTable(t)), Seg::Key(k)) => {
                let (key, v) = t.get_key_value(k)?;
                Some((Node::Item(v), key.span()))
            }
            (Node::Value(Value::Array(a)), Seg::Index(n)) => {
                a.get(*n).map(|v| (Node::Value(v), v.span()))
            }
            _ => None,
        }
    }
}

fn contains(span: Option<Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset <= s.end)
}

fn push_key(path: &mut String, k: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    if k.contains('.') {
        path.push('"');
        path.push_str(k);
        path.push('"');
    } else {
        path.push_str(k);
    }
}

fn walk_table(t: &Table, offset: usize, path: &mut String) -> bool {
    for (k, item) in t.iter() {
        let key_span = t.key(k).and_then(|key| key.span());
        let inside = contains(key_span.clone(), offset) || contains(item.span(), offset);
        let mut sub = path.clone();
        push_key(&mut sub, k);
        let found = match item {
            Item::Table(inner) => walk_table(inner, offset, &mut sub),
            Item::ArrayOfTables(a) => {
                let mut f = false;
                for (i, tbl) in a.iter().enumerate() {
                    let mut s = sub.clone();
                    s.push_str(&format!("[{i}]"));
                    if walk_table(tbl, offset, &mut s) || contains(tbl.span(), offset) {
                        sub = s;
                        f = true;
                        break;
                    }
                }
                f
            }
            Item::Value(v) => walk_value(v, offset, &mut sub) || inside,
            Item::None => false,
        };
        if found || inside {
            *path = sub;
            return true;
        }
    }
    false
}

fn walk_value(v: &Value, offset: usize, path: &mut String) -> bool {
    match v {
        Value::InlineTable(t) => {
            for (k, val) in t.iter() {
                let key_span = t.key(k).and_then(|key| key.span());
                if contains(key_span, offset) || contains(val.span(), offset) {
                    push_key(path, k);
                    walk_value(val, offset, path);
                    return true;
                }
            }
            false
        }
        Value::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                if contains(val.span(), offset) {
                    path.push_str(&format!("[{i}]"));
                    walk_value(val, offset, path);
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// Quotes a key that holds a dot, as a key path writes it.
pub fn quote(key: &str) -> String {
    if key.contains('.') {
        format!("\"{key}\"")
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n[cluster]\nracks = 2\ncores_per_executor = \"many\"\n\n[[fault]]\nat = \"job 1\"\n\n[[fault]]\ntarget = \"exec-9\"\n\n[[variant]]\nname = \"v\"\nset = { \"cluster.racks\" = 0 }\n";

    #[test]
    fn key_paths_find_their_lines() {
        let m = SourceMap::new(TEXT);
        let at = |p: &str| m.span_of(p).map(|s| m.line_col(s.start));
        assert_eq!(at("cluster.racks"), Some((3, 1)));
        assert_eq!(at("cluster.cores_per_executor"), Some((4, 1)));
        assert_eq!(at("fault[1].target"), Some((10, 1)));
        assert_eq!(at("variant[0].set.\"cluster.racks\""), Some((14, 9)));
        assert_eq!(at("cluster.nothing"), None);
    }

    #[test]
    fn an_offset_names_the_key_it_falls_in() {
        let m = SourceMap::new(TEXT);
        let off = TEXT.find("\"many\"").unwrap() + 2;
        assert_eq!(m.key_at(off).as_deref(), Some("cluster.cores_per_executor"));
        let off = TEXT.find("exec-9").unwrap();
        assert_eq!(m.key_at(off).as_deref(), Some("fault[1].target"));
        let off = TEXT.find("= 0").unwrap() + 2;
        assert_eq!(
            m.key_at(off).as_deref(),
            Some("variant[0].set.\"cluster.racks\"")
        );
    }
}

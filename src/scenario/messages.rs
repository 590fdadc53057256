//! Plain words for the messages of the TOML and serde layers: `expected u64` becomes "a whole
//! number", and an unknown key gets a "did you mean" when one key is close to it. What is
//! wrong and where is decided elsewhere; this only rewords.

/// Rewords a message from `toml`/`serde` for someone writing a scenario file or a `--set`:
/// `invalid type: string "eight", expected u64` becomes `"eight" is not a whole number (0 or
/// more)`, the words every command uses for a value of the wrong kind.
pub fn plain(message: &str) -> String {
    if let Some(m) = unknown_field(message) {
        return m;
    }
    if let Some(m) = wrong_kind(message) {
        return m;
    }
    let m = message.to_string();
    if let Some(rest) = m.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return format!("the key `{key}` is missing: it is required");
    }
    if m == "duplicate key" {
        return "this key is given twice in its table".into();
    }
    if m.starts_with("string values must be quoted") {
        return "a text value must be in quotes; a number must be digits only".into();
    }
    m
}

/// What a value must be, in words, for a Rust type name of serde's messages.
pub fn kind_in_words(rust: &str) -> Option<&'static str> {
    Some(match rust {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a string" | "a borrowed string" => "text in quotes",
        _ => return None,
    })
}

/// `invalid type: string "x", expected u64` (or `invalid value: integer `-1`, ...`): the
/// value as written, and what it must be.
fn wrong_kind(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let expected = kind_in_words(expected.trim()).unwrap_or(expected.trim());
    let value = if let Some(s) = found.strip_prefix("string ") {
        let inner = s.trim_matches('"');
        if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("{inner} is too large a number"));
        }
        s.to_string()
    } else if let Some(v) = ["integer `", "floating point `", "boolean `"]
        .iter()
        .find_map(|p| found.strip_prefix(p))
    {
        v.trim_end_matches('`').to_string()
    } else {
        found.to_string()
    };
    Some(format!("{value} is not {expected}"))
}

/// `unknown field `x`, expected one of `a`, `b``: "unknown key `x`: did you mean `a`?", or
/// the keys allowed when none is close.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let allowed: Vec<&str> = rest
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, k)| k)
        .collect();
    let best = allowed
        .iter()
        .map(|a| (edit_distance(key, a), *a))
        .min()
        .filter(|(d, a)| *d <= 2.max(a.len() / 4));
    Some(match best {
        Some((_, a)) => format!("unknown key `{key}`: did you mean `{a}`?"),
        None if allowed.is_empty() => format!("unknown key `{key}`"),
        None => format!(
            "unknown key `{key}`; the keys allowed here: {}",
            allowed.join(", ")
        ),
    })
}

/// The candidate closest to `word`, if one is close enough to be a likely misspelling.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .min()
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .map(|(_, c)| c)
}

/// Why a storage level name is not one: the closest name, and all of them.
pub(crate) fn unknown_level(name: &str) -> String {
    let names = crate::storage::StorageLevel::names();
    // Spark's names are upper case; a name in another case is the same name mistyped.
    let hint = match closest(&name.to_ascii_uppercase(), &names) {
        Some(c) => format!(": did you mean {c}?"),
        None => String::new(),
    };
    format!(
        "unknown storage level {name:?}{hint} (Spark's names: {})",
        names.join(", ")
    )
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_misspelt_level_gets_the_close_one_suggested() {
        assert!(super::unknown_level("MEMORY_ONYL").contains("did you mean MEMORY_ONLY?"));
        assert!(super::unknown_level("memory_only_2").contains("did you mean MEMORY_ONLY_2?"));
    }

    use super::*;

    #[test]
    fn a_misspelt_key_gets_the_close_one_suggested() {
        let m = plain("unknown field `iteratons`, expected one of `kind`, `iterations`, `points`");
        assert_eq!(m, "unknown key `iteratons`: did you mean `iterations`?");
        let m = plain("unknown field `zzz`, expected one of `kind`, `points`");
        assert_eq!(m, "unknown key `zzz`; the keys allowed here: kind, points");
    }

    #[test]
    fn rust_type_names_become_words() {
        assert_eq!(
            plain("invalid value: integer `-3`, expected u64"),
            "-3 is not a whole number (0 or more)"
        );
        assert_eq!(
            plain("invalid type: string \"eight\", expected u64"),
            "\"eight\" is not a whole number (0 or more)"
        );
        assert_eq!(
            plain("invalid type: string \"99999999999999999999\", expected u64"),
            "99999999999999999999 is too large a number"
        );
        assert_eq!(
            plain("invalid type: integer `3`, expected i128"),
            "3 is not a whole number"
        );
    }
}

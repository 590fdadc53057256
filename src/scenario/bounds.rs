//! The checks every reader of a scenario's tables shares: a problem at a key ([`KeyError`]),
//! and the bounds of counts. The readers (the whole file's validation, the `[workload]` keys,
//! the pipeline's tables) own what their keys mean; this module only says what a bad one is.

/// A problem at a key: its dotted path and what is wrong.
pub type KeyError = (String, String);

/// The largest count a generated dataset may have: more would not fit one machine.
pub(super) const MAX_RECORDS: u64 = 50_000_000;

/// `v`, if given, is at least `min`.
pub(super) fn at_least(key: &str, v: Option<u64>, min: u64) -> Result<(), KeyError> {
    match v {
        Some(x) if x < min => Err((key.to_string(), format!("must be at least {min}, got {x}"))),
        _ => Ok(()),
    }
}

/// `v`, if given, is at most `max`.
pub(super) fn at_most(key: &str, v: Option<u64>, max: u64) -> Result<(), KeyError> {
    match v {
        Some(x) if x > max => Err((key.to_string(), format!("must be at most {max}, got {x}"))),
        _ => Ok(()),
    }
}

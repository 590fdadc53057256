//! Numbers for people: durations and byte counts as the summary, the UI and `ember compare`
//! print them. (Scenario files have their own spellings: [`crate::scenario::units`].)

/// A duration for people: `850 µs`, `12.3 ms`, `4.56 s`.
pub fn duration(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{:.2} s", us as f64 / 1e6)
    }
}

/// Bytes for people: `512 B`, `12.0 KiB`, `3.4 MiB`.
pub fn bytes(b: u64) -> String {
    if b < 1024 {
        format!("{b} B")
    } else if b < 1 << 20 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else if b < 1 << 30 {
        format!("{:.1} MiB", b as f64 / 1048576.0)
    } else {
        format!("{:.2} GiB", b as f64 / 1073741824.0)
    }
}

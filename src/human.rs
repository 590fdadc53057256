//! Numbers for people: durations, byte counts and counts as the summary, the UI, `ember
//! compare` and the error messages print them. (Scenario files have their own spellings:
//! [`crate::units`].)

/// A duration for people, in the unit that suits it: `850 µs`, `12.3 ms`, `4.56 s`,
/// `9 min 40 s`, `2 h 5 min`.
///
/// ```
/// use ember::human::duration;
/// assert_eq!(duration(580_574_600), "9 min 41 s");
/// assert_eq!(duration(2_000_000), "2.00 s");
/// ```
pub fn duration(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else if us < 60_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us < 3_600_000_000 {
        let s = (us as f64 / 1e6).round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    } else if us < 86_400_000_000 {
        let m = (us as f64 / 6e7).round() as u64;
        format!("{} h {} min", m / 60, m % 60)
    } else {
        let h = (us as f64 / 3.6e9).round() as u64;
        format!("{} d {} h", h / 24, h % 24)
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
    } else if b < 1 << 40 {
        format!("{:.2} GiB", b as f64 / 1073741824.0)
    } else {
        format!("{:.2} TiB", b as f64 / 1099511627776.0)
    }
}

/// A count with its digits grouped by thousands: `1,234,567`.
///
/// ```
/// assert_eq!(ember::human::count(1234567), "1,234,567");
/// assert_eq!(ember::human::count(12), "12");
/// ```
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun, singular or plural: `1 task`, `3 tasks`, `12,000 tasks`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// Ids as runs: `3–5, 8`.
///
/// ```
/// assert_eq!(ember::human::ranges(&[8, 3, 4, 5]), "3–5, 8");
/// ```
pub fn ranges(ids: &[usize]) -> String {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => v[i].to_string(),
            1 => format!("{}, {}", v[i], v[j]),
            _ => format!("{}–{}", v[i], v[j]),
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// `text` in lines of at most `width` columns, broken at spaces.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

//! Sizes, durations and bandwidths as scenario files write them (CONTRACTS §2): `"64 MiB"`,
//! `"3s"`, `"100ns"`, `"120 MiB/s"`. A bare integer is bytes, or microseconds.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

/// Microseconds, possibly fractional (`"100ns"` is 0.1 µs).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Duration(pub f64);

/// Bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Bandwidth(pub f64);

fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    let num: f64 = num.replace('_', "").parse().ok()?;
    Some((num, unit.trim()))
}

fn size_unit(unit: &str) -> Option<f64> {
    Some(match unit {
        "" | "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

/// Parses a size: a number and one of `B`, `KB`, `MB`, `GB`, `KiB`, `MiB`, `GiB`. Negative
/// sizes are errors here; zero is for the caller to refuse where it makes no sense.
///
/// ```
/// use ember::units::parse_size;
/// assert_eq!(parse_size("64 MiB"), Ok(64 << 20));
/// assert_eq!(parse_size("1.5KB"), Ok(1500));
/// assert!(parse_size("12 parsecs").is_err());
/// assert!(parse_size("0.5 B").is_err());
/// assert!(parse_size("99999999999 GiB").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("{s:?} is not a size (a number and B, KB, MB, GB, KiB, MiB or GiB)");
    let (n, unit) = split_number(s).ok_or_else(bad)?;
    let m = size_unit(unit).ok_or_else(bad)?;
    if n < 0.0 || !n.is_finite() {
        return Err(format!("{s:?}: a size cannot be negative"));
    }
    let bytes = n * m;
    if m == 1.0 && bytes.fract() != 0.0 {
        return Err(format!("{s:?}: a size in bytes is a whole number"));
    }
    // 2^63 bytes (8 EiB) is past any machine; beyond it a u64 would silently saturate.
    if bytes >= (1u64 << 63) as f64 {
        return Err(format!("{s:?}: too large (at most 8 EiB)"));
    }
    Ok(bytes.round() as u64)
}

/// Parses a duration into microseconds: a number and one of `ns`, `us`, `ms`, `s`, `m`.
///
/// ```
/// use ember::units::parse_duration;
/// assert_eq!(parse_duration("3s"), Ok(3_000_000.0));
/// assert_eq!(parse_duration("100ns"), Ok(0.1));
/// assert!(parse_duration("3 fortnights").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let bad = || format!("{s:?} is not a duration (a number and ns, us, ms, s or m)");
    let (n, unit) = split_number(s).ok_or_else(bad)?;
    let m = match unit {
        "ns" => 1e-3,
        "us" | "µs" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" | "min" => 60e6,
        _ => return Err(bad()),
    };
    if n < 0.0 || !n.is_finite() {
        return Err(format!("{s:?}: a duration cannot be negative"));
    }
    Ok(n * m)
}

/// Parses a bandwidth into bytes per second: a size per second (`"120 MiB/s"`).
pub fn parse_bandwidth(s: &str) -> Result<f64, String> {
    let bad = || format!("{s:?} is not a bandwidth (a size per second, as \"120 MiB/s\")");
    let body = s.trim().strip_suffix("/s").ok_or_else(bad)?;
    let (n, unit) = split_number(body).ok_or_else(bad)?;
    let m = size_unit(unit).ok_or_else(bad)?;
    if n < 0.0 || !n.is_finite() {
        return Err(format!("{s:?}: a bandwidth cannot be negative"));
    }
    Ok(n * m)
}

/// Formats a byte count with a binary unit, exactly when it can (`"64 MiB"`, `"1500 B"`).
pub fn format_size(b: u64) -> String {
    for (unit, m) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if b >= m && b % m == 0 {
            return format!("{} {unit}", b / m);
        }
    }
    format!("{b} B")
}

/// Formats microseconds with the largest unit that keeps it exact.
pub fn format_duration(us: f64) -> String {
    if us == 0.0 {
        return "0s".into();
    }
    for (unit, m) in [("s", 1e6), ("ms", 1e3), ("us", 1.0), ("ns", 1e-3)] {
        let v = us / m;
        if v >= 1.0 && (v - v.round()).abs() < 1e-9 {
            return format!("{}{unit}", v.round() as u64);
        }
    }
    format!("{us}us")
}

/// Formats bytes per second.
pub fn format_bandwidth(bps: f64) -> String {
    for (unit, m) in [
        ("GiB/s", 1073741824.0),
        ("MiB/s", 1048576.0),
        ("KiB/s", 1024.0),
    ] {
        let v = bps / m;
        if v >= 1.0 && (v - v.round()).abs() < 1e-9 {
            return format!("{} {unit}", v.round() as u64);
        }
    }
    format!("{bps} B/s")
}

struct UnitVisitor<F>(&'static str, F);

impl<'de, F, T> Visitor<'de> for UnitVisitor<F>
where
    F: Fn(&str) -> Result<T, String>,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.1)(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        (self.1)(&v.to_string()).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.1)(&v.to_string()).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        (self.1)(&v.to_string()).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor("a size such as \"64 MiB\"", |s: &str| {
            parse_size(s).map(Size)
        }))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor("a duration such as \"3s\"", |s: &str| {
            // A bare number is microseconds.
            if s.parse::<f64>().is_ok() {
                return parse_duration(&format!("{s}us")).map(Duration);
            }
            parse_duration(s).map(Duration)
        }))
    }
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor(
            "a bandwidth such as \"120 MiB/s\"",
            |s: &str| parse_bandwidth(s).map(Bandwidth),
        ))
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_size(self.0))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

impl Serialize for Bandwidth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_bandwidth(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_through_their_formats() {
        for s in ["64 MiB", "1 GiB", "4 KiB", "1500 B"] {
            assert_eq!(format_size(parse_size(s).unwrap()), s);
        }
        for s in ["3s", "200ms", "100ns", "2us"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
        assert_eq!(parse_duration("1m"), Ok(60e6));
        assert_eq!(parse_bandwidth("4 GiB/s"), Ok(4.0 * 1073741824.0));
        assert_eq!(format_bandwidth(120.0 * 1048576.0), "120 MiB/s");
        assert!(parse_size("-4 MiB").unwrap_err().contains("negative"));
        assert!(parse_bandwidth("120 MiB").is_err());
    }
}

//! Bar charts of iteration times as lines of text, drawn by `ember compare` and by the UI's
//! compare view alike: each iteration's time per run (an engine, a variant), the runs side by
//! side in columns on one scale, so that a first iteration that loads and caches and the cheap
//! ones after it, or the MapReduce baseline's equal iterations beside the Spark-style engine's,
//! read at a glance. It arranges numbers; it does not run or fold anything.

use crate::human::duration;

/// One run's iteration times, µs, in order, under a name.
#[derive(Clone, Copy, Debug)]
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [u64],
}

/// A bar of at most `cells` cells for `v` on a scale whose largest value is `max`: full
/// blocks, and a half block for a remainder of half a cell or more. A value above 0 always
/// shows at least a half block.
pub fn bar(v: f64, max: f64, cells: usize) -> String {
    if max <= 0.0 || v <= 0.0 {
        return String::new();
    }
    let c = (v / max * cells as f64).min(cells as f64);
    let full = c.floor() as usize;
    let half = (c - full as f64 >= 0.5 || (full == 0 && v > 0.0)) && full < cells;
    let mut s = "█".repeat(full);
    if half {
        s.push('▌');
    }
    s
}

/// Room a time takes after its bar (`1 min 55 s` and a space).
const TIME_ROOM: usize = 11;
/// Room of the iteration's number at the left.
const NUMBER_ROOM: usize = 4;

/// The chart of `series` in `width` columns: a header line naming the runs, then one line per
/// iteration (as many as the longest run has), each run's bar and time in its column. Every
/// bar is on the scale of the largest time of all, so the columns compare.
///
/// ```
/// use ember::scenario::chart::{iteration_columns, Series};
/// let lines = iteration_columns(
///     &[
///         Series { name: "spark", values: &[30_000_000, 3_000_000] },
///         Series { name: "mapreduce", values: &[50_000_000, 50_000_000] },
///     ],
///     60,
/// );
/// assert_eq!(lines.len(), 3);
/// assert!(lines[0].contains("spark") && lines[0].contains("mapreduce"));
/// assert!(lines[2].contains("3.00 s") && lines[2].contains("50.00 s"));
/// ```
pub fn iteration_columns(series: &[Series], width: usize) -> Vec<String> {
    if series.is_empty() {
        return Vec::new();
    }
    let col = (width.saturating_sub(NUMBER_ROOM) / series.len()).max(TIME_ROOM + 3);
    let cells = col.saturating_sub(TIME_ROOM + 1).max(2);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter())
        .copied()
        .max()
        .unwrap_or(0) as f64;
    let rows = series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    let mut out = Vec::with_capacity(rows + 1);
    let mut head = format!("{:>w$}", "it.", w = NUMBER_ROOM - 1);
    for s in series {
        let name: String = s.name.chars().take(col - 1).collect();
        head.push(' ');
        head.push_str(&format!("{name:<w$}", w = col - 1));
    }
    out.push(head.trim_end().to_string());
    for i in 0..rows {
        let mut line = format!("{:>w$}", i + 1, w = NUMBER_ROOM - 1);
        for s in series {
            let cell = match s.values.get(i) {
                Some(v) => format!("{} {}", bar(*v as f64, max, cells), duration(*v)),
                None => String::new(),
            };
            line.push(' ');
            line.push_str(&pad(&cell, col - 1));
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// `s` padded with spaces (or cut) to `w` characters.
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.chars().take(w).collect()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_one_scale_across_the_columns() {
        let lines = iteration_columns(
            &[
                Series {
                    name: "spark",
                    values: &[50, 10],
                },
                Series {
                    name: "mapreduce",
                    values: &[100, 100],
                },
            ],
            80,
        );
        let blocks = |l: &str, col: usize| -> usize {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let bars: Vec<&&str> = cells.iter().filter(|c| c.starts_with('█')).collect();
            bars.get(col).map_or(0, |b| b.chars().count())
        };
        let full = blocks(&lines[1], 1);
        assert!(full > 20, "the largest fills its column: {lines:?}");
        assert_eq!(
            blocks(&lines[1], 0),
            full / 2,
            "half the time, half the bar"
        );
        assert_eq!(blocks(&lines[2], 1), full);
    }

    #[test]
    fn a_small_value_still_shows_and_none_overflows_its_column() {
        assert_eq!(bar(1.0, 1000.0, 10), "▌");
        assert_eq!(bar(0.0, 1000.0, 10), "");
        assert_eq!(bar(2000.0, 1000.0, 10).chars().count(), 10);
        let lines = iteration_columns(
            &[Series {
                name: "a-very-long-run-name-that-does-not-fit",
                values: &[1, 2, 3],
            }],
            30,
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
    }
}

//! Text fitted to the screen, in one place: every line a view draws goes through [`fit`] (or
//! [`fit_spans`], [`fit_parts`], [`wrap`]), which ends a line that does not fit at a word, with
//! `…`, and never mid-word without one. A line that fits is drawn whole; one cut always ends in
//! `…`, so a reader knows there is more (and `<` `>` scroll sideways where a view has more).
//!
//! Text never fills the last column: it is left blank unless the line is cut there (`…`), so
//! that a cut is always seen at the border.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// The mark of a line cut short.
pub const MORE: char = '…';

/// Display width of `s`, in cells (one per character: the UI draws no wide characters).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// `text` in at most `room` cells: whole if it fits in `room - 1` (the last column stays
/// blank), else cut at the last word that fits, or mid-word when no word break is near, and
/// ended with `…`.
pub fn fit(text: &str, room: usize) -> String {
    if width(text) < room {
        return text.to_string();
    }
    if room == 0 {
        return String::new();
    }
    if room == 1 {
        return MORE.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let keep = room - 1;
    // The last break (a space, or after a comma, colon, slash) at or before `keep` and not too
    // far back: a cut within the last third keeps the words whole.
    let near = keep.saturating_sub((keep / 3).max(1));
    let at = (near..=keep)
        .rev()
        .find(|&i| i > 0 && i <= chars.len() && is_break(chars[i - 1], chars.get(i).copied()));
    let end = at.unwrap_or(keep);
    let mut out: String = chars[..end].iter().collect();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push(MORE);
    out
}

fn is_break(before: char, after: Option<char>) -> bool {
    before == ' ' || after == Some(' ') || matches!(before, ',' | ';' | ':' | '/' | '(' | '·')
}

/// A styled line in at most `room` cells, cut as [`fit`] cuts text: the `…` takes the style of
/// the span it ends.
pub fn fit_spans(spans: Vec<Span<'static>>, room: usize) -> Line<'static> {
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let fitted = fit(&text, room);
    if fitted == text {
        return Line::from(spans);
    }
    let cut = width(&fitted) - 1;
    let mut out = Vec::new();
    let mut used = 0;
    let mut last = Style::default();
    for s in spans {
        if used >= cut {
            break;
        }
        let w = width(&s.content);
        last = s.style;
        if used + w <= cut {
            used += w;
            out.push(s);
        } else {
            let part: String = s.content.chars().take(cut - used).collect();
            used = cut;
            out.push(Span::styled(part, s.style));
        }
    }
    out.push(Span::styled(MORE.to_string(), last));
    Line::from(out)
}

/// One part of a line built from parts: its spans, and how much it matters (parts of the
/// lowest priority are left out first when the line does not fit).
pub struct Part {
    pub spans: Vec<Span<'static>>,
    pub priority: u8,
}

impl Part {
    pub fn new(text: impl Into<String>, style: Style, priority: u8) -> Part {
        Part {
            spans: vec![Span::styled(text.into(), style)],
            priority,
        }
    }
}

/// Parts joined by `sep` in at most `room` cells: the least important parts go first; if the
/// most important still do not fit, the line is cut with `…`. Returns the line and how many
/// parts were left out.
pub fn fit_parts(parts: Vec<Part>, sep: Span<'static>, room: usize) -> (Line<'static>, usize) {
    let total = parts.len();
    let join = |floor: u8| -> Vec<Span<'static>> {
        let mut out = Vec::new();
        for p in parts.iter().filter(|p| p.priority >= floor) {
            if p.spans.iter().all(|s| s.content.is_empty()) {
                continue;
            }
            if !out.is_empty() {
                out.push(sep.clone());
            }
            out.extend(p.spans.iter().cloned());
        }
        out
    };
    let mut floors: Vec<u8> = parts.iter().map(|p| p.priority).collect();
    floors.sort_unstable();
    floors.dedup();
    for floor in floors.iter().copied().chain([u8::MAX]) {
        let spans = join(floor);
        let w: usize = spans.iter().map(|s| width(&s.content)).sum();
        if w < room {
            let kept = parts.iter().filter(|p| p.priority >= floor).count();
            return (Line::from(spans), total - kept);
        }
    }
    let top = floors.last().copied().unwrap_or(0);
    (fit_spans(join(top), room), total.saturating_sub(1))
}

/// `text` in lines of at most `room` cells, broken at words, at most `max` lines: the last line
/// ends in `…` when the text goes on.
pub fn wrap(text: &str, room: usize, max: usize) -> Vec<String> {
    // A leading indent starts every line.
    let body = text.trim_start_matches(' ');
    let indent = &text[..text.len() - body.len()];
    let room_left = room.saturating_sub(indent.len());
    if indent.is_empty() || room_left < 8 {
        return wrap_words(text, room, max);
    }
    wrap_words(body, room_left, max)
        .into_iter()
        .map(|l| format!("{indent}{l}"))
        .collect()
}

/// `text` with its spaces made non-breaking: a number and its unit (`1.5 MiB`) stay on one
/// line when [`wrap`] breaks a sentence.
pub fn glue(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

fn wrap_words(text: &str, room: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let next = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if width(&next) < room || cur.is_empty() {
            cur = next;
        } else {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max && max > 0 {
        let rest = lines[max - 1..].join(" ");
        lines.truncate(max - 1);
        lines.push(fit(&rest, room));
    }
    lines.into_iter().map(|l| fit(&l, room)).collect()
}

/// Bytes in at most 6 cells, for tables: `512B`, `7.8K`, `781K`, `1.2M`, `3.4G`.
pub fn short_bytes(b: f64) -> String {
    let b = b.max(0.0);
    let (v, unit) = if b < 1024.0 {
        return format!("{b:.0}B");
    } else if b < 1048576.0 {
        (b / 1024.0, 'K')
    } else if b < 1073741824.0 {
        (b / 1048576.0, 'M')
    } else {
        (b / 1073741824.0, 'G')
    };
    if v < 10.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

/// A duration in at most 7 cells, for tables: `850µs`, `12.3ms`, `2.00s`, `9.7min`.
pub fn short_time(us: f64) -> String {
    let us = us.max(0.0);
    if us < 1_000.0 {
        format!("{us:.0}µs")
    } else if us < 1e6 {
        format!("{:.1}ms", us / 1e3)
    } else if us < 6e7 {
        format!("{:.2}s", us / 1e6)
    } else {
        format!("{:.1}min", us / 6e7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_line_ends_at_a_word_with_an_ellipsis() {
        assert_eq!(
            fit("task 0 launched on exec-1", 80),
            "task 0 launched on exec-1"
        );
        assert_eq!(
            fit("task 0 launched on exec-1 (host-1)", 24),
            "task 0 launched on…"
        );
        assert_eq!(fit("abcdefghijklmnop", 8), "abcdefg…");
        assert_eq!(fit("abc", 3), "ab…");
        assert_eq!(fit("ab", 3), "ab");
    }

    #[test]
    fn the_least_important_parts_go_first() {
        let parts = vec![
            Part::new("job 0", Style::default(), 9),
            Part::new("a long key of symbols", Style::default(), 1),
            Part::new("runs s0 s1", Style::default(), 5),
        ];
        let (l, left_out) = fit_parts(parts, Span::raw(" │ "), 20);
        assert_eq!(l.to_string(), "job 0 │ runs s0 s1");
        assert_eq!(left_out, 1);
    }

    #[test]
    fn wrapped_text_keeps_words_and_marks_the_rest() {
        let w = wrap(
            "failed: Job aborted due to stage failure: Task 2 failed",
            20,
            2,
        );
        assert_eq!(w.len(), 2);
        assert!(w[1].ends_with('…'), "{w:?}");
        assert!(w.iter().all(|l| width(l) <= 20));
    }
}

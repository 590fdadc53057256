//! The frame around the views: the header (what is shown, playback, where in the run), the
//! tabs, the footer's key hints, and the help overlay; the hints and the help are made from
//! the key tables ([`super::view`]). It owns no state: [`super::app::App`] says what to draw.

use super::explain::duration;
use super::text::{self, Part};
use super::theme;
use super::view::{Action, KeyBinding, View, GLOBAL};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

/// What playback is doing, for the header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PlayStatus {
    /// Playing at this many run µs per wall µs.
    Playing(f64),
    Paused,
    /// At the end of a log that will not grow.
    End,
}

/// What the header says.
pub struct Header<'a> {
    pub title: &'a str,
    /// The engine whose run is shown, in a log of two engines' runs; else empty.
    pub engine: &'a str,
    /// A scenario run now, rather than a log replayed.
    pub live: bool,
    /// `virtual` or `wall`; empty before the run's first event.
    pub clock: &'a str,
    pub status: PlayStatus,
    pub now_us: u64,
    pub total_us: u64,
    pub cursor: usize,
    pub events: usize,
    /// The run is still going (a live run).
    pub running: bool,
    /// The log was read whole but has no `AppEnd`: it was cut short.
    pub cut_short: bool,
    /// A job of the run failed (by the cursor).
    pub failed: bool,
}

/// A speed for people: run time shown per second of wall time.
pub fn speed(run_us_per_wall_us: f64) -> String {
    format!("{}/s", duration((run_us_per_wall_us * 1e6).round() as u64))
}

impl Header<'_> {
    /// The header's text, fitted to `width` columns: the least useful parts go first.
    pub fn text(&self, width: usize) -> String {
        let status = match self.status {
            PlayStatus::Playing(x) => format!("▶ {}", speed(x)),
            PlayStatus::Paused => "⏸ paused".into(),
            PlayStatus::End => "■ the end".into(),
        };
        let source = if self.live { "live" } else { "replay" };
        let clock = if self.clock.is_empty() {
            String::new()
        } else {
            format!("{} clock", self.clock)
        };
        let time = format!("{} / {}", duration(self.now_us), duration(self.total_us));
        let events = format!("event {}/{}", self.cursor, self.events);
        let extra = if self.cut_short {
            "log cut short: no AppEnd"
        } else if self.running {
            "running…"
        } else {
            ""
        };
        let failed = if self.failed { "✗ failed" } else { "" };
        // (text, priority to keep: higher stays longer). The title is cut, never dropped.
        let parts: Vec<(String, u8)> = vec![
            ("ember".into(), 1),
            (self.engine.into(), 8),
            (source.into(), 2),
            (clock, 0),
            (status, 7),
            (time, 6),
            (events, 5),
            (failed.into(), 7),
            (extra.into(), 6),
        ];
        let join = |title: &str, floor: u8| -> String {
            let mut kept: Vec<&str> = parts
                .iter()
                .filter(|(t, p)| !t.is_empty() && *p >= floor)
                .map(|(t, _)| t.as_str())
                .collect();
            let at = usize::from(kept.first() == Some(&"ember"));
            kept.insert(at, title);
            format!(" {} ", kept.join(" │ "))
        };
        let title_len = text::width(self.title);
        for floor in 0..=8u8 {
            let t = join(self.title, floor);
            let over = text::width(&t).saturating_sub(width.saturating_sub(1));
            if over == 0 {
                return t;
            }
            // Past the parts that matter least, the title is cut rather than the rest dropped.
            if floor >= 3 && title_len > over + 10 {
                let cut = text::fit(self.title, title_len - over);
                return join(&cut, floor);
            }
        }
        text::fit(&join(self.title, 8), width)
    }
}

/// Each tab's label in `width` columns: its number and name; when eight names do not fit
/// (80 columns), the others' names cut to three letters and `…`, then to their numbers alone,
/// then left out (the one shown keeps its name, and says how many there are).
fn tab_labels(names: &[&str], current: usize, width: usize) -> Vec<String> {
    let labels = |cut: Option<usize>| -> Vec<String> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| match cut {
                Some(n) if i != current => {
                    let short = if text::width(name) <= n {
                        name.to_string()
                    } else if n == 0 {
                        String::new()
                    } else {
                        let cut: String = name.chars().take(n - 1).collect();
                        format!("{cut}…")
                    };
                    if short.is_empty() {
                        format!(" {} ", i + 1)
                    } else {
                        format!(" {} {short} ", i + 1)
                    }
                }
                _ => format!(" {} {name} ", i + 1),
            })
            .collect()
    };
    let room = |ls: &[String]| 1 + ls.iter().map(|l| text::width(l) + 1).sum::<usize>();
    for cut in [None, Some(4), Some(0)] {
        let ls = labels(cut);
        if room(&ls) < width {
            return ls;
        }
    }
    // Narrower still: the view shown alone (the others are drawn as nothing).
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if i == current {
                format!(" {} {name} of {} ", i + 1, names.len())
            } else {
                String::new()
            }
        })
        .collect()
}

/// The tab line: each view's number and name, the one shown reversed.
pub fn tabs(names: &[&str], current: usize, width: usize) -> Line<'static> {
    let mut tabs = vec![Span::raw(" ")];
    for (i, label) in tab_labels(names, current, width).into_iter().enumerate() {
        if label.is_empty() {
            continue;
        }
        tabs.push(if i == current {
            Span::styled(label, theme::selected().add_modifier(Modifier::BOLD))
        } else {
            Span::raw(label)
        });
        tabs.push(Span::raw(" "));
    }
    let parts = vec![
        Part {
            spans: tabs,
            priority: 9,
        },
        Part::new("? help  q quit", theme::dim(), 1),
    ];
    text::fit_parts(parts, Span::raw(" "), width).0
}

/// The column where tab `i` starts and its width, as [`tabs`] draws them in `width` columns
/// with tab `current` shown.
pub fn tab_span(names: &[&str], current: usize, width: usize, i: usize) -> (u16, u16) {
    let mut x = 1u16;
    for (k, label) in tab_labels(names, current, width).iter().enumerate() {
        let w = text::width(label) as u16;
        if k == i {
            return (x, w);
        }
        if w > 0 {
            x += w + 1;
        }
    }
    (x, 0)
}

/// The footer's key hints, from the tables: the global keys with a hint, then the view's;
/// what does not fit is left out whole.
pub fn hints(view: &dyn View, playing: bool, width: usize) -> Line<'static> {
    let mut parts = Vec::new();
    let mut add = |b: &KeyBinding, priority: u8| {
        let Some(hint) = b.hint else { return };
        let hint = if b.keys.first().map(|k| k.1) == Some(Action::PlayPause) && playing {
            "pause"
        } else {
            hint
        };
        parts.push(Part {
            spans: vec![
                Span::styled(b.label.to_string(), theme::key()),
                Span::raw(format!(" {hint}")),
            ],
            priority,
        });
    };
    let later = |b: &&KeyBinding| matches!(b.keys[0].1, Action::Help | Action::EarlierJob);
    for b in GLOBAL.iter().filter(|b| !later(b)) {
        add(b, 8);
    }
    for (i, b) in view.keys().iter().enumerate() {
        add(b, 7u8.saturating_sub(i as u8));
    }
    // Choosing a job matters less than playback and the view's own keys.
    for b in GLOBAL.iter().filter(|b| b.keys[0].1 == Action::EarlierJob) {
        add(b, 3);
    }
    if let Some(help) = GLOBAL.iter().find(|b| b.keys[0].1 == Action::Help) {
        add(help, 9);
    }
    let (line, _) = text::fit_parts(parts, Span::raw("  "), width.saturating_sub(1));
    let mut spans = vec![Span::raw(" ")];
    spans.extend(line.spans);
    Line::from(spans)
}

/// The help overlay for `view`, centred on `area`: the global keys on the left, the view's
/// keys and what its symbols mean on the right, all from the tables.
pub fn help_overlay(view: &dyn View, index: usize, area: Rect, buf: &mut Buffer) {
    let w = 78.min(area.width.saturating_sub(2));
    if w < 20 || area.height < 5 {
        return;
    }
    let half = (w - 2) / 2;
    let group = |title: String, rows: Vec<(&str, &str)>, room: usize| -> Vec<Line<'static>> {
        let mut lines = vec![Line::from(Span::styled(
            text::fit(&title, room),
            Style::default().add_modifier(Modifier::BOLD),
        ))];
        for (k, what) in rows {
            // A label as wide as its column still gets a space before its text.
            let key = format!(" {k:<9} ");
            let room_left = room.saturating_sub(text::width(&key));
            lines.push(Line::from(vec![
                Span::styled(key, theme::key()),
                Span::raw(text::fit(what, room_left)),
            ]));
        }
        lines
    };
    let rows = |table: &[KeyBinding]| -> Vec<(&'static str, &'static str)> {
        table.iter().map(|b| (b.label, b.help)).collect()
    };
    let room = half.saturating_sub(1) as usize;
    let mut left = group("Anywhere".into(), rows(&GLOBAL[..5]), room);
    left.extend(group("Playback".into(), rows(&GLOBAL[5..]), room));
    let mut right = group(
        format!("{} {} (this view)", index + 1, view.name()),
        rows(view.keys()),
        room,
    );
    if !view.words().is_empty() {
        right.extend(group("What you see".into(), view.words().to_vec(), room));
    }
    let h = (left.len().max(right.len()) as u16 + 2).min(area.height.saturating_sub(1));
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    Clear.render(r, buf);
    let title = text::fit(
        " every key (? or Esc closes; each view's ? lists its own) ",
        w.saturating_sub(2) as usize,
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(r);
    block.render(r, buf);
    Paragraph::new(left).render(
        Rect {
            width: half.saturating_sub(1),
            ..inner
        },
        buf,
    );
    Paragraph::new(right).render(
        Rect {
            x: inner.x + half,
            width: inner.width - half,
            ..inner
        },
        buf,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header<'static> {
        Header {
            title: "pagerank-pipeline --variant partitioned",
            engine: "",
            live: true,
            clock: "virtual",
            status: PlayStatus::Paused,
            now_us: 12_300,
            total_us: 74_300,
            cursor: 57,
            events: 57,
            running: false,
            cut_short: false,
            failed: false,
        }
    }

    #[test]
    fn a_narrow_header_drops_the_clock_before_the_event_count() {
        let wide = header().text(200);
        assert!(
            wide.contains("virtual clock") && wide.contains("event 57/57"),
            "{wide}"
        );
        let narrow = header().text(80);
        assert!(narrow.chars().count() <= 80, "{narrow}");
        assert!(narrow.contains("pagerank-pipeline"), "{narrow}");
        assert!(narrow.contains("event 57/57"), "{narrow}");
        assert!(narrow.contains("12.3 ms / 74.3 ms"), "{narrow}");
        let tiny = header().text(30);
        assert!(tiny.chars().count() <= 30, "{tiny}");
        assert!(tiny.contains("⏸ paused"), "{tiny}");
    }

    #[test]
    fn speeds_read_as_run_time_per_second() {
        assert_eq!(speed(0.002), "2.0 ms/s");
        assert_eq!(speed(0.00025), "250 µs/s");
        assert_eq!(speed(1.0), "1.00 s/s");
    }
}

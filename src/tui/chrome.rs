//! The frame around the views: the header (what is shown, playback, where in the run), the
//! tabs, the footer's key hints and messages, and the help overlay with every key. It owns
//! no state: [`super::app::App`] says what to draw.

use super::explain::duration;
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

/// The views, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Lineage,
    Jobs,
    Timeline,
    Events,
    Storage,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 5] = [
        View::Lineage,
        View::Jobs,
        View::Timeline,
        View::Events,
        View::Storage,
    ];

    /// Its name on its tab.
    pub fn name(self) -> &'static str {
        match self {
            View::Lineage => "Lineage",
            View::Jobs => "Jobs",
            View::Timeline => "Timeline",
            View::Events => "Events",
            View::Storage => "Storage",
        }
    }

    /// Its place in the tab order.
    pub fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// Every key, for the help overlay: (keys, what they do), by group; the first three groups
/// go in the left column.
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "Anywhere",
        &[
            ("?", "this help"),
            ("q  Ctrl-C", "quit"),
            ("1-5 Tab S-Tab", "the views"),
            ("wheel, click", "scroll, pick a tab"),
        ],
    ),
    (
        "Playback",
        &[
            ("space", "play, pause"),
            ("→ ←  l h", "step one event"),
            ("t T", "next, previous task"),
            ("s S", "next, previous stage"),
            ("j J", "next, previous job"),
            ("+ -", "faster, slower"),
            ("Home End", "the start, the end"),
            ("g", "go to a time (12ms ⏎)"),
        ],
    ),
    (
        "Words",
        &[
            ("s4  4p", "stage 4; 4 partitions"),
            ("┆ ▽   │ ▼", "shuffle, narrow edge"),
            ("3/8", "partitions cached"),
            ("↻2", "computed again"),
            ("✓cp", "checkpointed"),
        ],
    ),
    (
        "1 Lineage",
        &[
            ("↑ ↓ PgUp PgDn", "scroll"),
            ("< >", "scroll sideways"),
            ("[ ]  Esc", "job shown; the latest"),
            ("c", "fold, unfold iterations"),
            ("b", "boxes or lines"),
        ],
    ),
    (
        "2 Jobs",
        &[
            ("↑ ↓  [ ]  Esc", "job shown; the latest"),
            ("PgUp PgDn < >", "scroll the stages"),
            ("c", "all stages, folded"),
        ],
    ),
    (
        "3 Timeline",
        &[
            ("z Z", "zoom in, out (at now)"),
            ("< >", "scroll in time"),
            ("↑ ↓ PgUp PgDn", "scroll the cores"),
        ],
    ),
    (
        "4 Events",
        &[
            ("↑ ↓ PgUp PgDn", "select an event"),
            ("Enter", "go to it"),
            ("f", "next filter"),
            ("< >", "scroll sideways"),
            ("Esc", "follow the latest"),
        ],
    ),
    ("5 Storage", &[("↑ ↓ PgUp PgDn", "scroll the executors")]),
];

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
        // (text, priority to keep: higher stays longer). The title is cut before it goes.
        const TITLE: u8 = 4;
        let mut parts: Vec<(String, u8)> = vec![
            ("ember".into(), 1),
            (self.title.to_string(), TITLE),
            (source.into(), 2),
            (clock, 0),
            (status, 7),
            (time, 6),
            (events, 5),
            (extra.into(), 6),
        ];
        let join = |parts: &[(String, u8)], floor: u8| -> String {
            let kept: Vec<&str> = parts
                .iter()
                .filter(|(t, p)| !t.is_empty() && *p >= floor)
                .map(|(t, _)| t.as_str())
                .collect();
            format!(" {} ", kept.join(" │ "))
        };
        for floor in 0..=7u8 {
            let t = join(&parts, floor);
            let over = t.chars().count().saturating_sub(width);
            if over == 0 {
                return t;
            }
            let title_len = self.title.chars().count();
            if floor == TITLE && title_len > over + 8 {
                let cut: String = self.title.chars().take(title_len - over - 1).collect();
                parts[1].0 = format!("{cut}…");
                return join(&parts, floor);
            }
        }
        join(&parts, 7).chars().take(width).collect()
    }
}

/// The tab line.
pub fn tabs(current: View) -> Line<'static> {
    let mut tabs = vec![Span::raw(" ")];
    for v in View::ALL {
        let label = format!(" {} {} ", v.index() + 1, v.name());
        tabs.push(if v == current {
            Span::styled(label, theme::selected().add_modifier(Modifier::BOLD))
        } else {
            Span::raw(label)
        });
        tabs.push(Span::raw(" "));
    }
    tabs.push(Span::styled("  ? help  q quit", theme::dim()));
    Line::from(tabs)
}

/// The column where the tab of `v` starts and its width, as [`tabs`] draws them.
pub fn tab_span(v: View) -> (u16, u16) {
    let mut x = 1u16;
    for w in View::ALL {
        let width = w.name().len() as u16 + 4;
        if w == v {
            return (x, width);
        }
        x += width + 1;
    }
    (x, 0)
}

/// The footer's key hints for a view.
pub fn hints(view: View, playing: bool) -> Line<'static> {
    let play = if playing { "pause" } else { "play" };
    let pairs: &[(&str, &str)] = match view {
        View::Lineage => &[
            ("→←", "step"),
            ("[ ]", "job"),
            ("↑↓<>", "scroll"),
            ("c", "fold"),
            ("?", "help"),
        ],
        View::Jobs => &[
            ("→←", "step"),
            ("↑↓", "job"),
            ("s S", "stage"),
            ("c", "all stages"),
            ("?", "help"),
        ],
        View::Timeline => &[
            ("→←", "step"),
            ("t T", "task"),
            ("z Z", "zoom"),
            ("<>↑↓", "scroll"),
            ("?", "help"),
        ],
        View::Events => &[
            ("↑↓", "select"),
            ("Enter", "go there"),
            ("f", "filter"),
            ("?", "help"),
        ],
        View::Storage => &[("→←", "step"), ("↑↓", "scroll"), ("?", "help")],
    };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled("space", theme::key()),
        Span::raw(format!(" {play}  ")),
    ];
    for (k, what) in pairs {
        spans.push(Span::styled(k.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

/// The help overlay, centred on `area`.
pub fn help_overlay(area: Rect, buf: &mut Buffer) {
    let column = |groups: &[(&str, &[(&str, &str)])]| -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (group, keys) in groups {
            lines.push(Line::from(Span::styled(
                group.to_string(),
                Style::default().add_modifier(Modifier::BOLD),
            )));
            for (k, what) in *keys {
                lines.push(Line::from(vec![
                    Span::styled(format!(" {k:<14}"), theme::key()),
                    Span::raw(what.to_string()),
                ]));
            }
        }
        lines
    };
    let left = column(&KEYS[..3]);
    let right = column(&KEYS[3..]);
    let w = 78.min(area.width.saturating_sub(2));
    let h = (left.len().max(right.len()) as u16 + 2).min(area.height.saturating_sub(1));
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    Clear.render(r, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" every key (? or Esc closes; a view's number shows it) ");
    let inner = block.inner(r);
    block.render(r, buf);
    let half = inner.width / 2;
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
            live: true,
            clock: "virtual",
            status: PlayStatus::Paused,
            now_us: 12_300,
            total_us: 74_300,
            cursor: 57,
            events: 57,
            running: false,
            cut_short: false,
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

//! Colours and styles, in one place: a stage's colour is the same in every view.
//!
//! With `NO_COLOR` set (any value, as <https://no-color.org> asks), or [`set_plain`], every
//! style drops its colours: for projectors and colour-blind readers the views tell stages apart
//! by their labels (`s4`, `stage 4`), and emphasis is bold or reversed.

use ratatui::style::{Color, Modifier, Style};
use std::cell::Cell;

const STAGES: [Color; 8] = [
    Color::Cyan,
    Color::Green,
    Color::Magenta,
    Color::Yellow,
    Color::LightBlue,
    Color::LightRed,
    Color::LightGreen,
    Color::LightMagenta,
];

thread_local! {
    static PLAIN: Cell<bool> = const { Cell::new(false) };
}

/// Draws without colours (on this thread: the UI draws on one).
pub fn set_plain(plain: bool) {
    PLAIN.with(|p| p.set(plain));
}

/// Whether the UI draws without colours.
pub fn plain() -> bool {
    PLAIN.with(|p| p.get())
}

/// Whether the environment asks for no colour (`NO_COLOR` set, any value).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some()
}

fn colour(colour: Style, plain: Style) -> Style {
    if self::plain() {
        plain
    } else {
        colour
    }
}

/// The colour of stage `s` (none when plain).
pub fn stage_color(s: usize) -> Color {
    if plain() {
        Color::Reset
    } else {
        STAGES[s % STAGES.len()]
    }
}

/// Text in the colour of stage `s`.
pub fn stage(s: usize) -> Style {
    colour(Style::default().fg(stage_color(s)), Style::default())
}

/// What is not part of what is selected.
pub fn dim() -> Style {
    colour(
        Style::default().fg(Color::DarkGray),
        Style::default().add_modifier(Modifier::DIM),
    )
}

/// A box standing for several collapsed iterations.
pub fn collapsed() -> Style {
    colour(Style::default().fg(Color::Gray), Style::default()).add_modifier(Modifier::ITALIC)
}

/// A storage level.
pub fn storage() -> Style {
    colour(Style::default().fg(Color::LightYellow), Style::default())
}

/// A shuffle edge: a stage cut (white: no stage has it as its colour).
pub fn shuffle_edge(active: bool) -> Style {
    if active {
        colour(Style::default().fg(Color::White), Style::default())
    } else {
        dim()
    }
}

/// A narrow edge.
pub fn narrow_edge(active: bool) -> Style {
    if active {
        colour(Style::default().fg(Color::Gray), Style::default())
    } else {
        dim()
    }
}

/// The edges of the selected RDD.
pub fn selected_edge() -> Style {
    colour(
        Style::default()
            .fg(Color::LightYellow)
            .add_modifier(Modifier::BOLD),
        Style::default().add_modifier(Modifier::BOLD),
    )
}

/// Something that failed.
pub fn failure() -> Style {
    colour(
        Style::default().fg(Color::White).bg(Color::Red),
        Style::default().add_modifier(Modifier::REVERSED),
    )
    .add_modifier(Modifier::BOLD)
}

/// Something that succeeded.
pub fn success() -> Style {
    colour(Style::default().fg(Color::Green), Style::default())
}

/// Something running.
pub fn running() -> Style {
    colour(
        Style::default().fg(Color::Yellow),
        Style::default().add_modifier(Modifier::BOLD),
    )
}

/// The title bar.
pub fn bar() -> Style {
    colour(
        Style::default().fg(Color::Black).bg(Color::Gray),
        Style::default().add_modifier(Modifier::REVERSED),
    )
}

/// The selected tab or row.
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// A key in a hint.
pub fn key() -> Style {
    colour(Style::default().fg(Color::Cyan), Style::default()).add_modifier(Modifier::BOLD)
}

/// Bold text.
pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

//! Colours and styles, in one place: a stage's colour is the same in every view.

use ratatui::style::{Color, Modifier, Style};

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

/// The colour of stage `s`.
pub fn stage_color(s: usize) -> Color {
    STAGES[s % STAGES.len()]
}

/// Text in the colour of stage `s`.
pub fn stage(s: usize) -> Style {
    Style::default().fg(stage_color(s))
}

/// What is not part of what is selected.
pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// A box standing for several collapsed iterations.
pub fn collapsed() -> Style {
    Style::default()
        .fg(Color::Gray)
        .add_modifier(Modifier::ITALIC)
}

/// A storage level.
pub fn storage() -> Style {
    Style::default().fg(Color::LightYellow)
}

/// A shuffle edge: a stage cut (white: no stage has it as its colour).
pub fn shuffle_edge(active: bool) -> Style {
    if active {
        Style::default().fg(Color::White)
    } else {
        dim()
    }
}

/// A narrow edge.
pub fn narrow_edge(active: bool) -> Style {
    if active {
        Style::default().fg(Color::Gray)
    } else {
        dim()
    }
}

/// Something that failed.
pub fn failure() -> Style {
    Style::default()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}

/// Something that succeeded.
pub fn success() -> Style {
    Style::default().fg(Color::Green)
}

/// Something running.
pub fn running() -> Style {
    Style::default().fg(Color::Yellow)
}

/// The title bar.
pub fn bar() -> Style {
    Style::default().fg(Color::Black).bg(Color::Gray)
}

/// The selected tab or row.
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// A key in a hint.
pub fn key() -> Style {
    Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

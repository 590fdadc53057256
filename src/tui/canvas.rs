//! Painting a laid-out graph on terminal cells: lines that join where they meet (`┼`, `┬`),
//! dashed lines and hollow arrowheads for shuffle edges, boxes with titles, all through a
//! scrolling viewport that clips what falls outside it. A cell shared by a narrow and a
//! shuffle edge is drawn solid; the arrowheads still tell the two apart.

use super::layout::Placed;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::collections::BTreeMap;

/// The arrowhead of a narrow dependency.
pub const NARROW_ARROW: char = '▼';
/// The arrowhead of a shuffle dependency: hollow, so that a shuffle is told from a narrow edge
/// even where its line is too short to show dashes.
pub const SHUFFLE_ARROW: char = '▽';

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

fn line_char(mask: u8, dashed: bool) -> char {
    match (mask, dashed) {
        (m, true) if m == UP | DOWN || m == UP || m == DOWN => '┆',
        (m, true) if m == LEFT | RIGHT || m == LEFT || m == RIGHT => '┄',
        (m, _) if m == UP | DOWN || m == UP || m == DOWN => '│',
        (m, _) if m == LEFT | RIGHT || m == LEFT || m == RIGHT => '─',
        (m, _) if m == DOWN | RIGHT => '┌',
        (m, _) if m == DOWN | LEFT => '┐',
        (m, _) if m == UP | RIGHT => '└',
        (m, _) if m == UP | LEFT => '┘',
        (m, _) if m == UP | DOWN | RIGHT => '├',
        (m, _) if m == UP | DOWN | LEFT => '┤',
        (m, _) if m == LEFT | RIGHT | DOWN => '┬',
        (m, _) if m == LEFT | RIGHT | UP => '┴',
        _ => '┼',
    }
}

/// A viewport onto a larger drawing.
pub struct Canvas<'a> {
    buf: &'a mut Buffer,
    area: Rect,
    /// The drawing's cell at the area's top-left corner.
    pub off_x: i32,
    pub off_y: i32,
    lines: BTreeMap<(i32, i32), (u8, bool, Style)>,
    /// Arrowheads: position, style, whether the edge is a shuffle.
    arrows: Vec<(i32, i32, Style, bool)>,
    /// Rows of the area where something was drawn past its left or right edge.
    cut_left: Vec<bool>,
    cut_right: Vec<bool>,
}

impl<'a> Canvas<'a> {
    /// A canvas drawing into `area` of `buf`, scrolled by `(off_x, off_y)`.
    pub fn new(buf: &'a mut Buffer, area: Rect, off_x: i32, off_y: i32) -> Self {
        Canvas {
            buf,
            area,
            off_x,
            off_y,
            lines: BTreeMap::new(),
            arrows: Vec::new(),
            cut_left: vec![false; area.height as usize],
            cut_right: vec![false; area.height as usize],
        }
    }

    fn cell(&mut self, x: i32, y: i32) -> Option<&mut ratatui::buffer::Cell> {
        let sx = x - self.off_x;
        let sy = y - self.off_y;
        if sy < 0 || sy >= self.area.height as i32 {
            return None;
        }
        if sx < 0 {
            self.cut_left[sy as usize] = true;
            return None;
        }
        if sx >= self.area.width as i32 {
            self.cut_right[sy as usize] = true;
            return None;
        }
        self.buf
            .cell_mut((self.area.x + sx as u16, self.area.y + sy as u16))
    }

    /// Puts one character.
    pub fn put(&mut self, x: i32, y: i32, c: char, style: Style) {
        if let Some(cell) = self.cell(x, y) {
            cell.set_char(c).set_style(style);
        }
    }

    /// Writes `text` from `(x, y)` in at most `max` cells, cut at a word with `…`
    /// ([`super::text::fit`]).
    pub fn text(&mut self, x: i32, y: i32, text: &str, style: Style, max: i32) {
        let room = max.max(0) as usize;
        let fitted = if super::text::width(text) <= room {
            text.to_string()
        } else {
            super::text::fit(text, room)
        };
        for (i, c) in fitted.chars().enumerate() {
            self.put(x + i as i32, y, c, style);
        }
    }

    /// Marks with `…` the rows where the drawing goes on past the area's left or right edge
    /// (it scrolls sideways), so that nothing is cut without a mark.
    pub fn mark_cuts(&mut self, style: Style) {
        let (x0, x1) = (self.area.x, self.area.x + self.area.width.saturating_sub(1));
        for row in 0..self.area.height as usize {
            let y = self.area.y + row as u16;
            if self.cut_left[row] {
                if let Some(c) = self.buf.cell_mut((x0, y)) {
                    c.set_char('…').set_style(style);
                }
            }
            if self.cut_right[row] {
                if let Some(c) = self.buf.cell_mut((x1, y)) {
                    c.set_char('…').set_style(style);
                }
            }
        }
    }

    fn mark(&mut self, x: i32, y: i32, dirs: u8, dashed: bool, style: Style) {
        let e = self.lines.entry((x, y)).or_insert((0, true, style));
        e.0 |= dirs;
        e.1 &= dashed;
        e.2 = style;
    }

    fn vrun(&mut self, x: i32, y1: i32, y2: i32, dashed: bool, style: Style) {
        for y in y1..=y2 {
            self.mark(x, y, UP | DOWN, dashed, style);
        }
    }

    /// Draws an edge route (see [`super::layout::Route`]). Between a bottom and the next top,
    /// the edge goes down into the first gap row, across it, and down; through a dummy it
    /// goes straight down. The cell above the end gets an arrow.
    pub fn route(&mut self, points: &[(i32, i32)], dashed: bool, style: Style) {
        for (i, w) in points.windows(2).enumerate() {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            if y2 <= y1 {
                continue;
            }
            // Pairs at odd positions run through a dummy: (its top, its bottom).
            if i % 2 == 1 {
                self.vrun(x1, y1, y2, dashed, style);
                continue;
            }
            if x1 == x2 {
                self.vrun(x1, y1 + 1, y2 - 1, dashed, style);
                continue;
            }
            let t = y1 + 1;
            let (toward, back) = if x2 > x1 {
                (RIGHT, LEFT)
            } else {
                (LEFT, RIGHT)
            };
            self.mark(x1, t, UP | toward, dashed, style);
            for x in x1.min(x2) + 1..x1.max(x2) {
                self.mark(x, t, LEFT | RIGHT, dashed, style);
            }
            self.mark(x2, t, back | DOWN, dashed, style);
            if y2 - 1 > t {
                self.vrun(x2, t + 1, y2 - 1, dashed, style);
            }
        }
        if let Some(&(x, y)) = points.last() {
            self.arrows.push((x, y - 1, style, dashed));
        }
    }

    /// Paints the lines marked so far.
    pub fn flush_lines(&mut self) {
        let lines = std::mem::take(&mut self.lines);
        for ((x, y), (mask, dashed, style)) in lines {
            self.put(x, y, line_char(mask, dashed), style);
        }
        for (x, y, style, shuffle) in std::mem::take(&mut self.arrows) {
            self.put(
                x,
                y,
                if shuffle { SHUFFLE_ARROW } else { NARROW_ARROW },
                style,
            );
        }
    }

    /// A rounded box with `title` in its top border and `lines` inside.
    pub fn boxed(&mut self, b: &Placed, title: &str, lines: &[String], border: Style, text: Style) {
        let (x0, y0, x1, y1) = (b.x, b.y, b.x + b.width - 1, b.y + b.height - 1);
        for x in x0..=x1 {
            for y in y0..=y1 {
                self.put(x, y, ' ', text);
            }
        }
        for x in x0 + 1..x1 {
            self.put(x, y0, '─', border);
            self.put(x, y1, '─', border);
        }
        for y in y0 + 1..y1 {
            self.put(x0, y, '│', border);
            self.put(x1, y, '│', border);
        }
        self.put(x0, y0, '╭', border);
        self.put(x1, y0, '╮', border);
        self.put(x0, y1, '╰', border);
        self.put(x1, y1, '╯', border);
        self.text(x0 + 1, y0, title, border, b.width - 2);
        for (i, l) in lines.iter().enumerate() {
            let y = y0 + 1 + i as i32;
            if y < y1 {
                self.text(x0 + 1, y, l, text, b.width - 2);
            }
        }
    }
}

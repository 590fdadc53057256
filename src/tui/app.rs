//! The UI as a whole: which view is showing, what is selected, playback, and what every key
//! and mouse action does. Drawing is a function of this state and the log ([`App::draw`]),
//! which is what the UI tests render into ratatui's `TestBackend`. The frame around the
//! views (header, tabs, footer, help) is [`super::chrome`].

pub use super::chrome::View;
use super::chrome::{self, Header, PlayStatus};
use super::explain::{duration, Filter};
use super::layout::Ordering;
use super::lineage::{self, LineageGraph, LineageView};
use super::playback::{Boundary, Playback};
use super::state::Log;
use super::timeline::Window;
use super::{events_view, jobs, storage_view, theme, timeline};
use crate::units::parse_duration;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use ratatui::Frame;

/// The whole UI.
pub struct App {
    pub log: Log,
    pub play: Playback,
    pub view: View,
    pub help: bool,
    /// The job chosen with `[ ]` (lineage colours, jobs view); `None`: the latest.
    pub job: Option<usize>,
    pub collapse: bool,
    /// Whether the lineage is drawn one line per RDD (it always is past
    /// [`lineage::BOX_LIMIT`] RDDs).
    pub lineage_compact: bool,
    pub lineage_scroll: (i32, i32),
    /// Whether the lineage view keeps the shown job's last RDD in sight (until the user
    /// scrolls).
    pub lineage_follow: bool,
    pub jobs_scroll: (i32, i32),
    /// Rows the storage view is scrolled by.
    pub storage_scroll: usize,
    /// Whether the jobs view draws every stage of the job (else it folds skipped ones).
    pub jobs_all_stages: bool,
    pub window: Window,
    pub filter: Filter,
    /// The event selected in the events view; `None`: follow the latest.
    pub selected_event: Option<usize>,
    /// Columns the events' sentences are scrolled by.
    pub events_shift: usize,
    /// Text typed after `g`.
    pub prompt: Option<String>,
    pub message: Option<String>,
    pub quit: bool,
    /// What is shown (a scenario's name, or a log's path).
    pub title: String,
    /// A scenario run now (else a log replayed).
    pub live: bool,
    /// Whether the user chose a speed (else it is fitted to the run once it is known).
    pub speed_set: bool,
    /// The run's error, if the live run could not finish.
    pub run_error: Option<String>,
    /// The size of the area the views were last drawn in, and of what the view drew there
    /// (to stop scrolling at the content's end).
    view_area: (i32, i32),
    jobs_extent: (i32, i32),
    storage_rows: usize,
    lineage: Option<(usize, bool, LineageGraph)>,
}

impl App {
    /// A UI over `log`, titled `title`, playing from the start.
    pub fn new(log: Log, title: impl Into<String>) -> App {
        let mut app = App {
            live: !log.complete,
            log,
            play: Playback::default(),
            view: View::Lineage,
            help: false,
            job: None,
            collapse: true,
            lineage_compact: false,
            lineage_scroll: (0, 0),
            lineage_follow: true,
            jobs_scroll: (0, 0),
            storage_scroll: 0,
            jobs_all_stages: false,
            window: Window::default(),
            filter: Filter::All,
            selected_event: None,
            events_shift: 0,
            prompt: None,
            message: Some(
                "playing the run: space pauses, → steps, Tab changes view, ? shows every key"
                    .into(),
            ),
            quit: false,
            title: title.into(),
            speed_set: false,
            run_error: None,
            view_area: (80, 20),
            jobs_extent: (0, 0),
            storage_rows: 0,
            lineage: None,
        };
        app.play.playing = true;
        app.fit_speed();
        app
    }

    /// Fits the speed to the run, so that it plays in about 20 seconds.
    pub fn fit_speed(&mut self) {
        if !self.speed_set {
            let total = if self.log.complete {
                self.log.end_us()
            } else {
                20_000
            };
            self.play.speed = Playback::speed_for(total.max(1), 20.0);
        }
    }

    /// Events arrived (a live run): index them.
    pub fn grew(&mut self) {
        self.play.index(&self.log);
        if self.log.complete {
            self.fit_speed();
        }
    }

    /// Advances playback by `wall_us` of wall time.
    pub fn tick(&mut self, wall_us: u64) {
        let was = self.play.playing;
        self.play.tick(&self.log, wall_us);
        if was && !self.play.playing {
            self.message = Some(self.end_message());
        }
    }

    fn end_message(&self) -> String {
        match &self.play.state.end {
            Some(crate::events::status::AppEnd {
                result,
                answer,
                result_digest,
                error: None,
            }) => format!(
                "the end: the run {result}: {answer} (digest {result_digest}); space plays again"
            ),
            Some(end) => format!(
                "the end: the run {}: {}",
                end.result,
                end.error.as_deref().unwrap_or_default()
            ),
            None if !self.log.ended => {
                "the end of the log: it stops before the run's end (no AppEnd)".into()
            }
            None => "the end of the log".into(),
        }
    }

    /// The job the views show: the one chosen, else the latest started.
    pub fn shown_job(&self) -> Option<usize> {
        self.job
            .filter(|j| self.play.state.jobs.iter().any(|x| x.job == *j))
            .or_else(|| self.play.state.jobs.last().map(|j| j.job))
    }

    fn select_job(&mut self, delta: isize) {
        let jobs = &self.play.state.jobs;
        if jobs.is_empty() {
            return;
        }
        let cur = self
            .shown_job()
            .and_then(|j| jobs.iter().position(|x| x.job == j))
            .unwrap_or(jobs.len() - 1) as isize;
        let next = (cur + delta).clamp(0, jobs.len() as isize - 1) as usize;
        self.job = Some(jobs[next].job);
        if next + 1 == jobs.len() {
            self.message = Some(format!("job {}: the latest", jobs[next].job));
        } else {
            self.message = Some(format!(
                "job {} chosen: the views stay on it (Esc: follow the latest)",
                jobs[next].job
            ));
        }
        self.jobs_scroll = (0, 0);
        self.lineage_follow = true;
    }

    /// Scrolls the lineage so that the shown job's last RDD is in sight, near the bottom of
    /// a view `rows` high, with the view starting at the top of a box (not mid-edge).
    fn scroll_lineage_to_job(&mut self, rows: i32, cols: i32) {
        let Some(rdd) = self
            .shown_job()
            .and_then(|j| self.play.state.jobs.iter().find(|x| x.job == j))
            .and_then(|j| j.rdd)
        else {
            return;
        };
        self.lineage_graph();
        let compact = self.lineage_compact;
        if let Some((_, _, g)) = &self.lineage {
            if let Some((x, y, w, h)) = g.place_of(rdd, compact) {
                let lowest = (y + h + 1 - rows).max(0);
                // The first top of a layer at or below `lowest` (each line is one).
                let top = if compact || !g.boxes {
                    lowest
                } else {
                    g.layout
                        .boxes
                        .iter()
                        .map(|b| b.y)
                        .filter(|by| *by >= lowest && *by <= y)
                        .min()
                        .unwrap_or(lowest)
                };
                self.lineage_scroll.1 = top;
                self.lineage_scroll.0 = (x + w + 2 - cols).max(0).min(x);
            }
        }
    }

    /// The lineage graph of the state shown (laid out again only when RDDs were added).
    pub fn lineage_graph(&mut self) -> &LineageGraph {
        let n = self.play.state.rdds.len();
        let fresh = matches!(&self.lineage, Some((k, c, _)) if *k == n && *c == self.collapse);
        if !fresh {
            let g = LineageGraph::build(&self.play.state, self.collapse, Ordering::Barycenter);
            self.lineage = Some((n, self.collapse, g));
        }
        match &self.lineage {
            Some((_, _, g)) => g,
            None => unreachable!("the graph was just built"),
        }
    }

    fn seek_selected(&mut self) {
        if let Some(i) = self.selected_event {
            self.play.seek(&self.log, i + 1);
            self.play.playing = false;
            self.say_where();
        }
    }

    /// Says in the footer which event playback has reached.
    fn say_where(&mut self) {
        let c = self.play.cursor();
        self.message = Some(
            match c.checked_sub(1).and_then(|i| self.log.events.get(i)) {
                Some(e) => format!("event {c}: {}", events_view::sentence(e, &self.play.state)),
                None => "the start: no event yet".into(),
            },
        );
    }

    fn move_selection(&mut self, delta: isize) {
        let rows = events_view::visible(&self.log, self.play.cursor(), self.filter);
        if rows.is_empty() {
            return;
        }
        let at = self
            .selected_event
            .and_then(|s| rows.iter().position(|i| *i >= s))
            .unwrap_or(rows.len() - 1) as isize;
        let next = (at + delta).clamp(0, rows.len() as isize - 1) as usize;
        self.selected_event = Some(rows[next]);
    }

    /// How far a view of content `extent` can scroll in a view area of `area`.
    fn max_scroll(extent: (i32, i32), area: (i32, i32)) -> (i32, i32) {
        ((extent.0 - area.0).max(0), (extent.1 - area.1).max(0))
    }

    fn vertical(&mut self, delta: isize) {
        match self.view {
            View::Lineage => {
                self.lineage_follow = false;
                let (extent, step) = self.lineage_extent();
                let max = Self::max_scroll(extent, (self.view_area.0, self.view_area.1 - 1)).1;
                self.lineage_scroll.1 = (self.lineage_scroll.1 + delta as i32 * step).clamp(0, max)
            }
            View::Jobs if delta.abs() > 1 => {
                let max = Self::max_scroll(self.jobs_extent, self.view_area).1;
                let page = (self.view_area.1 / 2).max(4);
                self.jobs_scroll.1 =
                    (self.jobs_scroll.1 + delta.signum() as i32 * page).clamp(0, max)
            }
            View::Jobs => self.select_job(delta.signum()),
            View::Timeline => {
                let rows = timeline::lanes(&self.log, &self.play.state).len();
                let shown = timeline::rows_shown(self.view_area.1 as u16);
                let max = rows.saturating_sub(shown) as isize;
                self.window.row = (self.window.row as isize + delta).clamp(0, max) as usize;
            }
            View::Events => self.move_selection(delta),
            View::Storage => {
                let max = self.storage_rows.saturating_sub(self.view_area.1 as usize);
                let step = if delta.abs() > 1 { delta * 2 } else { delta };
                self.storage_scroll =
                    (self.storage_scroll as isize + step).clamp(0, max as isize) as usize;
            }
        }
    }

    /// The lineage's extent in cells (with a margin) and the rows one step scrolls.
    fn lineage_extent(&self) -> ((i32, i32), i32) {
        let compact = self.lineage_compact;
        self.lineage.as_ref().map_or(((0, 0), 1), |(_, _, g)| {
            let (w, h) = g.extent(compact);
            let step = if compact || !g.boxes { 1 } else { 2 };
            ((w + 2, h + 1), step)
        })
    }

    fn horizontal(&mut self, delta: i32) {
        match self.view {
            View::Lineage => {
                self.lineage_follow = false;
                let max = Self::max_scroll(self.lineage_extent().0, self.view_area).0;
                self.lineage_scroll.0 = (self.lineage_scroll.0 + delta * 8).clamp(0, max)
            }
            View::Jobs => {
                let max = Self::max_scroll(self.jobs_extent, self.view_area).0;
                self.jobs_scroll.0 = (self.jobs_scroll.0 + delta * 8).clamp(0, max)
            }
            View::Timeline => {
                let step = 0.25 / self.window.zoom;
                self.window.start = (self.window.start + step * delta as f64)
                    .clamp(0.0, 1.0 - 1.0 / self.window.zoom);
            }
            View::Events => {
                self.events_shift = (self.events_shift as i32 + delta * 16).max(0) as usize
            }
            View::Storage => {}
        }
    }

    /// Zooms the timeline by `factor`, keeping the current time where it is on screen.
    fn zoom(&mut self, factor: f64) {
        let total = self.log.end_us().max(self.play.now_us()).max(1) as f64;
        let now = self.play.now_us() as f64 / total;
        let w = &mut self.window;
        let old = w.zoom;
        w.zoom = (w.zoom * factor).clamp(1.0, 4096.0);
        // The cursor's place in the window, kept (or the window centred on it if it was out).
        let at = ((now - w.start) * old).clamp(0.0, 1.0);
        let at = if (now - w.start) * old > 1.0 || now < w.start {
            0.5
        } else {
            at
        };
        w.start = (now - at / w.zoom).clamp(0.0, 1.0 - 1.0 / w.zoom);
    }

    /// Handles a key.
    pub fn on_key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if let Some(p) = &mut self.prompt {
            match k.code {
                KeyCode::Enter => {
                    let text = p.trim().to_string();
                    self.prompt = None;
                    match parse_duration(&text) {
                        Ok(us) => {
                            self.play.seek_time(&self.log, us.round() as u64);
                            self.play.playing = false;
                            let end = if us.round() as u64 > self.log.end_us() {
                                format!(" (the run ends at {})", duration(self.log.end_us()))
                            } else {
                                String::new()
                            };
                            self.message = Some(format!(
                                "at {}{end}, paused (space plays on)",
                                duration(self.play.now_us())
                            ));
                        }
                        Err(e) => self.message = Some(e),
                    }
                }
                KeyCode::Esc => self.prompt = None,
                KeyCode::Backspace => {
                    p.pop();
                }
                KeyCode::Char(c) => p.push(c),
                _ => {}
            }
            return;
        }
        if self.help {
            match k.code {
                KeyCode::Char('?') | KeyCode::Esc | KeyCode::Char('q') => self.help = false,
                KeyCode::Char('1'..='5') | KeyCode::Tab | KeyCode::BackTab => {
                    self.help = false;
                    self.on_key(k);
                }
                _ => {}
            }
            return;
        }
        self.message = None;
        let log = &self.log;
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => self.view = View::ALL[(self.view.index() + 1) % View::ALL.len()],
            KeyCode::BackTab => {
                let n = View::ALL.len();
                self.view = View::ALL[(self.view.index() + n - 1) % n]
            }
            KeyCode::Char(c @ '1'..='5') => self.view = View::ALL[c as usize - '1' as usize],
            KeyCode::Char(' ') => {
                if !self.play.playing
                    && self.play.cursor() >= self.log.events.len()
                    && self.log.complete
                {
                    self.play.seek(&self.log, 0);
                    self.message = Some("playing again from the start".into());
                }
                self.play.playing = !self.play.playing;
            }
            KeyCode::Right | KeyCode::Char('l') => {
                self.play.playing = false;
                self.play.step(log, 1);
                self.say_where();
            }
            KeyCode::Left | KeyCode::Char('h') => {
                self.play.playing = false;
                self.play.step(log, -1);
                self.say_where();
            }
            KeyCode::Char(c @ ('t' | 'T' | 's' | 'S' | 'j' | 'J')) => {
                let kind = match c.to_ascii_lowercase() {
                    't' => Boundary::Task,
                    's' => Boundary::Stage,
                    _ => Boundary::Job,
                };
                self.play.playing = false;
                self.play.step_to(log, kind, c.is_ascii_lowercase());
                self.say_where();
            }
            KeyCode::Char('+') | KeyCode::Char('=') => {
                self.play.speed *= 2.0;
                self.speed_set = true;
                self.message = Some(format!("speed: {}", chrome::speed(self.play.speed)));
            }
            KeyCode::Char('-') => {
                self.play.speed /= 2.0;
                self.speed_set = true;
                self.message = Some(format!("speed: {}", chrome::speed(self.play.speed)));
            }
            KeyCode::Home => {
                self.play.seek(log, 0);
                self.play.playing = false;
            }
            KeyCode::End => {
                self.play.seek(log, log.events.len());
                self.play.playing = false;
                if !log.complete {
                    self.message = Some(
                        "at the latest event: the run is still being computed (End again for more)"
                            .into(),
                    );
                }
            }
            KeyCode::Char('g') => {
                self.play.playing = false;
                self.prompt = Some(String::new());
            }
            KeyCode::Char('c') if self.view == View::Lineage => self.toggle_fold(),
            KeyCode::Char('b') if self.view == View::Lineage => self.toggle_compact(),
            KeyCode::Char('c') if self.view == View::Jobs => {
                self.jobs_all_stages = !self.jobs_all_stages;
                self.jobs_scroll = (0, 0);
                self.message = Some(if self.jobs_all_stages {
                    "every stage of the job drawn (PgUp PgDn scroll; c folds skipped ones)".into()
                } else {
                    "skipped stages far up fold into one box when they do not fit".into()
                });
            }
            KeyCode::Char('[') => self.select_job(-1),
            KeyCode::Char(']') => self.select_job(1),
            KeyCode::Char('z') => self.zoom(2.0),
            KeyCode::Char('Z') => self.zoom(0.5),
            KeyCode::Char('f') if self.view == View::Events => self.filter = self.filter.next(),
            KeyCode::Enter if self.view == View::Events => self.seek_selected(),
            KeyCode::Esc => {
                self.selected_event = None;
                if self.job.take().is_some() {
                    self.lineage_follow = true;
                    self.message = Some("following the latest job".into());
                }
            }
            KeyCode::Up => self.vertical(-1),
            KeyCode::Down => self.vertical(1),
            KeyCode::PageUp => self.vertical(-10),
            KeyCode::PageDown => self.vertical(10),
            KeyCode::Char('<') | KeyCode::Char(',') => self.horizontal(-1),
            KeyCode::Char('>') | KeyCode::Char('.') => self.horizontal(1),
            _ => {}
        }
    }

    fn toggle_compact(&mut self) {
        let boxes = self.lineage_graph().boxes;
        let n = self.play.state.rdds.len();
        if !boxes {
            self.message = Some(format!(
                "{n} RDDs: one line each (boxes are drawn for up to {} RDDs)",
                lineage::BOX_LIMIT
            ));
            return;
        }
        self.lineage_compact = !self.lineage_compact;
        self.lineage_follow = true;
        self.message = Some(if self.lineage_compact {
            "one line per RDD, edges in the margin (b: boxes again)".into()
        } else {
            "one box per RDD (b: one line each)".into()
        });
    }

    fn toggle_fold(&mut self) {
        let unfolded = LineageGraph::build(&self.play.state, false, Ordering::IdOrder);
        let folded = lineage::foldable_iterations(&self.play.state);
        if folded == 0 {
            self.message = Some(format!(
                "nothing to fold: no three jobs in a row add the same operations ({} RDDs)",
                unfolded.nodes.len()
            ));
            return;
        }
        self.collapse = !self.collapse;
        self.lineage_follow = true;
        self.message = Some(if self.collapse {
            format!(
                "{folded} repeated iteration{} folded into one box (c unfolds)",
                if folded == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "every RDD shown: {} boxes (c folds them again)",
                unfolded.nodes.len()
            )
        });
    }

    /// Handles the mouse: the wheel scrolls or selects; a click on a tab shows its view.
    pub fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollUp => self.vertical(-1),
            MouseEventKind::ScrollDown => self.vertical(1),
            MouseEventKind::Down(_) if m.row == 1 => {
                for v in View::ALL {
                    let (x, w) = chrome::tab_span(v);
                    if m.column >= x && m.column < x + w {
                        self.view = v;
                    }
                }
            }
            _ => {}
        }
    }

    fn status(&self) -> PlayStatus {
        if self.play.playing {
            PlayStatus::Playing(self.play.speed)
        } else if self.log.complete && self.play.cursor() >= self.log.events.len() {
            PlayStatus::End
        } else {
            PlayStatus::Paused
        }
    }

    /// Draws the whole UI.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        if area.height < 6 || area.width < 30 {
            Paragraph::new("ember: the terminal is too small: 30×6 at least")
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(area, f.buffer_mut());
            return;
        }
        let header = Header {
            title: &self.title,
            live: self.live,
            clock: self.play.state.clock.as_deref().unwrap_or(""),
            status: self.status(),
            now_us: self.play.now_us(),
            total_us: self.log.end_us(),
            cursor: self.play.cursor(),
            events: self.log.events.len(),
            running: !self.log.complete,
            cut_short: self.log.complete && !self.log.ended,
        }
        .text(area.width as usize);
        let buf = f.buffer_mut();
        Paragraph::new(Line::from(Span::styled(
            format!("{header:<width$}", width = area.width as usize),
            theme::bar(),
        )))
        .render(Rect { height: 1, ..area }, buf);
        Paragraph::new(chrome::tabs(self.view)).render(
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
            buf,
        );
        let main = Rect {
            y: area.y + 2,
            height: area.height - 3,
            ..area
        };
        let foot = Rect {
            y: area.y + area.height - 1,
            height: 1,
            ..area
        };
        self.view_area = (main.width as i32, main.height as i32);
        match self.view {
            View::Lineage => self.draw_lineage(main, f),
            View::Jobs => {
                let s = &self.play.state;
                self.jobs_extent = jobs::render(
                    s,
                    self.shown_job(),
                    self.jobs_all_stages,
                    self.jobs_scroll,
                    main,
                    f.buffer_mut(),
                )
            }
            View::Timeline => timeline::render(
                &self.log,
                &self.play.state,
                self.play.now_us(),
                self.window,
                main,
                f.buffer_mut(),
            ),
            View::Storage => {
                self.storage_rows = storage_view::render(
                    &self.play.state,
                    self.storage_scroll,
                    main,
                    f.buffer_mut(),
                )
            }
            View::Events => events_view::render(
                &self.log,
                &self.play.state,
                events_view::Selection {
                    filter: self.filter,
                    selected: self.selected_event,
                    shift: self.events_shift,
                },
                main,
                f.buffer_mut(),
            ),
        }
        let foot_text = if let Some(p) = &self.prompt {
            Line::from(vec![
                Span::styled(" go to time: ", theme::key()),
                Span::raw(format!("{p}▏")),
                Span::styled("  (e.g. 12ms, 1.5s; Enter goes, Esc cancels)", theme::dim()),
            ])
        } else if let Some(e) = &self.run_error {
            Line::from(Span::styled(format!(" {e}"), theme::failure()))
        } else if let Some(m) = &self.message {
            Line::from(Span::styled(
                format!(" {m}"),
                Style::default().add_modifier(Modifier::ITALIC),
            ))
        } else {
            chrome::hints(self.view, self.play.playing)
        };
        Paragraph::new(foot_text).render(foot, f.buffer_mut());
        if self.help {
            chrome::help_overlay(area, f.buffer_mut());
        }
    }

    fn draw_lineage(&mut self, main: Rect, f: &mut Frame) {
        let job = self.shown_job();
        if self.lineage_follow {
            self.scroll_lineage_to_job(main.height as i32 - 1, main.width as i32);
        }
        let scroll = self.lineage_scroll;
        self.lineage_graph();
        let chosen = self.job.is_some();
        let s = &self.play.state;
        let Some((_, _, g)) = &self.lineage else {
            return;
        };
        let folded = g.folded_iterations();
        let legend = lineage::legend(s, job, chosen, folded, self.lineage_compact || !g.boxes);
        Paragraph::new(legend).render(Rect { height: 1, ..main }, f.buffer_mut());
        let area = Rect {
            y: main.y + 1,
            height: main.height.saturating_sub(1),
            ..main
        };
        let compact = self.lineage_compact;
        LineageView {
            graph: g,
            job,
            scroll,
            compact,
        }
        .render(s, area, f.buffer_mut());
        // Say when there is more above or below.
        let buf = f.buffer_mut();
        let mark = |buf: &mut ratatui::buffer::Buffer, y: u16, text: &str| {
            let w = text.chars().count() as u16;
            if area.width > w {
                Paragraph::new(Span::styled(text.to_string(), theme::key())).render(
                    Rect {
                        x: area.x + area.width - w,
                        y,
                        width: w,
                        height: 1,
                    },
                    buf,
                );
            }
        };
        if scroll.1 > 0 && job.is_some() {
            mark(buf, area.y, " ↑ more ");
        }
        if g.extent(compact).1 - scroll.1 > area.height as i32 && area.height > 0 {
            mark(buf, area.y + area.height - 1, " ↓ more ");
        }
    }
}

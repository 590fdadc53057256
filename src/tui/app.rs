//! The UI as a whole: the views (each owns its state, keys and drawing: [`super::view`]), the
//! one shown, playback, the job and the engine shown, the footer's message, and a live run's
//! stream. What keys and the mouse do is `app_keys.rs` (a second `impl App`). Drawing is a
//! function of this state and the log ([`App::draw`]), after each view's caches are brought up
//! to date ([`App::update`]); the UI tests render it into ratatui's `TestBackend`. The frame
//! around the views (header, tabs, footer, help) is [`super::chrome`].

use super::chrome::{self, Header, PlayStatus};
use super::engines::Engines;
use super::explain::duration;
use super::playback::Playback;
use super::registry::{views, VIEWS};
use super::state::Log;
use super::view::{self as view, Ctx};
use super::{events_view, text, theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use ratatui::Frame;

/// A view by its place in the tab order (from 0): which one [`App`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View(pub usize);

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; VIEWS.len()] = {
        let mut all = [View(0); VIEWS.len()];
        let mut i = 0;
        while i < VIEWS.len() {
            all[i] = View(i);
            i += 1;
        }
        all
    };
}

/// The whole UI.
pub struct App {
    pub log: Log,
    pub play: Playback,
    /// Every view, in tab order ([`super::registry::views`]).
    pub(super) views: Vec<Box<dyn view::View>>,
    /// The view shown.
    pub view: View,
    pub help: bool,
    /// The job chosen with `[ ]`; `None`: the latest.
    pub job: Option<usize>,
    /// The job the views were last told about.
    pub(super) job_seen: Option<usize>,
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
    /// The frame last drawn (a view is brought up to date for it before it handles a key).
    pub(super) frame: Rect,
    /// A live run's stream of events.
    pub rx: Option<std::sync::mpsc::Receiver<super::Message>>,
    /// The what-if shown, if one was made.
    pub what_if: Option<super::what_if::WhatIfRun>,
    /// The event log shown, when one was opened (a what-if on a log without its scenario
    /// replays the application it recorded).
    pub recorded: Option<std::path::PathBuf>,
    /// The log's engines, in a run of both: the views show one engine's run (`log`).
    pub engines: Engines,
}

impl App {
    /// A UI over `log`, titled `title`, playing from the start. With `NO_COLOR` set it draws
    /// without colours ([`theme::set_plain`]).
    pub fn new(log: Log, title: impl Into<String>) -> App {
        if theme::no_color_env() {
            theme::set_plain(true);
        }
        let (engines, log) = Engines::split(log);
        let mut app = App {
            engines,
            live: !log.complete,
            log,
            play: Playback::default(),
            views: views(),
            view: View(0),
            help: false,
            job: None,
            job_seen: None,
            prompt: None,
            message: None,
            quit: false,
            title: title.into(),
            speed_set: false,
            run_error: None,
            frame: Rect::new(0, 0, 80, 24),
            rx: None,
            what_if: None,
            recorded: None,
        };
        app.play.playing = true;
        app.fit_speed();
        app
    }

    /// The names of the views, in tab order.
    pub fn view_names(&self) -> Vec<&'static str> {
        self.views.iter().map(|v| v.name()).collect()
    }

    /// The view shown: its place in the tab order.
    pub(super) fn current(&self) -> usize {
        self.view.0.min(self.views.len() - 1)
    }

    /// The view shown.
    pub fn shown(&self) -> &dyn view::View {
        self.views[self.current()].as_ref()
    }

    /// Shows the view at place `i` of the tab order.
    pub fn show(&mut self, i: usize) {
        self.view = View(i.min(self.views.len() - 1));
    }

    /// Shows the view named `name` (as its tab says it, any case).
    pub fn show_named(&mut self, name: &str) {
        if let Some(i) = self
            .views
            .iter()
            .position(|v| v.name().eq_ignore_ascii_case(name))
        {
            self.view = View(i);
        }
    }

    /// The state keys change, of the UI and every view (not the caches), for tests.
    pub fn fingerprint(&self) -> String {
        let views: Vec<String> = self.views.iter().map(|v| v.fingerprint()).collect();
        format!(
            "view {} help {} job {:?} prompt {:?} quit {} cursor {} playing {} speed {} | {}",
            self.current(),
            self.help,
            self.job,
            self.prompt,
            self.quit,
            self.play.cursor(),
            self.play.playing,
            self.play.speed,
            views.join(" | ")
        )
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
        if let Some(at) = self.what_if.as_mut().and_then(|w| w.resume(&self.log)) {
            self.play.seek(&self.log, at);
            self.play.playing = true;
        }
    }

    /// Runs the log's scenario again with `fault` after the event playback has reached, and
    /// shows that run (the footer says why not, when it cannot be).
    pub fn start_what_if(&mut self, fault: crate::scenario::whatif::WhatIfFault) {
        if self.engines.two() {
            // Each engine counts its events from 0: a moment of one is not a moment of both.
            self.message = Some(
                "a what-if reruns one engine's run: open the scenario with --set workload.engine=spark (or mapreduce) to make one"
                    .into(),
            );
            return;
        }
        let started = super::what_if::start(
            &self.log,
            self.play.cursor(),
            fault,
            self.what_if.as_ref(),
            &self.title,
            self.recorded.as_deref(),
        );
        match started {
            Ok(s) => {
                self.rx = Some(s.rx);
                self.log = Log::default();
                self.engines = Engines::default();
                self.play = Playback::default();
                self.run_error = None;
                self.live = true;
                self.job = None;
                self.title = s.title;
                self.message = Some(s.message);
                self.what_if = Some(s.run);
            }
            Err(m) => self.message = Some(m),
        }
    }

    /// Shows the other engine's run of a log of two: where it was left, else at the same run
    /// time (each engine's clock starts at 0; from one run's end, at the other's end), playing
    /// if playback was.
    pub fn switch_engine(&mut self) {
        let complete = !self.live || self.run_error.is_some();
        let left = self.engines.shown;
        let Some(log) = self.engines.switch(complete) else {
            self.message = Some(match self.engines.seen.first() {
                Some(e) if self.live && self.run_error.is_none() => format!(
                    "only the {} engine's run so far: the other engine's run comes after it",
                    e.title()
                ),
                Some(e) => format!(
                    "the log holds the {} engine's run alone: the run stopped before the other engine's",
                    e.title()
                ),
                None => {
                    "this log is one run: e switches engines in a run of both (`engine = \"both\"`)"
                        .into()
                }
            });
            return;
        };
        let now = self.play.now_us();
        let cursor = self.play.cursor();
        let at_end = self.log.complete && cursor >= self.log.events.len();
        let playing = self.play.playing;
        let speed = self.play.speed;
        self.log = log;
        self.play = Playback::default();
        self.play.speed = speed;
        self.fit_speed();
        self.play.index(&self.log);
        if let Some(e) = left {
            self.engines.places.insert(e, cursor);
        }
        let back = self
            .engines
            .shown
            .and_then(|e| self.engines.places.get(&e).copied());
        match back {
            // Back where it was left.
            Some(c) => self.play.seek(&self.log, c),
            // From one run's end to the other's.
            None if at_end => self.play.seek(&self.log, self.log.events.len()),
            None => self.play.seek_time(&self.log, now),
        }
        self.play.playing = playing && self.play.cursor() < self.log.events.len();
        self.job = None;
        self.job_seen = None;
        // The views' caches and choices were of the other run's ids.
        let current = self.current();
        self.views = views();
        self.view = View(current);
        let shown = self.engines.shown.map_or("", |e| e.title());
        self.message = Some(format!(
            "the {shown} engine's run, at {} (e: the other engine)",
            duration(self.play.now_us())
        ));
    }

    /// Takes what the live run has sent; returns whether anything arrived.
    pub fn drain(&mut self) -> bool {
        let Some(rx) = &self.rx else {
            return false;
        };
        let mut got = false;
        while let Ok(m) = rx.try_recv() {
            got = true;
            match m {
                super::Message::Event(e) => {
                    if let Some(e) = self.engines.take(*e) {
                        self.log.push(e);
                    }
                }
                super::Message::Failed(e) => {
                    self.run_error = Some(e);
                    self.log.complete = true;
                }
            }
        }
        if got {
            self.grew();
        }
        got
    }

    /// Advances playback by `wall_us` of wall time.
    pub fn tick(&mut self, wall_us: u64) {
        let was = self.play.playing;
        self.play.tick(&self.log, wall_us);
        if was && !self.play.playing {
            self.message = Some(self.end_message());
        }
    }

    pub(super) fn end_message(&self) -> String {
        match &self.play.state.end {
            Some(crate::events::status::AppEnd {
                result,
                answer,
                result_digest,
                error: None,
                ..
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

    pub(super) fn select_job(&mut self, delta: isize) {
        let jobs = &self.play.state.jobs;
        if jobs.is_empty() {
            self.message = Some("no job yet: jobs start with the first action".into());
            return;
        }
        let cur = self
            .shown_job()
            .and_then(|j| jobs.iter().position(|x| x.job == j))
            .unwrap_or(jobs.len() - 1) as isize;
        let next = (cur + delta).clamp(0, jobs.len() as isize - 1) as usize;
        let job = jobs[next].job;
        let last = next + 1 == jobs.len();
        self.message = Some(if next as isize == cur {
            if last {
                format!("job {job} is the latest: no later job yet")
            } else {
                format!("job {job} is the first: no earlier job")
            }
        } else if last {
            format!("job {job}: the latest")
        } else {
            format!("job {job} chosen: the views stay on it (Esc: follow the latest)")
        });
        self.job = Some(job);
    }

    pub(super) fn latest_job(&mut self) {
        if self.job.take().is_some() {
            self.message = Some("following the latest job".into());
        } else if self.message.is_none() {
            self.message = Some("already on the latest job".into());
        }
    }

    /// Says in the footer which event playback has reached.
    pub(super) fn say_where(&mut self) {
        let c = self.play.cursor();
        self.message = Some(
            match c.checked_sub(1).and_then(|i| self.log.events.get(i)) {
                Some(_) => format!(
                    "event {c}: {}",
                    events_view::sentence_in_context(&self.log, c - 1, &self.play.state)
                ),
                None => "the start: no event yet".into(),
            },
        );
    }

    /// Tells the views when the job shown changed.
    pub(super) fn tell_job(&mut self) {
        let job = self.shown_job();
        if job != self.job_seen {
            self.job_seen = job;
            for v in &mut self.views {
                v.job_changed();
            }
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

    /// The area the views are drawn in, in a frame of `area`.
    fn main_area(area: Rect) -> Rect {
        Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(3),
            ..area
        }
    }

    /// Brings the view shown up to date with the state, for a frame of `area` (its caches,
    /// such as the lineage's layout; what it follows, such as the job shown).
    pub fn update(&mut self, area: Rect) {
        self.frame = area;
        self.tell_job();
        let job = self.shown_job();
        let ctx = Ctx {
            log: &self.log,
            state: &self.play.state,
            now_us: self.play.now_us(),
            job,
            chosen: self.job.is_some(),
            baseline: self.what_if.as_ref().map(|w| &w.baseline),
            engines: &self.engines,
        };
        let current = self.current();
        self.views[current].update(&ctx, Self::main_area(area));
    }

    /// Updates, then draws the whole UI.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        self.update(area);
        self.render(area, f.buffer_mut());
    }

    /// Draws the whole UI into `buf` (reading state only: [`App::update`] comes first).
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.height < 6 || area.width < 30 {
            Paragraph::new("ember: the terminal is too small: 30×6 at least")
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let width = area.width as usize;
        let header = Header {
            title: &self.title,
            engine: self
                .engines
                .shown
                .filter(|_| self.engines.two())
                .map_or("", |e| e.title()),
            live: self.live,
            clock: self.play.state.clock.as_deref().unwrap_or(""),
            status: self.status(),
            now_us: self.play.now_us(),
            total_us: self.log.end_us(),
            cursor: self.play.cursor(),
            events: self.log.events.len(),
            running: !self.log.complete,
            cut_short: self.log.complete && !self.log.ended,
            failed: self.play.state.failed(),
        }
        .text(width);
        Paragraph::new(Line::from(Span::styled(
            format!("{header:<width$}"),
            theme::bar(),
        )))
        .render(Rect { height: 1, ..area }, buf);
        Paragraph::new(chrome::tabs(&self.view_names(), self.current(), width)).render(
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
            buf,
        );
        let main = Self::main_area(area);
        let foot = Rect {
            y: area.y + area.height - 1,
            height: 1,
            ..area
        };
        let job = self.shown_job();
        let ctx = Ctx {
            log: &self.log,
            state: &self.play.state,
            now_us: self.play.now_us(),
            job,
            chosen: self.job.is_some(),
            baseline: self.what_if.as_ref().map(|w| &w.baseline),
            engines: &self.engines,
        };
        self.shown().draw(&ctx, main, buf);
        let failure = self.run_error.clone().or_else(|| {
            let s = &self.play.state;
            s.failed().then(|| {
                let why = s
                    .end
                    .as_ref()
                    .and_then(|e| e.error.clone())
                    .or_else(|| s.job_error.clone())
                    .unwrap_or_default();
                format!("the run failed: {why}")
            })
        });
        let foot_text = if let Some(p) = &self.prompt {
            Line::from(vec![
                Span::styled(" go to time: ", theme::key()),
                Span::raw(format!("{p}▏")),
                Span::styled("  (e.g. 12ms, 1.5s; Enter goes, Esc cancels)", theme::dim()),
            ])
        } else if let Some(m) = &self.message {
            Line::from(Span::styled(
                text::fit(&format!(" {m}"), width),
                Style::default().add_modifier(Modifier::ITALIC),
            ))
        } else if let Some(e) = failure {
            Line::from(Span::styled(
                text::fit(&format!(" ✗ {e}"), width),
                theme::failure(),
            ))
        } else {
            chrome::hints(self.shown(), self.play.playing, width)
        };
        Paragraph::new(foot_text).render(foot, buf);
        if self.help {
            chrome::help_overlay(self.shown(), self.current(), area, buf);
        }
    }
}

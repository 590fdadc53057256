//! The terminal UI (ratatui + crossterm): `ember tui [SCENARIO | EVENT_LOG]`.
//!
//! The UI's state is a fold over events ([`state`]) and drawing is a function of that state
//! ([`app::App::draw`]), so a scenario run live, a replayed event log and (later) an imported
//! Apache Spark log are drawn by the same code. A scenario runs on the virtual clock in a
//! background thread whose events stream in as it goes, so the first frame is drawn at once;
//! an event log is read whole (a log cut short replays up to its last whole line).
//!
//! The UI is built from views ([`view`]): each owns its state, its keys and its drawing, in a
//! file of its own: the lineage ([`lineage`], laid out by [`layout`] and painted by
//! [`canvas`], or one line per RDD by [`compact`]), jobs and stages ([`jobs`], with a stage's
//! summary metrics from [`metrics`]), the timeline ([`timeline`]), the events ([`events_view`],
//! in words by [`explain`]), storage ([`storage_view`]) and the executors ([`executors`]).
//! Keys map to actions through one table per view and one global table, which also make the
//! help, the hints and the README's keys. Every line of text is fitted by [`text`];
//! [`playback`] moves through the log. The terminal is restored when the UI ends, on an error,
//! on a panic and on a signal ([`terminal`]).

pub mod app;
mod app_keys;
pub mod canvas;
pub mod chrome;
pub mod compact;
pub mod compare_view;
pub mod engines;
pub mod events_view;
pub mod executors;
pub mod explain;
pub mod jobs;
pub mod layout;
pub mod lineage;
pub mod lineage_draw;
pub mod lineage_tab;
pub mod locality;
pub mod locality_view;
pub mod metrics;
pub mod playback;
pub mod registry;
pub mod state;
pub mod storage_state;
pub mod storage_view;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod timeline;
pub mod view;
pub mod what_if;

use crate::cluster::Clock;
use crate::events::{Event, EventListener};
use crate::scenario::{self, Overrides, RunError, RunOptions};
use app::App;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use state::Log;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// Why the UI could not run.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The scenario or event log is missing or invalid (exit 2).
    #[error("{0}")]
    Input(String),
    /// The terminal could not be set up or drawn on (exit 1).
    #[error("{0}")]
    Terminal(#[from] std::io::Error),
    /// Standard input or output is not a terminal (exit 2).
    #[error("`ember tui` draws in a terminal, and {0} is not one: run it in a terminal, or use `ember run` for a summary without one")]
    NoTerminal(&'static str),
}

/// What the UI shows: a live run's stream, or a log read whole.
pub enum Source {
    Live {
        title: String,
        events: Receiver<Message>,
        /// The scenario's warnings (keys not honoured, settings that defeat a lesson).
        warnings: Vec<scenario::ScenarioError>,
    },
    Replay {
        title: String,
        log: Log,
        /// Lines of the log skipped (events this version does not know, malformed lines).
        warnings: Vec<String>,
        /// Where the log is.
        path: std::path::PathBuf,
    },
}

/// What a live run sends.
pub enum Message {
    Event(Box<Event>),
    /// The run ended with an error (its events so far stay).
    Failed(String),
}

struct Forward(Sender<Message>);

impl EventListener for Forward {
    fn on_event(&mut self, e: &Event) {
        let _ = self.0.send(Message::Event(Box::new(e.clone())));
    }
}

/// Opens `target`: reads and checks it before the terminal is touched, so bad input fails
/// with a message and exit 2. A scenario starts running at once.
pub fn open(target: &str, o: &Overrides) -> Result<Source, LaunchError> {
    let path = Path::new(target);
    let bundled = !target.contains('/') && scenario::bundled::get(target).is_some();
    if path.is_dir() && !crate::sparklog::is_rolling_log(path) && !bundled {
        return Err(LaunchError::Input(format!(
            "{target}: {}",
            scenario::A_DIRECTORY
        )));
    }
    if path.is_file() && path.metadata().is_ok_and(|m| m.len() == 0) {
        return Err(LaunchError::Input(format!(
            "{target}: the file is empty; give a scenario file or an event log"
        )));
    }
    if crate::sparklog::is_event_log(path) && !o.sets.is_empty() {
        // What-if: the recorded application run again, on the cluster `--set` makes.
        if o.variant.is_some() {
            return Err(LaunchError::Input(format!(
                "{target}: --variant picks a scenario's variant; an event log has none (--set changes the replay's cluster)"
            )));
        }
        let (source, _) = scenario::replay::source(path).map_err(LaunchError::Input)?;
        let o = Overrides {
            clock: Some(Clock::Virtual),
            ..o.clone()
        };
        let sc = scenario::parse(&source, &o).map_err(|e| LaunchError::Input(e.to_string()))?;
        return live(sc);
    }
    if crate::sparklog::is_event_log(path) {
        if o.variant.is_some() || o.seed.is_some() {
            return Err(LaunchError::Input(format!(
                "{target}: an event log replays the run it recorded; --variant and --seed change a scenario before it runs (--set KEY=VALUE runs its application again on another cluster)"
            )));
        }
        let (read, events) =
            crate::sparklog::read_log(path).map_err(|e| LaunchError::Input(e.to_string()))?;
        let parsed = crate::events::log::ParsedLog {
            events,
            ..read.parsed
        };
        if parsed.events.is_empty() {
            return Err(LaunchError::Input(format!(
                "{target}: the event log holds no event"
            )));
        }
        return Ok(Source::Replay {
            title: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| target.to_string()),
            warnings: parsed.warnings(path),
            log: Log::from_events(parsed.events),
            path: path.to_path_buf(),
        });
    }
    let mut o = o.clone();
    o.clock = Some(Clock::Virtual);
    let sc = scenario::load(target, &o).map_err(|e| LaunchError::Input(e.to_string()))?;
    live(sc)
}

/// Starts `sc` running, once it is within its budget.
fn live(sc: scenario::Scenario) -> Result<Source, LaunchError> {
    scenario::preflight(&sc).map_err(|e| LaunchError::Input(e.to_string()))?;
    let warnings = sc.warnings.clone();
    let title = match &sc.variant {
        Some(v) => format!("{} --variant {v}", sc.name),
        None => sc.name.clone(),
    };
    let rx = start_run(sc);
    Ok(Source::Live {
        title,
        events: rx,
        warnings,
    })
}

/// Runs `sc` in a background thread; its events stream into the returned receiver, and an
/// error that ends it early arrives as [`Message::Failed`].
pub fn start_run(sc: scenario::Scenario) -> Receiver<Message> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let failed = tx.clone();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scenario::run(
                &sc,
                RunOptions {
                    events: None,
                    listener: Some(Box::new(Forward(tx))),
                },
            )
        }));
        let error = match run {
            Ok(Ok(_)) => None,
            Ok(Err(RunError::Job { error, .. })) => Some(format!("the run failed: {error}")),
            Ok(Err(e)) => Some(format!("the run could not go on: {e}")),
            Err(_) => Some("the run stopped: ember broke one of its own rules (a panic)".into()),
        };
        if let Some(e) = error {
            let _ = failed.send(Message::Failed(e));
        }
    });
    rx
}

/// Restores the terminal: raw mode off, the main screen back, the mouse released.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, DisableMouseCapture);
    let _ = execute!(std::io::stdout(), ratatui::crossterm::cursor::Show);
}

/// Opens `target` and runs the UI until `q`. Returns the scenario's warnings, for the caller
/// to print once the terminal is back (the UI shows the first while it runs).
pub fn launch(target: &str, o: &Overrides) -> Result<Vec<String>, LaunchError> {
    let source = open(target, o)?;
    let warnings = match &source {
        Source::Live { warnings, .. } => warnings.iter().map(|w| w.to_string()).collect(),
        Source::Replay { warnings, .. } => warnings.clone(),
    };
    if std::env::var_os("EMBER_TUI_EXIT_AFTER_FIRST_FRAME").is_some() {
        // For the start-up benchmark: the first frame, drawn off-screen, then exit.
        let mut t = Terminal::new(TestBackend::new(80, 24)).map_err(std::io::Error::other)?;
        let mut app = app_for(source).0;
        t.draw(|f| app.draw(f)).map_err(std::io::Error::other)?;
        return Ok(warnings);
    }
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Err(LaunchError::NoTerminal("standard output"));
    }
    if !std::io::stdin().is_terminal() {
        return Err(LaunchError::NoTerminal("standard input"));
    }
    let previous = std::panic::take_hook();
    let ui = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        // A panic on the UI's thread ends the UI: the terminal goes back first, so that the
        // message is readable. A panic elsewhere (a task's failure, the run's thread, which
        // reports it) leaves the UI running, and the terminal with it.
        if std::thread::current().id() == ui {
            restore();
        }
        previous(info);
    }));
    terminal::arm();
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let result = Terminal::new(CrosstermBackend::new(std::io::stdout()))
        .map_err(LaunchError::Terminal)
        .and_then(|mut t| run_loop(&mut t, source));
    restore();
    result.map(|()| warnings)
}

fn app_for(source: Source) -> (App, Option<Receiver<Message>>) {
    match source {
        Source::Replay {
            title,
            log,
            warnings,
            path,
        } => {
            let mut app = App::new(log, title);
            app.recorded = Some(path);
            if let Some(w) = warnings.first() {
                let more = match warnings.len() {
                    1 => String::new(),
                    n => format!(" (+{} more when you quit)", n - 1),
                };
                app.message = Some(format!("warning{more}: {w}"));
            }
            (app, None)
        }
        Source::Live {
            title,
            events,
            warnings,
        } => {
            let mut app = App::new(Log::default(), title);
            if let Some(w) = warnings.first() {
                // The first warning where the eye starts, short; all are printed at exit.
                let more = match warnings.len() {
                    1 => String::new(),
                    n => format!(" (+{} more when you quit)", n - 1),
                };
                let line = w.line.map(|l| format!(" line {l}")).unwrap_or_default();
                let key = w
                    .key
                    .as_deref()
                    .map(|k| format!("{k}: "))
                    .unwrap_or_default();
                app.message = Some(format!("warning{line}{more}: {key}{}", w.message));
            }
            (app, Some(events))
        }
    }
}

fn run_loop<B: Backend>(t: &mut Terminal<B>, source: Source) -> Result<(), LaunchError>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (mut app, rx) = app_for(source);
    app.rx = rx;
    let frame = Duration::from_millis(33);
    let mut last = Instant::now();
    loop {
        app.drain();
        t.draw(|f| app.draw(f)).map_err(std::io::Error::other)?;
        let wait = if app.play.playing {
            frame
        } else {
            Duration::from_millis(200)
        };
        if event::poll(wait)? {
            match event::read()? {
                TermEvent::Key(k) => app.on_key(k),
                TermEvent::Mouse(m) => app.on_mouse(m),
                TermEvent::Resize(..) => {}
                _ => {}
            }
        }
        let now = Instant::now();
        app.tick(now.duration_since(last).as_micros() as u64);
        last = now;
        if app.quit {
            return Ok(());
        }
    }
}

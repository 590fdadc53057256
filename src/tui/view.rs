//! What a view is: it owns its state, its keys and its drawing.
//!
//! Keys map to [`Action`]s. Each view has ONE table of [`KeyBinding`]s ([`View::keys`]), and the
//! UI one more for what works anywhere ([`GLOBAL`]: quit, help, the views, playback, the job
//! shown). The same tables drive the key handling ([`super::app::App::on_key`]), the help
//! overlay, the footer's hints ([`super::chrome`]) and the README's table of keys
//! ([`super::registry::keys_table`], checked by a test). Drawing reads state and changes nothing: what a view
//! caches (the lineage's layout) it updates in [`View::update`], before it is drawn.
//!
//! Adding a view is one file that implements [`View`] and one line in
//! [`super::registry::VIEWS`].

use super::state::{Log, UiState};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;

/// What a key asks for. The global ones are handled by the UI; the rest by the view shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextView,
    PreviousView,
    /// The view at this place in the tab order.
    ShowView(usize),
    PlayPause,
    StepForward,
    StepBack,
    NextTask,
    PreviousTask,
    NextStage,
    PreviousStage,
    NextJob,
    PreviousJob,
    Faster,
    Slower,
    ToStart,
    ToEnd,
    GoToTime,
    /// Choose the job shown: an earlier or a later one.
    EarlierJob,
    LaterJob,
    // What views do with them.
    Up,
    Down,
    PageUp,
    PageDown,
    Left,
    Right,
    /// Back to the latest (job, event).
    Latest,
    Fold,
    Form,
    ZoomIn,
    ZoomOut,
    Filter,
    Go,
    Metrics,
    NextItem,
    PreviousItem,
    /// What if the thing selected were lost now: a new run from this moment.
    WhatIf,
    /// Save the what-if shown as a scenario file.
    SaveWhatIf,
    /// Show the other engine's run, in a log of two engines' runs.
    SwitchEngine,
}

/// Keys, what they do and how they are shown: one row of a table.
#[derive(Clone, Copy, Debug)]
pub struct KeyBinding {
    /// Each key and its action.
    pub keys: &'static [(KeyCode, Action)],
    /// The keys as the help and the README show them (`↑ ↓`).
    pub label: &'static str,
    /// What they do, for the help overlay and the README.
    pub help: &'static str,
    /// A word or two for the footer's hints, if they are worth the room.
    pub hint: Option<&'static str>,
}

/// `< >`: scroll sideways, the binding of every view whose lines can run past its width.
pub const SCROLL_SIDEWAYS: KeyBinding = bind(
    &[
        (KeyCode::Char('<'), Action::Left),
        (KeyCode::Char('>'), Action::Right),
    ],
    "< >",
    "scroll sideways",
    None,
);

/// A shorthand for the tables: a binding of `keys`, shown in the help overlay as `label: help` and, when `hint` is given,
/// in the status bar's hints.
pub const fn bind(
    keys: &'static [(KeyCode, Action)],
    label: &'static str,
    help: &'static str,
    hint: Option<&'static str>,
) -> KeyBinding {
    KeyBinding {
        keys,
        label,
        help,
        hint,
    }
}

use Action as A;
use KeyCode as K;

/// The keys that work in every view.
pub const GLOBAL: &[KeyBinding] = &[
    bind(&[(K::Char('q'), A::Quit)], "q", "quit (Ctrl-C too)", None),
    bind(&[(K::Char('?'), A::Help)], "?", "this help", Some("help")),
    bind(
        &[
            (K::Char('1'), A::ShowView(0)),
            (K::Char('2'), A::ShowView(1)),
            (K::Char('3'), A::ShowView(2)),
            (K::Char('4'), A::ShowView(3)),
            (K::Char('5'), A::ShowView(4)),
            (K::Char('6'), A::ShowView(5)),
            (K::Char('7'), A::ShowView(6)),
            (K::Char('8'), A::ShowView(7)),
        ],
        "1-8",
        "show a view",
        None,
    ),
    bind(
        &[(K::Tab, A::NextView), (K::BackTab, A::PreviousView)],
        "Tab S-Tab",
        "the next, previous view",
        None,
    ),
    bind(
        &[(K::Char('['), A::EarlierJob), (K::Char(']'), A::LaterJob)],
        "[ ]",
        "job shown: earlier, later",
        Some("job"),
    ),
    bind(
        &[(K::Char(' '), A::PlayPause)],
        "space",
        "play, pause",
        Some("play"),
    ),
    bind(
        &[
            (K::Right, A::StepForward),
            (K::Left, A::StepBack),
            (K::Char('l'), A::StepForward),
            (K::Char('h'), A::StepBack),
        ],
        "→ ← l h",
        "one event on, back",
        Some("step"),
    ),
    bind(
        &[(K::Char('t'), A::NextTask), (K::Char('T'), A::PreviousTask)],
        "t T",
        "next, previous task",
        None,
    ),
    bind(
        &[
            (K::Char('s'), A::NextStage),
            (K::Char('S'), A::PreviousStage),
        ],
        "s S",
        "next, previous stage",
        None,
    ),
    bind(
        &[(K::Char('j'), A::NextJob), (K::Char('J'), A::PreviousJob)],
        "j J",
        "next, previous job",
        None,
    ),
    bind(
        &[(K::Char('+'), A::Faster), (K::Char('-'), A::Slower)],
        "+ -",
        "faster, slower",
        None,
    ),
    bind(
        &[(K::Home, A::ToStart), (K::End, A::ToEnd)],
        "Home End",
        "the start, the end",
        None,
    ),
    bind(
        &[(K::Char('g'), A::GoToTime)],
        "g",
        "go to a time (12ms ⏎)",
        None,
    ),
    bind(
        &[(K::Char('e'), A::SwitchEngine)],
        "e",
        "the other engine's run (a run of both engines)",
        None,
    ),
    bind(
        &[(K::Char('w'), A::SaveWhatIf)],
        "w",
        "save the what-if as a scenario file",
        None,
    ),
];

/// What a view reads: the log, the state at the cursor, the job shown.
pub struct Ctx<'a> {
    pub log: &'a Log,
    pub state: &'a UiState,
    /// The run time the cursor has reached.
    pub now_us: u64,
    /// The job the views show (the one chosen, else the latest started).
    pub job: Option<usize>,
    /// Whether it was chosen (with `[ ]`), rather than the latest.
    pub chosen: bool,
    /// In a what-if, each job's time in the run it was made from, by job id.
    pub baseline: Option<&'a std::collections::BTreeMap<usize, u64>>,
    /// The log's engines: which is shown, and every run's iteration times.
    pub engines: &'a super::engines::Engines,
}

/// What handling an action did besides the view's own state.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Effect {
    #[default]
    None,
    /// Choose the job `delta` places away.
    SelectJob(isize),
    /// Show the latest job again.
    LatestJob,
    /// Move playback to just after this event.
    Seek(usize),
    /// Run the scenario again with this fault at the current moment.
    WhatIf(crate::scenario::whatif::WhatIfFault),
}

/// What a view says after an action: a message for the footer (why nothing changed, or what
/// did), and an effect on the UI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub message: Option<String>,
    pub effect: Effect,
}

impl Reply {
    /// The action changed the view's state; nothing to say.
    pub fn done() -> Reply {
        Reply::default()
    }

    /// A message for the footer.
    pub fn say(m: impl Into<String>) -> Reply {
        Reply {
            message: Some(m.into()),
            effect: Effect::None,
        }
    }

    /// An effect on the UI.
    pub fn effect(e: Effect) -> Reply {
        Reply {
            message: None,
            effect: e,
        }
    }
}

/// One view of the UI.
pub trait View {
    /// Its name on its tab.
    fn name(&self) -> &'static str;
    /// Its keys (the global ones work too): what it handles, lists in the help and hints.
    fn keys(&self) -> &'static [KeyBinding];
    /// What its symbols mean, for the help overlay: (symbol, meaning).
    fn words(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Brings what it caches up to date with the state, for drawing in `area`.
    fn update(&mut self, _ctx: &Ctx, _area: Rect) {}
    /// Does what an action of its table asks.
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply;
    /// Draws it into `area`: reads its state, changes nothing.
    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer);
    /// The job shown changed (chosen, or a new latest one).
    fn job_changed(&mut self) {}
    /// Its state as keys change it (not its caches), for tests to see a key act.
    fn fingerprint(&self) -> String;
}

/// The action `key` asks for in `view`: the view's table first, then the global one.
pub fn action_for(view: &dyn View, key: KeyCode) -> Option<Action> {
    view.keys()
        .iter()
        .chain(GLOBAL)
        .flat_map(|b| b.keys.iter())
        .find(|(k, _)| *k == key)
        .map(|(_, a)| *a)
}

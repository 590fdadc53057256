//! The event log: one JSON object per line (CONTRACTS §3).
//!
//! [`EventLogWriter`] is an [`EventListener`] that writes each event as it comes and flushes at
//! the end of every job and of the run, so a log cut short by a crash still replays up to its
//! last whole line. [`read_event_log`] and [`parse_event_log`] read a log back. Importing Apache
//! Spark's own logs is not here (a later step).

use super::{Event, EventKind, EventListener};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What can go wrong reading or writing an event log.
#[derive(Debug, thiserror::Error)]
pub enum EventLogError {
    /// The file could not be opened, read or written.
    #[error("event log {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A whole line is not a valid event.
    #[error("{path}:{line}: not a valid ember event: {message}")]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Writes events as JSON lines, to a file or to standard output.
pub struct EventLogWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    path: PathBuf,
    failed: bool,
    errors: Arc<Mutex<Option<EventLogError>>>,
}

impl EventLogWriter {
    /// Creates (or truncates) the log at `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, EventLogError> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(|error| EventLogError::Io {
            path: path.clone(),
            error,
        })?;
        Ok(Self::to(Box::new(file), path))
    }

    /// Appends to the log at `path` (creating it if there is none).
    pub fn append(path: impl AsRef<Path>) -> Result<Self, EventLogError> {
        let path = path.as_ref().to_path_buf();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|error| EventLogError::Io {
                path: path.clone(),
                error,
            })?;
        Ok(Self::to(Box::new(file), path))
    }

    /// Writes the log to standard output.
    pub fn stdout() -> Self {
        Self::to(
            Box::new(std::io::stdout()),
            PathBuf::from("<standard output>"),
        )
    }

    fn to(out: Box<dyn Write + Send>, path: PathBuf) -> Self {
        EventLogWriter {
            out: BufWriter::new(out),
            path,
            failed: false,
            errors: Arc::new(Mutex::new(None)),
        }
    }

    /// Where the first write error will be kept (a listener cannot return errors as it goes).
    pub fn errors(&self) -> Arc<Mutex<Option<EventLogError>>> {
        self.errors.clone()
    }

    fn fail(&mut self, error: std::io::Error) {
        self.failed = true;
        if let Ok(mut e) = self.errors.lock() {
            e.get_or_insert(EventLogError::Io {
                path: self.path.clone(),
                error,
            });
        }
    }
}

/// One event as its JSON line (without the newline).
pub fn to_json_line(event: &Event) -> String {
    // Serializing these plain data types cannot fail.
    serde_json::to_string(event).unwrap_or_default()
}

impl EventListener for EventLogWriter {
    fn on_event(&mut self, event: &Event) {
        if self.failed {
            return;
        }
        let line = to_json_line(event);
        let result = self
            .out
            .write_all(line.as_bytes())
            .and_then(|_| self.out.write_all(b"\n"));
        if let Err(e) = result {
            self.fail(e);
            return;
        }
        if matches!(
            event.kind,
            EventKind::JobEnd { .. } | EventKind::AppEnd { .. }
        ) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.failed {
            return;
        }
        if let Err(e) = self.out.flush() {
            self.fail(e);
        }
    }
}

impl Drop for EventLogWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// Whether `bytes` read as an event log rather than a scenario: the first character that is
/// not blank opens a JSON object (a TOML file never starts with `{`). Ember's logs and Apache
/// Spark's both do.
pub fn looks_like_event_log(bytes: &[u8]) -> bool {
    bytes.iter().copied().find(|c| !c.is_ascii_whitespace()) == Some(b'{')
}

/// Whether the file `path` holds an event log: a `.jsonl`, `.json` or `.log` file, or a file
/// that [`looks_like_event_log`] (a `.toml` file never does).
pub fn is_event_log_file(path: &Path) -> bool {
    if !path.is_file() {
        return false;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") | Some("json") | Some("log") => true,
        Some("toml") => false,
        // The first bytes say (a Spark log's name has no extension: do not read it whole).
        _ => File::open(path)
            .and_then(|f| {
                use std::io::Read;
                let mut head = Vec::new();
                f.take(4096).read_to_end(&mut head).map(|_| head)
            })
            .is_ok_and(|b| looks_like_event_log(&b)),
    }
}

/// An event log read back: its events, and what was skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedLog {
    pub events: Vec<Event>,
    /// Lines skipped, one entry per event name (or kind of parse error), in order of first
    /// appearance.
    pub skipped: Vec<Skipped>,
    /// Whether the last line was cut short (a log written by a run still going, or killed).
    pub cut_short: bool,
}

impl ParsedLog {
    /// What a reader of the log at `path` should be told: each kind of line skipped, and a
    /// last line cut short.
    pub fn warnings(&self, path: &Path) -> Vec<String> {
        let shown = path.display();
        let mut w: Vec<String> = self
            .skipped
            .iter()
            .map(|s| format!("{shown}: {s}"))
            .collect();
        if self.cut_short {
            w.push(format!(
                "{shown}: its last line is cut short (a run still writing it, or stopped)"
            ));
        }
        w
    }
}

/// Lines of one kind that a reader skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// What they were: `an unknown event "Foo"`, `a malformed "TaskEnd" event`, `not JSON`.
    pub what: String,
    /// How many lines.
    pub count: usize,
    /// The first such line (1-based).
    pub first_line: usize,
    /// Why the first one did not parse.
    pub why: String,
}

impl Skipped {
    /// Counts one more line of kind `what` in `list` (a new entry, with `line` and `why`, for
    /// the first of its kind).
    pub fn tally(list: &mut Vec<Skipped>, what: &str, line: usize, why: &str) {
        match list.iter_mut().find(|s| s.what == what) {
            Some(s) => s.count += 1,
            None => list.push(Skipped {
                what: what.to_string(),
                count: 1,
                first_line: line,
                why: why.to_string(),
            }),
        }
    }
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines = if self.count == 1 {
            format!("1 line ({})", self.what)
        } else {
            format!("{} lines ({})", self.count, self.what)
        };
        write!(
            f,
            "{lines} skipped, the first at line {}: {}",
            self.first_line, self.why
        )
    }
}

/// Reads an event log from a file. See [`parse_event_log`] for the rules.
pub fn read_event_log(path: impl AsRef<Path>) -> Result<ParsedLog, EventLogError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|error| EventLogError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse_event_log(&String::from_utf8_lossy(&bytes), path)
}

/// What a line that is not a valid event is (CONTRACTS §3: readers skip what they do not know).
fn classify(line: &str, error: &serde_json::Error) -> (String, String) {
    let why = {
        // serde_json counts lines within the one line it was given: keep the column.
        let text = error.to_string();
        match text.rfind(" at line ") {
            Some(at) => format!("{} (column {})", &text[..at], error.column()),
            None => text,
        }
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
        return ("not JSON".into(), why);
    };
    let Some(name) = v.get("event").and_then(|n| n.as_str()) else {
        return ("JSON without an \"event\"".into(), why);
    };
    // A name this version knows fails on a missing field, not as an unknown variant.
    let known = match serde_json::from_value::<EventKind>(serde_json::json!({ "event": name })) {
        Ok(_) => true,
        Err(e) => !e.to_string().starts_with("unknown variant"),
    };
    if known {
        (format!("a malformed {name:?} event"), why)
    } else {
        (
            format!("an event {name:?} this version does not know"),
            "events this version does not know are skipped".into(),
        )
    }
}

/// What reading a log line by line has met so far: the events it kept count of, the lines it
/// skipped (one entry per kind), and the first bad line. Feed it lines with [`Reading::line`];
/// [`Reading::finish`] says what was read.
#[derive(Default)]
pub struct Reading {
    events: usize,
    skipped: Vec<Skipped>,
    cut_short: bool,
    first_error: Option<(usize, String)>,
}

impl Reading {
    /// Reads line `number` (1-based); `last_unended` says it is the text's last line and has no
    /// newline (a log cut short). Returns the event it holds, if it holds one.
    pub fn line(&mut self, number: usize, line: &str, last_unended: bool) -> Option<Event> {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<Event>(line) {
            Ok(e) => {
                self.events += 1;
                Some(e)
            }
            Err(_) if last_unended => {
                self.cut_short = true;
                None
            }
            Err(e) => {
                let (what, why) = classify(line, &e);
                self.first_error.get_or_insert((number, why.clone()));
                Skipped::tally(&mut self.skipped, &what, number, &why);
                None
            }
        }
    }

    /// What was read: an error if no line held an event this version can read, else what
    /// was skipped (a [`ParsedLog`] without its events).
    pub fn finish(self, path: &Path) -> Result<ParsedLog, EventLogError> {
        if let Some(e) = self.none_readable(path) {
            return Err(e);
        }
        Ok(ParsedLog {
            events: Vec::new(),
            skipped: self.skipped,
            cut_short: self.cut_short,
        })
    }

    /// The error of a log with no event that this version can read.
    fn none_readable(&self, path: &Path) -> Option<EventLogError> {
        if self.events > 0 {
            return None;
        }
        let (line, message) = self.first_error.clone()?;
        Some(EventLogError::Malformed {
            path: path.to_path_buf(),
            line,
            message: format!("no line of the log is an event this version can read ({message})"),
        })
    }
}

/// Parses event-log text. Blank lines are skipped, and so are lines that are not events this
/// version can read (an event it does not know, a malformed line): each kind is counted in
/// [`ParsedLog::skipped`], for one warning per kind. A last line with no newline that does not
/// parse is a log cut short: it is dropped and said so. A text with no valid event at all is an
/// error naming its first bad line.
pub fn parse_event_log(text: &str, path: &Path) -> Result<ParsedLog, EventLogError> {
    let mut r = Reading::default();
    let ends_whole = text.ends_with('\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    let mut events = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        events.extend(r.line(i + 1, line, i == last && !ends_whole));
    }
    if let Some(e) = r.none_readable(path) {
        return Err(e);
    }
    Ok(ParsedLog {
        events,
        skipped: r.skipped,
        cut_short: r.cut_short,
    })
}

/// Folds the event log at `path` one line at a time, handing `each` every event, in order, as
/// it is read (a log of any size is read in constant memory, beyond what `each` keeps). The
/// rules are [`parse_event_log`]'s; returns what was skipped (and the events' count, and
/// whether the log was cut short) in a [`ParsedLog`] without its events.
pub fn fold_event_log(path: &Path, each: impl FnMut(&Event)) -> Result<ParsedLog, EventLogError> {
    let file = File::open(path).map_err(|error| EventLogError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    fold_event_lines(std::io::BufReader::new(file), 0, path, each)
}

/// As [`fold_event_log`], over the lines `reader` gives, numbered from `skipped_lines + 1`
/// (lines a caller read already: it hands their events to `each` itself).
pub fn fold_event_lines(
    mut reader: impl std::io::BufRead,
    skipped_lines: usize,
    path: &Path,
    mut each: impl FnMut(&Event),
) -> Result<ParsedLog, EventLogError> {
    let io = |error| EventLogError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut r = Reading::default();
    let mut buf = Vec::new();
    let mut number = skipped_lines;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        number += 1;
        let unended = buf.last() != Some(&b'\n');
        let line = String::from_utf8_lossy(&buf);
        if let Some(e) = r.line(number, &line, unended) {
            each(&e);
        }
    }
    r.finish(path)
}

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

/// Reads an event log from a file. See [`parse_event_log`] for the rules.
pub fn read_event_log(path: impl AsRef<Path>) -> Result<Vec<Event>, EventLogError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|error| EventLogError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse_event_log(&String::from_utf8_lossy(&bytes), path)
}

/// Parses event-log text. Blank lines are skipped. A last line with no newline that does not
/// parse is a log cut short: it is dropped and the events before it are returned. Any other
/// line that does not parse is an error naming its line number (1-based).
pub fn parse_event_log(text: &str, path: &Path) -> Result<Vec<Event>, EventLogError> {
    let mut events = Vec::new();
    let ends_whole = text.ends_with('\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Event>(line) {
            Ok(e) => events.push(e),
            Err(_) if i == last && !ends_whole => break,
            Err(e) => {
                // serde_json counts lines within the one line it was given: keep the column.
                let text = e.to_string();
                let text = match text.rfind(" at line ") {
                    Some(at) => format!("{} (column {})", &text[..at], e.column()),
                    None => text,
                };
                return Err(EventLogError::Malformed {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: text,
                });
            }
        }
    }
    Ok(events)
}

//! Apache Spark's event logs: reading any event log, ember's or Spark's, as ember's events.
//!
//! [`fold_log`] opens a log in any form ([`source`]: a file, plain or compressed with zstd
//! (through libzstd's streaming decoder), lz4 or snappy as Spark frames them, or a rolling
//! log's directory), tells ember's format from Spark's by its first line, and hands every event
//! to a fold as it is read: ember's lines as they are, Spark's through [`import::SparkImport`].
//! Nothing is kept but what the fold keeps, so a log of any size streams. [`export`] writes
//! ember's runs in Spark's format. The events themselves and ember's own log format are
//! [`crate::events`]'s.

mod blocks;
mod convert;
pub mod export;
pub mod import;
pub mod json;
pub mod source;
mod stages;

use crate::events::log::{fold_event_lines, EventLogError, ParsedLog};
use crate::events::Event;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

pub use import::SparkImport;
pub use source::{is_rolling_log, SourceError};

/// Which format a log is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// ember's own JSON lines (CONTRACTS §3).
    Ember,
    /// Apache Spark's listener events (`{"Event":"SparkListener…"}`).
    Spark,
}

/// What can go wrong reading a log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    EventLog(#[from] EventLogError),
    /// A log with no text in it.
    #[error("{0}: no text in it (an empty file, or a compressed stream with nothing whole in it); give an event log")]
    Empty(PathBuf),
    /// A Spark log with no event ember reads.
    #[error("{0}: no line of the log is a Spark event ember reads")]
    NoSparkEvent(PathBuf),
}

/// A log read through: its format, the files it came from, what was skipped, and whether it
/// was cut short (a [`ParsedLog`] without its events).
#[derive(Debug)]
pub struct ReadLog {
    pub format: LogFormat,
    pub files: Vec<PathBuf>,
    pub parsed: ParsedLog,
}

/// Whether `path` may hold an event log rather than a scenario: a rolling log's directory, a
/// compressed file, or a file whose first character opens a JSON object.
pub fn is_event_log(path: &Path) -> bool {
    if is_rolling_log(path) {
        return true;
    }
    if !path.is_file() {
        return false;
    }
    if source::Codec::of(path) != source::Codec::None {
        return true;
    }
    crate::events::log::is_event_log_file(path)
}

/// Reads the log at `path`, handing `each` every event in order (as ember's events: a Spark
/// log is imported line by line as it is read).
pub fn fold_log(path: &Path, mut each: impl FnMut(&Event)) -> Result<ReadLog, LogError> {
    let opened = source::open(path)?;
    let files = opened.files;
    let mut reader = opened.reader;
    let io = |error| EventLogError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut first = Vec::new();
    let mut blank = 0;
    loop {
        first.clear();
        if reader.read_until(b'\n', &mut first).map_err(io)? == 0 {
            return Err(LogError::Empty(path.to_path_buf()));
        }
        if !first.trim_ascii().is_empty() {
            break;
        }
        blank += 1;
    }
    let spark =
        json::event_name(first.trim_ascii()).is_some_and(|n| n.starts_with("SparkListener"));
    if !spark {
        let rest = std::io::BufReader::new(std::io::Cursor::new(first).chain(reader));
        let parsed = fold_event_lines(rest, blank, path, each)?;
        return Ok(ReadLog {
            format: LogFormat::Ember,
            files,
            parsed,
        });
    }
    let mut import = SparkImport::new();
    let mut out = Vec::new();
    let mut cut_short = false;
    let mut number = blank;
    let mut line = first;
    loop {
        number += 1;
        let unended = line.last() != Some(&b'\n');
        cut_short |= import.line(number, &line, unended, &mut out);
        out.drain(..).for_each(|e| each(&e));
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            // A compressed stream that cannot be read on (a log still being written, or
            // damaged) ends where it can be read, and is said to be cut short: what came before
            // still replays.
            Err(_) => {
                cut_short = true;
                break;
            }
        }
    }
    import.finish(&mut out);
    out.drain(..).for_each(|e| each(&e));
    if import.events == 0 {
        return Err(LogError::NoSparkEvent(path.to_path_buf()));
    }
    Ok(ReadLog {
        format: LogFormat::Spark,
        files,
        parsed: ParsedLog {
            events: Vec::new(),
            skipped: import.skipped(),
            cut_short,
        },
    })
}

/// Reads the whole log at `path` into memory: its events, and what was skipped.
pub fn read_log(path: &Path) -> Result<(ReadLog, Vec<Event>), LogError> {
    let mut events = Vec::new();
    let read = fold_log(path, |e| events.push(e.clone()))?;
    Ok((read, events))
}

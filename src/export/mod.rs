//! `ember export`: an event log (ember's or Apache Spark's) written in other formats, for
//! other tools: a Chrome/Perfetto trace ([`trace`]) and the lineage as Graphviz DOT ([`dot`]).
//!
//! Each export reads the log once, streaming, through [`crate::sparklog::fold_log`]; it runs
//! nothing and decides nothing. Writing ember's runs in Spark's own event-log format is a later
//! step.

pub mod dot;
pub mod trace;

use crate::events::summary::EngineFold;
use crate::sparklog::{fold_log, LogError, ReadLog};
use std::path::{Path, PathBuf};

/// What can go wrong exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Read(#[from] LogError),
    /// The output could not be written.
    #[error("{path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// What an export wrote.
pub struct Exported {
    /// What reading the log met (skipped lines, a cut).
    pub read: ReadLog,
    /// One line for the user: what was written where.
    pub said: String,
}

/// Writes the log at `log` as a Chrome/Perfetto trace to `out`.
pub fn chrome_trace(log: &Path, out: &Path) -> Result<Exported, ExportError> {
    let write = |error| ExportError::Write {
        path: out.to_path_buf(),
        error,
    };
    let file = std::fs::File::create(out).map_err(write)?;
    let mut trace = trace::ChromeTrace::new(std::io::BufWriter::new(file)).map_err(write)?;
    let mut failed = None;
    let read = fold_log(log, |e| {
        if failed.is_none() {
            failed = trace.add(e).err();
        }
    })?;
    if let Some(e) = failed {
        return Err(write(e));
    }
    let slices = trace.slices;
    trace.finish().map_err(write)?;
    Ok(Exported {
        read,
        said: format!(
            "wrote {} ({slices} slices: tasks, stages and jobs; open it in ui.perfetto.dev or chrome://tracing)",
            out.display()
        ),
    })
}

/// Writes the lineage the log at `log` describes as Graphviz DOT to `out`.
pub fn dot(log: &Path, out: &Path) -> Result<Exported, ExportError> {
    let mut fold = EngineFold::default();
    let read = fold_log(log, |e| fold.apply(e))?;
    let status = fold.main();
    let name = status.app.clone().unwrap_or_else(|| "lineage".into());
    let text = dot::lineage_dot(status, &name);
    std::fs::write(out, text).map_err(|error| ExportError::Write {
        path: out.to_path_buf(),
        error,
    })?;
    Ok(Exported {
        read,
        said: format!(
            "wrote {} ({} RDDs in {} stages; `dot -Tsvg {}` draws it)",
            out.display(),
            status.rdds.len(),
            status.stages.len(),
            out.display()
        ),
    })
}

/// `ember export LOG --chrome-trace FILE --dot FILE`: every export asked for, in turn; returns
/// what to tell the user (the log's warnings once, then what was written).
pub fn export(
    log: &Path,
    chrome: Option<&Path>,
    dot_file: Option<&Path>,
) -> Result<Vec<String>, ExportError> {
    for out in chrome.iter().chain(dot_file.iter()) {
        let same = |a: &Path, b: &Path| {
            a.canonicalize()
                .ok()
                .is_some_and(|a| Some(a) == b.canonicalize().ok())
        };
        if same(out, log) {
            return Err(ExportError::Write {
                path: out.to_path_buf(),
                error: std::io::Error::other("it is the log being exported: give another file"),
            });
        }
    }
    let mut said = Vec::new();
    let mut warned = false;
    let mut tell = |e: Exported| {
        if !warned {
            said.extend(
                e.read
                    .parsed
                    .warnings(log)
                    .into_iter()
                    .map(|w| format!("warning: {w}")),
            );
            warned = true;
        }
        said.push(e.said);
    };
    if let Some(out) = chrome {
        tell(chrome_trace(log, out)?);
    }
    if let Some(out) = dot_file {
        tell(dot(log, out)?);
    }
    Ok(said)
}

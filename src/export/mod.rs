//! `ember export`: an event log (ember's or Apache Spark's) written in other formats, for
//! other tools: Apache Spark's event-log format ([`crate::sparklog::export`]), a
//! Chrome/Perfetto trace ([`trace`]) and the lineage as Graphviz DOT ([`dot`]); and a scenario
//! as an Apache Spark program ([`program`]).
//!
//! Each export reads the log once, streaming, through [`crate::sparklog::fold_log`]; it runs
//! nothing and decides nothing.

mod builtin;
pub mod dot;
pub mod program;
pub mod trace;

use crate::events::summary::EngineFold;
use crate::events::Engine;
use crate::sparklog::export::SparkExport;
use crate::sparklog::{fold_log, LogError, ReadLog};
use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// What can go wrong exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Read(#[from] LogError),
    /// The scenario could not be read, or written as a program.
    #[error("{0}")]
    Scenario(String),
    /// Flags that do not go together.
    #[error("{0}")]
    Usage(String),
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

/// Where one engine's application of a two-engine log goes: `run.json` → `run-spark.json`.
pub fn engine_file(out: &Path, engine: Engine) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match out.extension() {
        Some(ext) => format!("{stem}-{}.{}", engine.name(), ext.to_string_lossy()),
        None => format!("{stem}-{}", engine.name()),
    };
    out.with_file_name(name)
}

/// Writes the log at `log` in Apache Spark's event-log format to `out`; a log of two engines'
/// runs as one Spark application per engine, beside `out` ([`engine_file`]).
pub fn spark(log: &Path, out: &Path) -> Result<Exported, ExportError> {
    type Writer = SparkExport<BufWriter<std::fs::File>>;
    let mut apps: BTreeMap<Option<Engine>, (PathBuf, Writer)> = BTreeMap::new();
    let mut engines_seen = false;
    let mut failed: Option<ExportError> = None;
    let read = fold_log(log, |e| {
        if failed.is_some() {
            return;
        }
        let engine = e.run_engine(engines_seen);
        engines_seen |= engine.is_some();
        let app = match apps.entry(engine) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let path = engine.map_or_else(|| out.to_path_buf(), |en| engine_file(out, en));
                match std::fs::File::create(&path) {
                    Ok(f) => {
                        let suffix = engine.map_or(String::new(), |en| format!("-{}", en.name()));
                        v.insert((path, SparkExport::new(BufWriter::new(f), &suffix)))
                    }
                    Err(error) => {
                        failed = Some(ExportError::Write { path, error });
                        return;
                    }
                }
            }
        };
        let mut one = e.clone();
        one.engine = None;
        if let Err(error) = app.1.add(&one) {
            failed = Some(ExportError::Write {
                path: app.0.clone(),
                error,
            });
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let mut wrote = Vec::new();
    for (_, (path, w)) in apps {
        let lines = w.lines;
        w.finish().map_err(|error| ExportError::Write {
            path: path.clone(),
            error,
        })?;
        wrote.push(format!("{} ({lines} lines)", path.display()));
    }
    // Spark's History Server reads a file name's extension as its codec.
    let named = match out.extension().map(|x| x.to_string_lossy().into_owned()) {
        Some(x) if !["lz4", "lzf", "snappy", "zstd"].contains(&x.as_str()) => format!(
            "; for Spark's History Server, name it without .{x}: it reads an extension as a codec"
        ),
        _ => String::new(),
    };
    Ok(Exported {
        read,
        said: format!(
            "wrote {} in Apache Spark's event-log format (`ember tui` reads it back{named})",
            wrote.join(" and ")
        ),
    })
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

/// `ember export LOG --spark FILE --chrome-trace FILE --dot FILE`: every export asked for, in turn; returns
/// what to tell the user (the log's warnings once, then what was written).
pub fn export(
    log: &Path,
    spark_file: Option<&Path>,
    chrome: Option<&Path>,
    dot_file: Option<&Path>,
) -> Result<Vec<String>, ExportError> {
    for out in spark_file
        .iter()
        .chain(chrome.iter())
        .chain(dot_file.iter())
    {
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
    if let Some(out) = spark_file {
        tell(spark(log, out)?);
    }
    if let Some(out) = chrome {
        tell(chrome_trace(log, out)?);
    }
    if let Some(out) = dot_file {
        tell(dot(log, out)?);
    }
    Ok(said)
}

/// Scenario `sc` as an Apache Spark program (`stem` names its data folder): a pipeline op by op
/// ([`program`]), a built-in workload as its lineage in Spark's API; a replay is refused.
pub fn program_of(sc: &crate::scenario::Scenario, stem: &str) -> Result<program::Program, String> {
    match &sc.workload {
        crate::workloads::Workload::Pipeline(_) => program::pipeline_program(sc, stem),
        _ => builtin::builtin_program(sc, stem),
    }
}

/// `ember export SCENARIO --spark-program FILE.scala`: the program, and its data in the folder
/// `FILE-data` beside it.
pub fn spark_program(scenario: &str, out: &Path) -> Result<Vec<String>, ExportError> {
    let sc = crate::scenario::load(scenario, &crate::scenario::Overrides::default())
        .map_err(|e| ExportError::Scenario(e.to_string()))?;
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into());
    let p = program_of(&sc, &stem).map_err(ExportError::Scenario)?;
    let folder = out.parent().unwrap_or(Path::new(""));
    let write = |path: PathBuf, text: &str| -> Result<(), ExportError> {
        let fail = |error| ExportError::Write {
            path: path.clone(),
            error,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        std::fs::write(&path, text).map_err(fail)
    };
    write(out.to_path_buf(), &p.scala)?;
    for (rel, text) in &p.data {
        write(folder.join(rel), text)?;
    }
    let mut said: Vec<String> = sc
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    said.push(format!(
        "wrote {} and {} data files in {}; run it from its folder: {}",
        out.display(),
        p.data.len(),
        folder.join(format!("{stem}-data")).display(),
        p.command
    ));
    Ok(said)
}

/// `ember export`: the program of a scenario, or the log in each format asked for.
pub fn run(a: &crate::cli::ExportArgs) -> Result<Vec<String>, ExportError> {
    match &a.spark_program {
        Some(p) => spark_program(&a.log.to_string_lossy(), p),
        None => export(
            &a.log,
            a.spark.as_deref(),
            a.chrome_trace.as_deref(),
            a.dot.as_deref(),
        ),
    }
}

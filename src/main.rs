//! The `ember` command line (the book's reference chapter "The command line"). Thin: it parses,
//! calls the library, prints what the library says, and maps outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 the run itself failed (a job aborted, an expectation unmet, the
//! event log could not be written); 2 bad input (an unreadable or invalid scenario or event
//! log, a bad flag, an output that would overwrite an input, a run over its budget). Every
//! error is one line on standard error that starts `ember: `. A closed standard output
//! (`ember run | head`) ends quietly.

use clap::Parser;

/// mimalloc: a simulated run frees small records by the million, and glibc's free lists took a
/// quarter of a 22,000-task run (the locality issue's note). The library leaves it to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use ember::cli::{usage_message, Changes, Cli, Command};
use ember::scenario::check::{check, CheckOptions, Said};
use ember::scenario::progress::{ProgressListener, ProgressUpdate};
use ember::scenario::whatif_compare::Compared;
use ember::scenario::{self, budget, bundled, compare, report, Overrides, RunError, RunOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints to standard output; a closed pipe ends the program quietly.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let r = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush());
    if let Err(e) = r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("ember: standard output: {e}");
        std::process::exit(1);
    }
}

/// Warnings, one `ember: warning:` line each.
fn warn(warnings: &[impl std::fmt::Display]) {
    warnings
        .iter()
        .for_each(|w| eprintln!("ember: warning: {w}"));
}

/// An error line; `code` is the exit code it ends with.
fn fail(code: u8, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ember: {e}");
    ExitCode::from(code)
}

fn main() -> ExitCode {
    // A panic in a task's code is that task's failure, reported with its message; only a
    // panic outside tasks (a bug in ember) is printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !ember::TaskContext::inside_task() {
            default_hook(info);
        }
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            return match usage_message(&e) {
                Some(m) => fail(2, m),
                None => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
            }
        }
    };
    match cli.command {
        Command::Summary { log, json } => summary(&log, json),
        Command::Export(args) => match ember::export::run(&args) {
            Ok(said) => {
                said.iter().for_each(|l| eprintln!("ember: {l}"));
                ExitCode::SUCCESS
            }
            Err(e) => fail(2, e),
        },
        Command::Scenarios => {
            out(&bundled::listing());
            ExitCode::SUCCESS
        }
        Command::Tui {
            target,
            seed,
            changes,
        } => {
            let target = target.unwrap_or_else(|| scenario::DEFAULT_SCENARIO.to_string());
            match ember::tui::launch(&target, &changes.overrides(seed, None)) {
                Ok(warnings) => {
                    warn(&warnings);
                    ExitCode::SUCCESS
                }
                Err(ember::tui::LaunchError::Terminal(e)) => fail(1, format!("the terminal: {e}")),
                Err(e) => fail(2, e),
            }
        }
        Command::Run {
            scenario: name,
            events,
            seed,
            clock,
            changes,
            json,
        } => {
            let name = name.unwrap_or_else(|| scenario::DEFAULT_SCENARIO.to_string());
            run(&name, &changes.overrides(seed, clock), events, json)
        }
        Command::Check {
            scenarios,
            run,
            bless,
            sets,
            no_budget,
        } => {
            let opts = CheckOptions {
                run,
                bless,
                sets,
                no_budget,
                watcher: Some(std::sync::Arc::new(progress)),
            };
            let verdict = check(&scenarios, &opts, |said| match said {
                Said::Ok(l) => out(&format!("{l}\n")),
                Said::Problem(l) => eprintln!("ember: {l}"),
                Said::Warning(l) => eprintln!("ember: warning: {l}"),
            });
            ExitCode::from(verdict.code())
        }
        Command::Compare {
            scenario: name,
            clock,
            sets,
            json,
            csv,
            no_budget,
        } => {
            let changes = Changes {
                sets,
                no_budget,
                ..Changes::default()
            };
            compare(&name, &changes.overrides(None, clock), json, csv)
        }
    }
}

/// Progress on standard error, when it is a terminal and the run lasts over a second.
fn progress(sc: &scenario::Scenario) -> Option<Box<dyn ember::events::EventListener>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Box::new(ProgressListener::new(
        budget::estimate(sc).tasks.total,
        |u| match u {
            ProgressUpdate::Line(l) => eprint!("\r\x1b[K{l}"),
            ProgressUpdate::Done => eprint!("\r\x1b[K"),
        },
    )))
}

fn run(name: &str, o: &Overrides, events: Option<PathBuf>, json: bool) -> ExitCode {
    let outputs: Vec<(&str, &Path)> = events.iter().map(|p| ("--events", p.as_path())).collect();
    let sc = match scenario::prepare(name, o, &outputs) {
        Ok(sc) => sc,
        Err(e) => return fail(2, e),
    };
    warn(&sc.warnings);
    // With the log on standard output, the summary goes to standard error.
    let to_stdout = events.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let listener = progress(&sc);
    let (summary, lineage, error) = match scenario::run(&sc, RunOptions { events, listener }) {
        Ok(r) => (r.summary, r.lineage, None),
        Err(RunError::Job { error, summary }) => (*summary, String::new(), Some(error.to_string())),
        Err(RunError::EventLog { error, summary }) => (
            *summary,
            String::new(),
            Some(format!("the event log: {error}")),
        ),
        Err(e @ RunError::Start(_)) => return fail(1, e),
        Err(e) => return fail(2, e),
    };
    let text = report::render(&summary, &lineage, json);
    warn(&report::faults_not_injected(&sc, &summary));
    if to_stdout {
        eprint!("{text}");
    } else {
        out(&text);
    }
    match error {
        None => ExitCode::SUCCESS,
        Some(e) => fail(1, format!("the run failed: {e}")),
    }
}

fn summary(log: &Path, json: bool) -> ExitCode {
    let s = match report::summarize_log(log) {
        Ok(s) => s,
        Err(e) => return fail(2, e),
    };
    for w in s.read.warnings(log) {
        eprintln!("ember: warning: {w}");
    }
    out(&report::render(&s.summary, &s.lineage, json));
    ExitCode::SUCCESS
}

fn compare(name: &str, o: &Overrides, json: bool, csv: Option<PathBuf>) -> ExitCode {
    let outputs: Vec<(&str, &Path)> = csv.iter().map(|p| ("--csv", p.as_path())).collect();
    let watcher: scenario::Watcher = std::sync::Arc::new(progress);
    let c = match Compared::of(name, o, &outputs, Some(&watcher)) {
        Ok((c, warnings)) => {
            warn(&warnings);
            c
        }
        Err(e @ compare::CompareError::Run(_)) => return fail(1, e),
        Err(e) => return fail(2, e),
    };
    if let Some(path) = csv {
        match c.write_csv(&path) {
            Ok(said) => eprintln!("ember: {said}"),
            Err(e) => return fail(1, e),
        }
    }
    out(&c.output(json));
    match c.failed_runs() {
        0 if c.answers_agree() => ExitCode::SUCCESS,
        0 => fail(
            1,
            "the runs' answers differ (their digests are not all the same)",
        ),
        n => fail(1, format!("{n} of the runs failed (see above)")),
    }
}

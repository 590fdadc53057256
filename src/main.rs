//! The `ember` command line (the book's reference chapter "The command line"). Thin: it parses,
//! calls the library, prints what the library says, and maps outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 the run itself failed (a job aborted, an expectation unmet, the
//! event log could not be written); 2 bad input (an unreadable or invalid scenario or event
//! log, a bad flag, an output that would overwrite an input, a run over its budget). Every
//! error is one line on standard error that starts `ember: `. A closed standard output
//! (`ember run | head`) ends quietly.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ember::cluster::Clock;
use ember::scenario::check::{check, CheckOptions, Said, Verdict};
use ember::scenario::progress::{ProgressListener, ProgressUpdate};
use ember::scenario::{self, budget, bundled, compare, outputs, report, Overrides, RunError};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ember",
    version,
    allow_negative_numbers = true,
    about = "A workbench for learning, testing and measuring how a Spark-style engine schedules work",
    after_help = "Scenarios are TOML files (see scenarios/) or the names of bundled ones (`ember scenarios`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Changes to a scenario, as `run`, `tui` and `compare` take them.
#[derive(Args, Clone, Default)]
struct Changes {
    /// Run one of the scenario's [[variant]]s instead of the scenario itself.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Change any key of the scenario, as Spark's --conf does (repeatable): --set cluster.racks=3
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Overrides::parse_set)]
    sets: Vec<(String, String)>,
    /// Run however much work the run's estimate says it is (lifts the budget)
    #[arg(long)]
    no_budget: bool,
}

/// A whole number flag (`--seed 7`), in the words every other mistake gets.
fn whole_number(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a whole number (0 or more)"))
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print a summary (or one JSON object with --json).
    #[command(allow_negative_numbers = true)]
    Run {
        /// A scenario file or a bundled scenario's name [default: tour, the built-in default]
        scenario: Option<String>,
        /// Write the event log (JSON lines) to FILE; `-` writes it to standard output and the
        /// summary to standard error
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
        /// Replace the scenario's seed [default: the scenario's, else 0]
        #[arg(long, value_name = "N", value_parser = whole_number)]
        seed: Option<u64>,
        /// The clock to run on [default: the scenario's, else virtual]
        #[arg(long, value_enum)]
        clock: Option<ClockArg>,
        #[command(flatten)]
        changes: Changes,
        /// Print one JSON object (every field is in the book's "The command line") instead of
        /// the human summary
        #[arg(long)]
        json: bool,
    },
    /// The terminal UI: run a scenario and play it, or replay an event log.
    #[command(allow_negative_numbers = true)]
    Tui {
        /// A scenario file, a bundled scenario's name, or an event log (.jsonl) [default: tour]
        target: Option<String>,
        /// Replace the scenario's seed [default: the scenario's, else 0]
        #[arg(long, value_name = "N", value_parser = whole_number)]
        seed: Option<u64>,
        #[command(flatten)]
        changes: Changes,
    },
    /// Check scenario files; with --run, also run each and its variants against [expect].
    Check {
        /// Scenario files or bundled scenarios' names
        #[arg(required = true)]
        scenarios: Vec<String>,
        /// Run each scenario and each variant, and check its [expect] table
        #[arg(long)]
        run: bool,
        /// With --run, write the observed values into [expect] (and each variant's expect)
        #[arg(long, requires = "run")]
        bless: bool,
        /// Change any key of every scenario checked (repeatable): --set cluster.racks=3
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Overrides::parse_set)]
        sets: Vec<(String, String)>,
        /// Run however much work each run's estimate says it is (lifts the budget)
        #[arg(long)]
        no_budget: bool,
    },
    /// Run a scenario and each of its variants, and set them side by side: per-iteration
    /// times, totals, ratios to the first run, a chart.
    Compare {
        /// A scenario file or a bundled scenario's name
        scenario: String,
        /// The clock to run on [default: the scenario's, else virtual]
        #[arg(long, value_enum)]
        clock: Option<ClockArg>,
        /// Change any key of the scenario and of every variant (repeatable): --set cluster.racks=3
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Overrides::parse_set)]
        sets: Vec<(String, String)>,
        /// Print one JSON object: every run's summary, as `run --json` prints it
        #[arg(long)]
        json: bool,
        /// Also write every iteration's time to FILE as CSV (run,engine,iteration,elapsed_us)
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Run however much work each run's estimate says it is (lifts the budget)
        #[arg(long)]
        no_budget: bool,
    },
    /// Summarise an event log (written by `ember run --events`): the human summary, or with
    /// --json the object `run --json` printed for the run that wrote it.
    Summary {
        /// An event log (JSON lines)
        log: PathBuf,
        /// Print one JSON object, as `run --json` does, instead of the human summary
        #[arg(long)]
        json: bool,
    },
    /// List the bundled scenarios.
    Scenarios,
}

#[derive(Clone, Copy, ValueEnum)]
enum ClockArg {
    Virtual,
    Wall,
}

impl ClockArg {
    fn clock(self) -> Clock {
        match self {
            ClockArg::Virtual => Clock::Virtual,
            ClockArg::Wall => Clock::Wall,
        }
    }
}

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

/// An error line; `code` is the exit code it ends with.
fn fail(code: u8, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ember: {e}");
    ExitCode::from(code)
}

/// A mistake on the command line, in ember's words: `ember: --seed x: "x" is not a whole
/// number (0 or more)`.
fn usage_error(e: clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let context = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let flag = context(ContextKind::InvalidArg)
        .map(|a| a.split(' ').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    // The command the mistake was made in, from the usage line (`Usage: ember run [OPTIONS]`).
    let command = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(u)) => u
            .to_string()
            .split_whitespace()
            .skip(1)
            .take_while(|w| !w.starts_with('[') && !w.starts_with('<') && !w.starts_with('-'))
            .collect::<Vec<_>>()
            .join(" "),
        _ => "ember".to_string(),
    };
    let message = match e.kind() {
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg).unwrap_or_default();
            match context(ContextKind::SuggestedArg) {
                Some(s) => format!("{arg}: no such flag of `{command}`: did you mean {s}?"),
                None => {
                    format!("{arg}: no such flag of `{command}` (`{command} --help` lists them)")
                }
            }
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = context(ContextKind::InvalidArg).unwrap_or_default();
            format!("`{command}` needs {missing} here (`{command} --help` says why)")
        }
        ErrorKind::InvalidSubcommand => {
            let arg = context(ContextKind::InvalidSubcommand).unwrap_or_default();
            match context(ContextKind::SuggestedSubcommand) {
                Some(s) => format!("{arg}: no such command: did you mean `ember {s}`?"),
                None => format!("{arg}: no such command (`ember --help` lists them)"),
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            format!("{flag} {value}: {why}")
        }
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue).unwrap_or_default();
            match context(ContextKind::SuggestedValue) {
                Some(s) => format!("{flag} {value}: did you mean {s}? (one of {valid})"),
                None => format!("{flag} {value}: not one of {valid}"),
            }
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            let tip = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("tip: "))
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            format!(
                "{}{tip}; `ember --help` lists the commands and flags",
                first.trim_start_matches("error: ")
            )
        }
    };
    fail(2, message)
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
        Err(e) => return usage_error(e),
    };
    let overrides = |c: Changes, seed, clock: Option<ClockArg>| Overrides {
        variant: c.variant,
        sets: c.sets,
        seed,
        clock: clock.map(ClockArg::clock),
        no_budget: c.no_budget,
    };
    match cli.command {
        Command::Summary { log, json } => summary(&log, json),
        Command::Scenarios => {
            let mut text = String::new();
            for (name, _) in bundled::BUNDLED {
                let description = scenario::load(name, &Overrides::default())
                    .map(|s| s.description)
                    .unwrap_or_default();
                text.push_str(&format!("{name:<22} {description}\n"));
            }
            out(&text);
            ExitCode::SUCCESS
        }
        Command::Tui {
            target,
            seed,
            changes,
        } => {
            let target = target.unwrap_or_else(|| scenario::DEFAULT_SCENARIO.to_string());
            match ember::tui::launch(&target, &overrides(changes, seed, None)) {
                Ok(warnings) => {
                    warnings
                        .iter()
                        .for_each(|w| eprintln!("ember: warning: {w}"));
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
            run(&name, &overrides(changes, seed, clock), events, json)
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
            match verdict {
                Verdict::Ok => ExitCode::SUCCESS,
                Verdict::Failed => ExitCode::from(1),
                Verdict::Bad => ExitCode::from(2),
            }
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
            compare(&name, &overrides(changes, None, clock), json, csv)
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
    let source = match scenario::find(name) {
        Ok(s) => s,
        Err(e) => return fail(2, e),
    };
    let sc = match scenario::parse(&source, o) {
        Ok(s) => s,
        Err(e) => return fail(2, e),
    };
    sc.warnings
        .iter()
        .for_each(|w| eprintln!("ember: warning: {w}"));
    if let Some(path) = &events {
        let inputs: Vec<&Path> = source.path.as_deref().into_iter().collect();
        if let Err(e) = outputs::check_output("--events", path, &inputs) {
            return fail(2, e);
        }
    }
    if let Err(e) = scenario::preflight(&sc) {
        return fail(2, e);
    }
    let to_stdout = events.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let print = |text: String| {
        if to_stdout {
            eprint!("{text}");
        } else {
            out(&text);
        }
    };
    let opts = scenario::RunOptions {
        events,
        listener: progress(&sc),
    };
    let (summary, lineage, error) = match scenario::run(&sc, opts) {
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
    if json {
        print(format!(
            "{}\n",
            serde_json::to_string(&summary).unwrap_or_default()
        ));
    } else {
        print(report::human(&summary, &lineage));
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
    for skipped in &s.read.skipped {
        eprintln!("ember: warning: {}: {skipped}", log.display());
    }
    if s.read.cut_short {
        eprintln!(
            "ember: warning: {}: its last line is cut short (a run still writing it, or stopped)",
            log.display()
        );
    }
    if json {
        out(&format!(
            "{}\n",
            serde_json::to_string(&s.summary).unwrap_or_default()
        ));
    } else {
        out(&report::human(&s.summary, &s.lineage));
    }
    ExitCode::SUCCESS
}

fn compare(name: &str, o: &Overrides, json: bool, csv: Option<PathBuf>) -> ExitCode {
    let source = match scenario::find(name) {
        Ok(s) => s,
        Err(e) => return fail(2, e),
    };
    if let Ok(sc) = scenario::parse(&source, o) {
        sc.warnings
            .iter()
            .for_each(|w| eprintln!("ember: warning: {w}"));
    }
    if let Some(path) = &csv {
        let inputs: Vec<&Path> = source.path.as_deref().into_iter().collect();
        if let Err(e) = outputs::check_output("--csv", path, &inputs) {
            return fail(2, e);
        }
    }
    let watcher: scenario::Watcher = std::sync::Arc::new(progress);
    let c = match compare::compare(&source, o, Some(&watcher)) {
        Ok(c) => c,
        Err(e @ compare::CompareError::Run(_)) => return fail(1, e),
        Err(e) => return fail(2, e),
    };
    if let Some(path) = csv {
        let text = c.csv();
        if let Err(e) = std::fs::write(&path, &text) {
            return fail(1, format!("{}: {e}", path.display()));
        }
        match text.lines().count().saturating_sub(1) {
            0 => eprintln!(
                "ember: wrote {} with no rows: the scenario's workload has no iterations",
                path.display()
            ),
            rows => eprintln!("ember: wrote {} ({rows} iterations)", path.display()),
        }
    }
    if json {
        out(&format!(
            "{}\n",
            serde_json::to_string(&c).unwrap_or_default()
        ));
    } else {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80);
        out(&c.render(width));
    }
    match c.failed_runs() {
        0 if c.answers_agree() => ExitCode::SUCCESS,
        0 => fail(
            1,
            "the runs' answers differ (their digests are not all the same)",
        ),
        n => fail(1, format!("{n} of the runs failed (see above)")),
    }
}

//! The command line's model (the book's reference chapter "The command line"): every command
//! and flag as clap reads them, and a mistake on the command line in ember's words. The binary
//! (`src/main.rs`) parses with it, calls the library and prints; nothing here runs a scenario.

use crate::cluster::Clock;
use crate::scenario::Overrides;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `ember`'s command line.
#[derive(Parser)]
#[command(
    name = "ember",
    version,
    allow_negative_numbers = true,
    about = "A workbench for learning, testing and measuring how a Spark-style engine schedules work",
    after_help = "Scenarios are TOML files (see scenarios/) or the names of bundled ones (`ember scenarios`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Changes to a scenario, as `run`, `tui` and `compare` take them.
#[derive(Args, Clone, Default)]
pub struct Changes {
    /// Run one of the scenario's [[variant]]s instead of the scenario itself.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Change any key of the scenario, as Spark's --conf does (repeatable): --set cluster.racks=3
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Overrides::parse_set)]
    pub sets: Vec<(String, String)>,
    /// Run however much work the run's estimate says it is (lifts the budget)
    #[arg(long)]
    pub no_budget: bool,
}

impl Changes {
    /// The scenario changes these flags ask for, with `--seed` and `--clock`.
    pub fn overrides(self, seed: Option<u64>, clock: Option<ClockArg>) -> Overrides {
        Overrides {
            variant: self.variant,
            sets: self.sets,
            seed,
            clock: clock.map(ClockArg::clock),
            no_budget: self.no_budget,
        }
    }
}

/// A whole number flag (`--seed 7`), in the words every other mistake gets.
pub fn whole_number(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a whole number (0 or more)"))
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
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
    /// The terminal UI: run a scenario and play it, or replay an event log (with --set, its
    /// application on another cluster).
    #[command(allow_negative_numbers = true)]
    Tui {
        /// A scenario file, a bundled scenario's name, or an event log, ember's or Apache
        /// Spark's [default: tour]
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
    /// Run a scenario and each of its variants side by side (per-iteration times, totals,
    /// ratios, a chart), or an event log's application replayed beside its recording.
    Compare {
        /// A scenario file, a bundled scenario's name, or an event log (ember's or Apache
        /// Spark's)
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
        /// Also write every iteration's time to FILE as CSV (run,engine,iteration,elapsed_us; for
        /// an event log, each job's: job,recorded_us,replayed_us,what_if_us)
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Run however much work each run's estimate says it is (lifts the budget)
        #[arg(long)]
        no_budget: bool,
    },
    /// Summarise an event log, ember's (`ember run --events`) or Apache Spark's: the human
    /// summary, or with --json the object `run --json` prints.
    Summary {
        /// An event log: ember's JSON lines, or Apache Spark's (a file, plain or compressed
        /// with zstd, lz4 or snappy, or a rolling log's eventlog_v2_… directory)
        log: PathBuf,
        /// Print one JSON object, as `run --json` does, instead of the human summary
        #[arg(long)]
        json: bool,
    },
    /// Write an event log (ember's or Apache Spark's) in another format: Apache Spark's event
    /// log, a Chrome/Perfetto trace, or its lineage as Graphviz DOT; or a scenario as an Apache
    /// Spark program.
    Export(ExportArgs),
    /// List the bundled scenarios.
    Scenarios,
}

/// `ember export`'s input and outputs.
#[derive(Args)]
#[command(group = clap::ArgGroup::new("format").required(true).multiple(true))]
pub struct ExportArgs {
    /// An event log, as `ember summary` reads them (a scenario with --spark-program)
    pub log: PathBuf,
    /// Write the scenario (a file or a bundled scenario's name) as a Spark program in Scala,
    /// its data in FILE's folder (pipeline scenarios)
    #[arg(long, value_name = "FILE", group = "format", conflicts_with_all = ["spark", "chrome_trace", "dot"])]
    pub spark_program: Option<PathBuf>,
    /// Write it in Apache Spark's event-log format, for Spark's History Server (a run of
    /// both engines: one application per engine, FILE's name with -spark and -mapreduce)
    #[arg(long, value_name = "FILE", group = "format")]
    pub spark: Option<PathBuf>,
    /// Write a Chrome/Perfetto trace (a track per executor core, a slice per task)
    #[arg(long, value_name = "FILE", group = "format")]
    pub chrome_trace: Option<PathBuf>,
    /// Write the lineage as Graphviz DOT (stages as clusters, shuffle edges dashed)
    #[arg(long, value_name = "FILE", group = "format")]
    pub dot: Option<PathBuf>,
}

/// `--clock`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ClockArg {
    Virtual,
    Wall,
}

impl ClockArg {
    /// The clock it names.
    pub fn clock(self) -> Clock {
        match self {
            ClockArg::Virtual => Clock::Virtual,
            ClockArg::Wall => Clock::Wall,
        }
    }
}

/// A mistake on the command line, in ember's words (`--seed x: "x" is not a whole number (0
/// or more)`), for one line after `ember: `; `None` for what is not a mistake (`--help`,
/// `--version`), which clap prints itself.
pub fn usage_message(e: &clap::Error) -> Option<String> {
    if !e.use_stderr() {
        return None;
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
    Some(message)
}

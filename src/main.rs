//! The `ember` command line (the book's reference chapter "The command line"). Thin: it parses, calls the library, prints.
//!
//! Exit codes: 0 success; 1 the run itself failed (a job aborted, an expectation unmet, the
//! event log could not be written); 2 bad input (an unreadable or invalid scenario or event
//! log, a bad flag). A closed standard output (`ember run | head`) ends quietly.

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ember::cluster::Clock;
use ember::events::summary::RunSummary;
use ember::scenario::{self, bundled, compare, expect, Overrides, RunError, RunOptions, Scenario};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ember",
    version,
    about = "A workbench for learning, testing and measuring how a Spark-style engine schedules work",
    after_help = "Scenarios are TOML files (see scenarios/) or the names of bundled ones (`ember scenarios`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Changes to a scenario, as `run`, `tui` and `check` take them.
#[derive(Args, Clone, Default)]
struct Changes {
    /// Run one of the scenario's [[variant]]s instead of the scenario itself.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Change any key of the scenario, as Spark's --conf does (repeatable): --set cluster.racks=3
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    sets: Vec<(String, String)>,
}

fn parse_set(s: &str) -> Result<(String, String), String> {
    Overrides::parse_set(s)
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print a summary (or one JSON object with --json).
    Run {
        /// A scenario file or a bundled scenario's name [default: tour, the built-in default]
        scenario: Option<String>,
        /// Write the event log (JSON lines) to FILE; `-` writes it to standard output and the
        /// summary to standard error
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
        /// Replace the scenario's seed [default: the scenario's, else 0]
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// The clock to run on [default: the scenario's, else virtual]
        #[arg(long, value_enum)]
        clock: Option<ClockArg>,
        #[command(flatten)]
        changes: Changes,
        /// Print one JSON object (every field is in the book's "The command line") instead of the
        /// human summary
        #[arg(long)]
        json: bool,
    },
    /// The terminal UI: run a scenario and play it, or replay an event log.
    Tui {
        /// A scenario file, a bundled scenario's name, or an event log (.jsonl) [default: tour]
        target: Option<String>,
        /// Replace the scenario's seed [default: the scenario's, else 0]
        #[arg(long, value_name = "N")]
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
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
        sets: Vec<(String, String)>,
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
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
        sets: Vec<(String, String)>,
        /// Print one JSON object: every run's summary, as `run --json` prints it
        #[arg(long)]
        json: bool,
        /// Also write every iteration's time to FILE as CSV (run,engine,iteration,elapsed_us)
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
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

fn bad_input(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ember: {e}");
    ExitCode::from(2)
}

fn warn(sc: &Scenario) {
    for w in &sc.warnings {
        eprintln!("ember: warning: {w}");
    }
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
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
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
            let o = Overrides {
                variant: changes.variant,
                sets: changes.sets,
                seed,
                clock: None,
            };
            let target = target.unwrap_or_else(|| scenario::DEFAULT_SCENARIO.to_string());
            match ember::tui::launch(&target, &o) {
                Ok(warnings) => {
                    for w in warnings {
                        eprintln!("ember: warning: {w}");
                    }
                    ExitCode::SUCCESS
                }
                Err(ember::tui::LaunchError::Input(e)) => bad_input(e),
                Err(ember::tui::LaunchError::Terminal(e)) => {
                    eprintln!("ember: the terminal: {e}");
                    ExitCode::from(1)
                }
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
            let o = Overrides {
                variant: changes.variant,
                sets: changes.sets,
                seed,
                clock: clock.map(ClockArg::clock),
            };
            let sc = match scenario::load(name.as_deref().unwrap_or(scenario::DEFAULT_SCENARIO), &o)
            {
                Ok(s) => s,
                Err(e) => return bad_input(e),
            };
            warn(&sc);
            let to_stdout = events.as_deref().is_some_and(|p| p.as_os_str() == "-");
            match run(&sc, events, json, to_stdout) {
                Ok(code) => code,
                Err(e) => bad_input(format!("{e:#}")),
            }
        }
        Command::Check {
            scenarios,
            run,
            bless,
            sets,
        } => check(&scenarios, run, bless, &sets),
        Command::Compare {
            scenario: name,
            clock,
            sets,
            json,
            csv,
        } => compare(&name, clock, sets, json, csv),
    }
}

fn compare(
    name: &str,
    clock: Option<ClockArg>,
    sets: Vec<(String, String)>,
    json: bool,
    csv: Option<PathBuf>,
) -> ExitCode {
    let source = match scenario::find(name) {
        Ok(s) => s,
        Err(e) => return bad_input(e),
    };
    let o = Overrides {
        sets,
        clock: clock.map(ClockArg::clock),
        ..Overrides::default()
    };
    if let Ok(sc) = scenario::parse(&source, &o) {
        warn(&sc);
    }
    let c = match compare::compare(&source, &o) {
        Ok(c) => c,
        Err(compare::CompareError::Scenario(e)) => return bad_input(e),
        Err(e) => {
            eprintln!("ember: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(path) = csv {
        if let Err(e) = std::fs::write(&path, c.csv()) {
            eprintln!("ember: {}: {e}", path.display());
            return ExitCode::from(1);
        }
        let rows = c.csv().lines().count().saturating_sub(1);
        if rows == 0 {
            eprintln!(
                "ember: wrote {} with no rows: the scenario's workload has no iterations",
                path.display()
            );
        } else {
            eprintln!("ember: wrote {} ({rows} iterations)", path.display());
        }
    }
    if json {
        match serde_json::to_string(&c) {
            Ok(j) => out(&format!("{j}\n")),
            Err(e) => {
                eprintln!("ember: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80);
        out(&c.render(width));
    }
    if c.answers_agree() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run(
    sc: &Scenario,
    events: Option<PathBuf>,
    json: bool,
    log_to_stdout: bool,
) -> Result<ExitCode> {
    let report = scenario::run(
        sc,
        RunOptions {
            events,
            listener: None,
        },
    );
    let print = |text: String| {
        if log_to_stdout {
            eprint!("{text}");
        } else {
            out(&text);
        }
    };
    match report {
        Ok(report) => {
            if json {
                print(format!("{}\n", serde_json::to_string(&report.summary)?));
            } else {
                print(human(&report.summary, &report.lineage));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(RunError::Job { error, summary }) => {
            if json {
                print(format!("{}\n", serde_json::to_string(&summary)?));
            }
            eprintln!("ember: the run failed: {error}");
            Ok(ExitCode::from(1))
        }
        Err(RunError::EventLog { error, .. }) => {
            eprintln!("ember: the run failed: {error}");
            Ok(ExitCode::from(1))
        }
        Err(RunError::Start(e)) => Err(e.into()),
    }
}

fn check(names: &[String], run: bool, bless: bool, sets: &[(String, String)]) -> ExitCode {
    let (mut bad, mut failed) = (false, false);
    for name in names {
        let source = match scenario::find(name) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ember: {e}");
                bad = true;
                continue;
            }
        };
        let base_o = Overrides {
            sets: sets.to_vec(),
            ..Overrides::default()
        };
        let base = match scenario::parse(&source, &base_o) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ember: {e}");
                bad = true;
                continue;
            }
        };
        warn(&base);
        let mut runs: Vec<Scenario> = vec![base.clone()];
        for v in base.variant_names() {
            let o = Overrides {
                variant: Some(v.clone()),
                ..base_o.clone()
            };
            match scenario::parse(&source, &o) {
                Ok(s) => runs.push(s),
                Err(e) => {
                    eprintln!("ember: {e}");
                    bad = true;
                }
            }
        }
        if !run {
            let variants = match runs.len() - 1 {
                0 => String::new(),
                n => format!(" ({})", plural(n, "variant", "variants")),
            };
            out(&format!("{}: ok{variants}\n", source.origin));
            continue;
        }
        let mut text = source.bytes.clone();
        for sc in &runs {
            let label = match &sc.variant {
                Some(v) => format!("{} --variant {v}", source.origin),
                None => source.origin.clone(),
            };
            let summary = match scenario::run(sc, RunOptions::default()) {
                Ok(r) => r.summary,
                Err(RunError::Job { error, summary }) => {
                    eprintln!("ember: {label}: the run failed: {error}");
                    failed = true;
                    if bless {
                        continue;
                    }
                    *summary
                }
                Err(e) => {
                    eprintln!("ember: {label}: {e}");
                    failed = true;
                    continue;
                }
            };
            if bless {
                let current = String::from_utf8_lossy(&text).into_owned();
                match expect::bless(&current, sc.variant.as_deref(), &sc.expect, &summary) {
                    Ok(t) => text = t.into_bytes(),
                    Err(e) => {
                        eprintln!("ember: {label}: cannot bless: {e}");
                        failed = true;
                    }
                }
                continue;
            }
            // On the wall clock, what depends on timing is not checked (and said so).
            let (checked, unchecked): (BTreeMap<_, _>, BTreeMap<_, _>) =
                sc.expect.clone().into_iter().partition(|(k, _)| {
                    sc.clock == Clock::Virtual || !expect::depends_on_timing(k)
                });
            let misses = expect::check(&summary, &checked);
            if misses.is_empty() {
                let mut met = match checked.len() {
                    0 => "no [expect] table: nothing to check".to_string(),
                    n => format!("{} met", plural(n, "expectation", "expectations")),
                };
                if !unchecked.is_empty() {
                    let keys: Vec<&str> = unchecked.keys().map(String::as_str).collect();
                    met.push_str(&format!(
                        "; not checked on the wall clock: {}",
                        keys.join(", ")
                    ));
                }
                out(&format!("{label}: ok ({met})\n"));
            } else {
                failed = true;
                for m in &misses {
                    let at = match sc.expect_location(&m.key) {
                        Some((line, col)) => format!(
                            "{}:{line}:{col}{}",
                            source.origin,
                            label.strip_prefix(source.origin.as_str()).unwrap_or("")
                        ),
                        None => label.clone(),
                    };
                    eprintln!(
                        "ember: {at}: expect {} = {}, observed {}",
                        m.key, m.expected, m.observed
                    );
                }
                eprintln!(
                    "ember: {label}: {} not met (if the new values are right, `ember check --run --bless {}` writes them into [expect])",
                    plural(misses.len(), "expectation", "expectations"),
                    source.origin
                );
            }
        }
        if bless {
            match &source.path {
                Some(p) => match std::fs::write(p, &text) {
                    Ok(()) => out(&format!("{}: blessed\n", p.display())),
                    Err(e) => {
                        eprintln!("ember: {}: {e}", p.display());
                        failed = true;
                    }
                },
                None => {
                    eprintln!(
                        "ember: {}: --bless writes a file; name the file (scenarios/{}.toml)",
                        source.origin, name
                    );
                    bad = true;
                }
            }
        }
    }
    if bad {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human(s: &RunSummary, lineage: &str) -> String {
    let ms = |us: u64| format!("{:.1} ms", us as f64 / 1000.0);
    let mut out = format!(
        "scenario {} ({} clock, seed {}): {} in {}\n\nlineage of the last RDD acted on:\n",
        s.scenario,
        s.clock,
        s.seed,
        s.status,
        ms(s.elapsed_us)
    );
    for l in lineage.lines() {
        out.push_str(&format!("  {l}\n"));
    }
    out.push('\n');
    for j in &s.job_details {
        out.push_str(&format!(
            "job {} ({}): {} in {}\n",
            j.job,
            j.action,
            if j.succeeded { "succeeded" } else { "failed" },
            ms(j.duration_us)
        ));
        for st in &j.stages {
            let reads = if st.parents.is_empty() {
                String::new()
            } else {
                let p: Vec<String> = st.parents.iter().map(|x| x.to_string()).collect();
                format!("  <- reads stage {}", p.join(", "))
            };
            if st.ran {
                out.push_str(&format!(
                    "  stage {:>3} {:<11} ran     {:>6}  {}{}{reads}\n",
                    st.stage,
                    st.kind,
                    plural(st.tasks, "task ", "tasks"),
                    ms(st.duration_us),
                    if st.attempts > 1 {
                        format!("  ({} attempts)", st.attempts)
                    } else {
                        String::new()
                    }
                ));
            } else {
                let why = match st.skipped {
                    Some(ember::events::SkipReason::Cached) => "an RDD after it is cached",
                    _ => "its map outputs already exist",
                };
                out.push_str(&format!(
                    "  stage {:>3} {:<11} skipped ({why}){reads}\n",
                    st.stage, st.kind
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n{}, {} run, {} skipped, {} ({} failed)\n",
        plural(s.jobs, "job", "jobs"),
        plural(s.stages, "stage", "stages"),
        s.stages_skipped,
        plural(s.tasks, "task", "tasks"),
        s.task_failures
    ));
    if s.blocks_stored + s.blocks_evicted + s.blocks_not_stored + s.partitions_recomputed > 0 {
        out.push_str(&format!(
            "storage: {} stored, {} evicted, {} not stored, {} computed again\n",
            plural(s.blocks_stored, "block", "blocks"),
            s.blocks_evicted,
            s.blocks_not_stored,
            plural(s.partitions_recomputed, "partition", "partitions")
        ));
    }
    for it in &s.iterations {
        out.push_str(&format!(
            "iteration {:>2}: {}\n",
            it.iteration,
            ms(it.elapsed_us)
        ));
    }
    out.push_str(&format!(
        "result: {}\nresult digest: {}\n",
        s.result, s.result_digest
    ));
    out
}

//! The `ember` command line (CONTRACTS §1). Thin: it parses, calls the library, prints.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use ember::cluster::Clock;
use ember::scenario::{self, RunError, RunOptions, Scenario, DEFAULT_SCENARIO};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ember",
    version,
    about = "A workbench for how a Spark-style engine schedules work"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print a summary.
    Run {
        /// A built-in scenario (see `ember scenarios`); the default one if omitted.
        scenario: Option<String>,
        /// Write the event log (JSON lines) to FILE.
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
        /// Replace the scenario's seed.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Which clock to run on.
        #[arg(long, value_enum)]
        clock: Option<ClockArg>,
        /// Print one JSON object instead of the human summary.
        #[arg(long)]
        json: bool,
    },
    /// The terminal UI (arrives with the next step).
    Tui {
        /// A scenario or an event log.
        target: Option<String>,
    },
    /// List the bundled scenarios.
    Scenarios,
}

#[derive(Clone, Copy, ValueEnum)]
enum ClockArg {
    Virtual,
    Wall,
}

fn find(name: Option<&str>) -> Result<Scenario, String> {
    let name = name.unwrap_or(DEFAULT_SCENARIO);
    scenario::find_builtin(name).ok_or_else(|| {
        let known: Vec<String> = scenario::builtin().into_iter().map(|s| s.name).collect();
        if std::path::Path::new(name).exists() {
            format!(
                "{name}: scenario files are not read yet (they arrive with the scenario step); built-in scenarios: {}",
                known.join(", ")
            )
        } else {
            format!("{name}: no such scenario; built-in scenarios: {}", known.join(", "))
        }
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scenarios => {
            for s in scenario::builtin() {
                println!("{:<16} {}", s.name, s.description);
            }
            ExitCode::SUCCESS
        }
        Command::Tui { .. } => {
            println!(
                "The terminal UI arrives with the next step of the roadmap. Until then, run a scenario headless:\n  ember run {DEFAULT_SCENARIO} --events run.jsonl"
            );
            ExitCode::SUCCESS
        }
        Command::Run {
            scenario,
            events,
            seed,
            clock,
            json,
        } => {
            let sc = match find(scenario.as_deref()) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("ember: {e}");
                    return ExitCode::from(2);
                }
            };
            let opts = RunOptions {
                events,
                seed,
                clock: clock.map(|c| match c {
                    ClockArg::Virtual => Clock::Virtual,
                    ClockArg::Wall => Clock::Wall,
                }),
            };
            match run(&sc, &opts, json) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("ember: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn run(sc: &Scenario, opts: &RunOptions, json: bool) -> Result<ExitCode> {
    match scenario::run(sc, opts) {
        Ok(report) => {
            if json {
                println!("{}", serde_json::to_string(&report.summary)?);
            } else {
                print!("{}", human(&report.summary, &report.lineage));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(RunError::Job { error, summary }) => {
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            }
            eprintln!("ember: the run failed: {error}");
            Ok(ExitCode::from(1))
        }
        Err(RunError::Start(e)) => Err(e.into()),
    }
}

fn human(s: &ember::events::summary::RunSummary, lineage: &str) -> String {
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
                    "  stage {:>3} {:<11} ran      {:>5} tasks  {}{}{reads}\n",
                    st.stage,
                    st.kind,
                    st.tasks,
                    ms(st.duration_us),
                    if st.attempts > 1 {
                        format!("  ({} attempts)", st.attempts)
                    } else {
                        String::new()
                    }
                ));
            } else {
                out.push_str(&format!(
                    "  stage {:>3} {:<11} skipped (its output already exists){reads}\n",
                    st.stage, st.kind
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n{} jobs, {} stages run, {} skipped, {} tasks ({} failed)\n",
        s.jobs, s.stages, s.stages_skipped, s.tasks, s.task_failures
    ));
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

//! `ember check`: scenario files validated, and with `--run` run (each variant too) against
//! their `[expect]`; with `--bless`, the observed values written into `[expect]`.
//!
//! What it finds is handed, line by line, to a callback ([`Said`]): the command line prints
//! it, a test collects it. On the wall clock, the keys whose values depend on timing are not
//! checked, and the line says which.

use super::{expect, find, parse, run, Overrides, RunError, RunOptions, Scenario, Watcher};
use crate::cluster::Clock;
use crate::human::plural;
use std::collections::BTreeMap;

/// Whether the run's faults or speculation make its task counts depend on timing on the wall
/// clock (when a fault lands among the tasks, how many copies are launched).
fn timing_plan(sc: &super::Scenario) -> bool {
    !sc.faults.is_empty() || sc.scheduler.speculation.enabled
}

/// A line of `check`'s report.
pub enum Said {
    /// For standard output: a scenario is fine.
    Ok(String),
    /// For standard error: a problem.
    Problem(String),
    /// For standard error: a key accepted but not honoured.
    Warning(String),
}

/// How `check` ended (its exit code: [`Verdict::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every scenario is valid and met its expectations.
    Ok,
    /// A run failed or missed an expectation (exit 1).
    Failed,
    /// A scenario is invalid, over its budget, or cannot be blessed (exit 2).
    Bad,
}

impl Verdict {
    /// The exit code: 0, 1 (a run failed or missed), 2 (bad input).
    pub fn code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Failed => 1,
            Verdict::Bad => 2,
        }
    }
}

/// What `check` is asked to do.
#[derive(Clone, Default)]
pub struct CheckOptions {
    pub run: bool,
    pub bless: bool,
    pub sets: Vec<(String, String)>,
    pub no_budget: bool,
    /// A listener for each run (progress on a terminal).
    pub watcher: Option<Watcher>,
}

/// Checks each of `names` (files or bundled scenarios).
pub fn check(names: &[String], opts: &CheckOptions, mut say: impl FnMut(Said)) -> Verdict {
    let (mut bad, mut failed) = (false, false);
    for name in names {
        match check_one(name, opts, &mut say) {
            Verdict::Ok => {}
            Verdict::Failed => failed = true,
            Verdict::Bad => bad = true,
        }
    }
    if bad {
        Verdict::Bad
    } else if failed {
        Verdict::Failed
    } else {
        Verdict::Ok
    }
}

fn check_one(name: &str, opts: &CheckOptions, say: &mut impl FnMut(Said)) -> Verdict {
    let source = match find(name) {
        Ok(s) => s,
        Err(e) => {
            say(Said::Problem(e.to_string()));
            return Verdict::Bad;
        }
    };
    let base_o = Overrides {
        sets: opts.sets.clone(),
        no_budget: opts.no_budget,
        ..Overrides::default()
    };
    let base = match parse(&source, &base_o) {
        Ok(s) => s,
        Err(e) => {
            say(Said::Problem(e.to_string()));
            return Verdict::Bad;
        }
    };
    for w in &base.warnings {
        say(Said::Warning(w.to_string()));
    }
    let mut verdict = Verdict::Ok;
    let mut runs: Vec<Scenario> = vec![base.clone()];
    for v in base.variant_names() {
        let o = Overrides {
            variant: Some(v.clone()),
            ..base_o.clone()
        };
        match parse(&source, &o) {
            Ok(s) => runs.push(s),
            Err(e) => {
                say(Said::Problem(e.to_string()));
                verdict = Verdict::Bad;
            }
        }
    }
    if !opts.run {
        let variants = match runs.len() - 1 {
            0 => String::new(),
            n => format!(" ({})", plural(n as u64, "variant", "variants")),
        };
        say(Said::Ok(format!("{}: ok{variants}", source.origin)));
        return verdict;
    }
    let mut text = source.bytes.clone();
    for sc in &runs {
        let label = match &sc.variant {
            Some(v) => format!("{} --variant {v}", source.origin),
            None => source.origin.clone(),
        };
        let run_opts = RunOptions {
            events: None,
            listener: opts.watcher.as_ref().and_then(|w| w(sc)),
        };
        let summary = match run(sc, run_opts) {
            Ok(r) => r.summary,
            Err(e @ (RunError::OverBudget { .. } | RunError::OutputExists { .. })) => {
                say(Said::Problem(e.to_string()));
                verdict = Verdict::Bad;
                continue;
            }
            Err(RunError::Job { error, summary }) => {
                say(Said::Problem(format!("{label}: the run failed: {error}")));
                verdict = worse(verdict, Verdict::Failed);
                if opts.bless {
                    continue;
                }
                *summary
            }
            Err(e) => {
                say(Said::Problem(format!("{label}: {e}")));
                verdict = worse(verdict, Verdict::Failed);
                continue;
            }
        };
        if opts.bless {
            let current = String::from_utf8_lossy(&text).into_owned();
            match expect::bless(&current, sc.variant.as_deref(), &sc.expect, &summary) {
                Ok(t) => text = t.into_bytes(),
                Err(e) => {
                    say(Said::Problem(format!("{label}: cannot bless: {e}")));
                    verdict = worse(verdict, Verdict::Failed);
                }
            }
            continue;
        }
        // On the wall clock, what depends on timing is not checked (and said so).
        let (checked, unchecked): (BTreeMap<_, _>, BTreeMap<_, _>) =
            sc.expect.clone().into_iter().partition(|(k, _)| {
                sc.clock == Clock::Virtual
                    || !(expect::depends_on_timing(k)
                        || (timing_plan(sc) && expect::depends_on_a_plans_timing(k)))
            });
        let misses = expect::check(&summary, &checked);
        if misses.is_empty() {
            let mut met = match checked.len() {
                0 => "no [expect] table: nothing to check".to_string(),
                n => format!("{} met", plural(n as u64, "expectation", "expectations")),
            };
            if !unchecked.is_empty() {
                let keys: Vec<&str> = unchecked.keys().map(String::as_str).collect();
                met.push_str(&format!(
                    "; not checked on the wall clock: {}",
                    keys.join(", ")
                ));
            }
            say(Said::Ok(format!("{label}: ok ({met})")));
            continue;
        }
        verdict = worse(verdict, Verdict::Failed);
        for m in &misses {
            let at = match sc.expect_location(&m.key) {
                Some((line, col)) => format!(
                    "{}:{line}:{col}{}",
                    source.origin,
                    label.strip_prefix(source.origin.as_str()).unwrap_or("")
                ),
                None => label.clone(),
            };
            say(Said::Problem(format!(
                "{at}: expect {} = {}, observed {}",
                m.key, m.expected, m.observed
            )));
        }
        let fix = match &source.path {
            Some(p) => format!(
                "if the new values are right, `ember check --run --bless {}` writes them into [expect]",
                p.display()
            ),
            None => format!(
                "a bundled scenario: to change its [expect], bless a copy of scenarios/{name}.toml"
            ),
        };
        say(Said::Problem(format!(
            "{label}: {} not met ({fix})",
            plural(misses.len() as u64, "expectation", "expectations"),
        )));
    }
    if opts.bless {
        match &source.path {
            Some(p) => match std::fs::write(p, &text) {
                Ok(()) => say(Said::Ok(format!("{}: blessed", p.display()))),
                Err(e) => {
                    say(Said::Problem(format!("{}: {e}", p.display())));
                    verdict = worse(verdict, Verdict::Failed);
                }
            },
            None => {
                say(Said::Problem(format!(
                    "{}: --bless writes a file; name the file (scenarios/{name}.toml)",
                    source.origin
                )));
                verdict = Verdict::Bad;
            }
        }
    }
    verdict
}

fn worse(a: Verdict, b: Verdict) -> Verdict {
    match (a, b) {
        (Verdict::Bad, _) | (_, Verdict::Bad) => Verdict::Bad,
        (Verdict::Failed, _) | (_, Verdict::Failed) => Verdict::Failed,
        _ => Verdict::Ok,
    }
}

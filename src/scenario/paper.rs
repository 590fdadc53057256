//! `[paper]`: the published figures a scenario reproduces (the RDD paper's Figures 7, 10 and
//! 12), checked when the scenario is read and printed by `ember compare` beside ember's own:
//! each run's first and later iterations, and the later iterations as a ratio to the fastest
//! run, ember's beside the paper's with how far apart they are. So one command regenerates a
//! figure's table. It reads the scenario file's table and a comparison's runs; it runs nothing.

use super::locate::quote;
use super::spec::ScenarioFile;
use crate::events::Engine;
use crate::human::{duration, wrap};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One run's published times, µs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperRun {
    pub first_us: Option<f64>,
    pub later_us: Option<f64>,
}

/// One run of a comparison, as the paper's table needs it: its name, its first iteration and
/// the mean of its later ones, µs.
#[derive(Clone, Copy, Debug)]
pub struct RunTimes<'a> {
    pub run: &'a str,
    pub first_us: Option<u64>,
    pub later_us: Option<f64>,
    /// The run failed: its times are not the figure's.
    pub failed: bool,
}

/// A scenario's `[paper]` table, read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Paper {
    /// What the figures are and where they come from.
    pub figure: String,
    /// By the name of the comparison's run.
    pub runs: BTreeMap<String, PaperRun>,
}

impl Paper {
    /// The `[paper]` table of `f`, if it has one.
    pub fn of(f: &ScenarioFile) -> Option<Paper> {
        let t = f.paper.as_ref()?;
        Some(Paper {
            figure: t.figure.clone(),
            runs: t
                .runs
                .iter()
                .map(|(name, r)| {
                    (
                        name.clone(),
                        PaperRun {
                            first_us: r.first.map(|d| d.0),
                            later_us: r.later.map(|d| d.0),
                        },
                    )
                })
                .collect(),
        })
    }
}

/// Checks `[paper]`: a figure named, at least one run, each a run `ember compare` makes of
/// this file (`base`, a variant's name, an engine's, or `variant:engine`) with a time.
pub(super) fn validate(f: &ScenarioFile) -> Result<(), (String, String)> {
    let Some(t) = &f.paper else { return Ok(()) };
    if t.figure.trim().is_empty() {
        return Err((
            "paper.figure".into(),
            "say which figure the times are from".into(),
        ));
    }
    if t.runs.is_empty() {
        return Err((
            "paper.runs".into(),
            "give the paper's times of at least one run: runs.base = { later = \"3s\" }".into(),
        ));
    }
    let mut names = vec!["base".to_string()];
    for e in Engine::ALL {
        names.push(e.name().to_string());
    }
    for v in &f.variants {
        names.push(v.name.clone());
        for e in Engine::ALL {
            names.push(format!("{}:{}", v.name, e.name()));
        }
    }
    for (name, r) in &t.runs {
        let key = format!("paper.runs.{}", quote(name));
        if !names.contains(name) {
            return Err((
                key,
                format!(
                    "no run of `ember compare` is named {name:?}; the runs are {}",
                    names.join(", ")
                ),
            ));
        }
        if r.is_empty() {
            return Err((key, "give its `first` or `later` iteration time".into()));
        }
    }
    Ok(())
}

/// The table of a comparison's `runs` beside `paper`'s, `width` columns wide (empty when no
/// run has the paper's times). A failed run shows `failed` and takes no part in the ratios;
/// the paper's runs that match no run of the comparison (another `--set workload.engine`, say)
/// are named below the table.
pub fn render(runs: &[RunTimes], paper: &Paper, width: usize) -> String {
    let rows: Vec<(&RunTimes, &PaperRun)> = runs
        .iter()
        .filter_map(|r| paper.runs.get(r.run).map(|p| (r, p)))
        .collect();
    let unmatched: Vec<&str> = paper
        .runs
        .keys()
        .filter(|k| !runs.iter().any(|r| r.run == k.as_str()))
        .map(String::as_str)
        .collect();
    let mut s = String::new();
    if rows.is_empty() {
        if !unmatched.is_empty() {
            let _ = writeln!(
                s,
                "\n{}",
                wrap(
                    &format!(
                        "the scenario's [paper] table names runs this comparison did not make: {}",
                        unmatched.join(", ")
                    ),
                    width
                )
                .trim_end()
            );
        }
        return s;
    }
    // Ratios of the later iterations to those of the run the paper has fastest (of the runs
    // ember ran to the end), on both sides.
    let fastest = rows
        .iter()
        .filter(|(r, _)| !r.failed)
        .filter_map(|(r, p)| Some((r.later_us?, p.later_us?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(e, p)| *e > 0.0 && *p > 0.0);
    let time = |us: Option<f64>| us.map_or("-".to_string(), |u| duration(u.round() as u64));
    struct Row {
        run: String,
        cells: [String; 7],
    }
    let table: Vec<Row> = rows
        .iter()
        .map(|(r, p)| {
            let (first, later) = if r.failed {
                ("failed".to_string(), "failed".to_string())
            } else {
                (time(r.first_us.map(|u| u as f64)), time(r.later_us))
            };
            let (ratio, paper_ratio, off) = match (fastest, r.later_us, p.later_us, r.failed) {
                (Some((fe, fp)), Some(e), Some(pl), false) => {
                    let (a, b) = (e / fe, pl / fp);
                    (
                        format!("{a:.2}"),
                        format!("{b:.2}"),
                        format!("{:+.0}%", (a / b - 1.0) * 100.0),
                    )
                }
                _ => ("-".into(), "-".into(), "-".into()),
            };
            Row {
                run: r.run.to_string(),
                cells: [
                    first,
                    time(p.first_us),
                    later,
                    time(p.later_us),
                    ratio,
                    paper_ratio,
                    off,
                ],
            }
        })
        .collect();
    let heads = [
        "first it.",
        "paper",
        "later it.",
        "paper",
        "×fastest",
        "paper",
        "off",
    ];
    let mut w = [10, 10, 10, 10, 8, 6, 5];
    for row in &table {
        for (k, c) in row.cells.iter().enumerate() {
            w[k] = w[k].max(c.chars().count());
        }
    }
    let name_w = table
        .iter()
        .map(|r| r.run.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let line = |name: &str, cells: &[&str]| -> String {
        let mut l = format!("{name:<name_w$}");
        for (k, c) in cells.iter().enumerate() {
            l.push_str(&format!(" {c:>width$}", width = w[k]));
        }
        l
    };
    let _ = writeln!(
        s,
        "\n{}",
        wrap(&format!("beside the paper ({}):", paper.figure), width).trim_end()
    );
    let _ = writeln!(s, "{}", line("run", &heads));
    for row in &table {
        let cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        let _ = writeln!(s, "{}", line(&row.run, &cells));
    }
    s.push_str(&wrap(
        "×fastest: the later iterations' mean over that of the run the paper has fastest, ember's beside the paper's; off: how far ember's ratio is from the paper's",
        width,
    ));
    if !unmatched.is_empty() {
        s.push_str(&wrap(
            &format!(
                "(the paper's {} match no run of this comparison)",
                unmatched.join(", ")
            ),
            width,
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::spec::{PaperRunTable, PaperTable, VariantTable};
    use crate::units::Duration;

    fn file(runs: &[(&str, Option<f64>)]) -> ScenarioFile {
        ScenarioFile {
            variants: vec![VariantTable {
                name: "partitioned".into(),
                ..Default::default()
            }],
            paper: Some(PaperTable {
                figure: "Figure 10".into(),
                runs: runs
                    .iter()
                    .map(|(n, l)| {
                        (
                            n.to_string(),
                            PaperRunTable {
                                first: None,
                                later: l.map(Duration),
                            },
                        )
                    })
                    .collect(),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_failed_run_shows_failed_and_the_ratios_come_from_the_others() {
        let paper = Paper::of(&file(&[
            ("mapreduce", Some(171e6)),
            ("partitioned", Some(23e6)),
        ]))
        .expect("a paper table");
        let run = |run, later: f64, failed| RunTimes {
            run,
            first_us: Some(1),
            later_us: Some(later),
            failed,
        };
        let text = render(
            &[
                run("mapreduce", 240e6, false),
                run("partitioned", 60e6, true),
            ],
            &paper,
            100,
        );
        let row = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("{text}"))
                .to_string()
        };
        assert!(row("partitioned").contains("failed"), "{text}");
        // The fastest left is mapreduce itself: its ratio is 1 on both sides.
        assert!(row("mapreduce").contains("1.00"), "{text}");
        let none = render(&[run("base", 1.0, false)], &paper, 100);
        assert!(
            none.contains("did not make: mapreduce, partitioned"),
            "{none}"
        );
    }

    #[test]
    fn paper_rows_must_name_runs_the_comparison_makes() {
        assert!(validate(&file(&[
            ("mapreduce", Some(1.0)),
            ("partitioned:spark", Some(1.0))
        ]))
        .is_ok());
        let (key, msg) = validate(&file(&[("partitionned", Some(1.0))])).unwrap_err();
        assert_eq!(key, "paper.runs.partitionned");
        assert!(msg.contains("partitioned:spark"), "{msg}");
        let (key, _) = validate(&file(&[("base", None)])).unwrap_err();
        assert_eq!(key, "paper.runs.base");
    }
}

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
/// run has the paper's times).
pub fn render(runs: &[RunTimes], paper: &Paper, width: usize) -> String {
    let rows: Vec<(&RunTimes, &PaperRun)> = runs
        .iter()
        .filter_map(|r| paper.runs.get(r.run).map(|p| (r, p)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    // Ratios to the run the paper has fastest, of the later iterations, on both sides.
    let both: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|(r, p)| Some((r.later_us?, p.later_us?)))
        .collect();
    let fastest = both
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(e, p)| *e > 0.0 && *p > 0.0);
    let name_w = rows
        .iter()
        .map(|(r, _)| r.run.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n{}",
        wrap(&format!("beside the paper ({}):", paper.figure), width).trim_end()
    );
    let _ = writeln!(
        s,
        "{:<name_w$} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>5}",
        "run", "first it.", "paper", "later it.", "paper", "×fastest", "paper", "off"
    );
    let time = |us: Option<f64>| us.map_or("-".to_string(), |u| duration(u.round() as u64));
    for (r, p) in &rows {
        let ember_first = r.first_us.map(|u| u as f64);
        let (ratio, paper_ratio, off) = match (fastest, r.later_us, p.later_us) {
            (Some((fe, fp)), Some(e), Some(pl)) => {
                let (a, b) = (e / fe, pl / fp);
                let off = a / b - 1.0;
                (
                    format!("{a:.2}"),
                    format!("{b:.2}"),
                    format!("{:+.0}%", off * 100.0),
                )
            }
            _ => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            s,
            "{:<name_w$} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>5}",
            r.run,
            time(ember_first),
            time(p.first_us),
            time(r.later_us),
            time(p.later_us),
            ratio,
            paper_ratio,
            off
        );
    }
    s.push_str(&wrap(
        "×fastest: the later iterations' mean over that of the run the paper has fastest, ember's beside the paper's; off: how far ember's ratio is from the paper's",
        width,
    ));
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

//! Where an iteration's time goes, by the cost model's terms: the RDD paper's explanation of
//! Hadoop's iterations (job launch and heartbeats, reading the input, parsing it, computing,
//! shuffling, writing the output), measured on ember's virtual clock.
//!
//! An iteration's time is the driver's job launches (each job pays `job_launch` before its
//! stages are submitted) and the rest, which its tasks fill. Every task that ended within the
//! iteration is split into the cost model's terms ([`CostModel::terms`]); their sums, scaled
//! so that they fill the rest, say what the rest went on (tasks run side by side, so the
//! shares are of the work, laid over the iteration's time). On the wall clock there is no
//! model to split by, and this module says nothing. It only reads events; it does not run
//! anything.

use crate::cluster::{CostModel, CostTerms};
use crate::events::{Event, EventKind};
use serde::Serialize;

/// One iteration's time, split.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IterationBreakdown {
    pub iteration: usize,
    pub elapsed_us: u64,
    /// The terms, µs, adding up to `elapsed_us`; `launch` includes the driver's job launches.
    pub terms: CostTerms,
}

/// Each iteration of a run's `events` (one engine's), split by `cost` (the model the run used).
pub fn breakdown(events: &[Event], cost: &CostModel) -> Vec<IterationBreakdown> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for (i, e) in events.iter().enumerate() {
        let EventKind::IterationEnd {
            iteration,
            duration_us,
            ..
        } = &e.kind
        else {
            continue;
        };
        let from = e.time_us.saturating_sub(*duration_us);
        let mut tasks = CostTerms::default();
        let mut jobs = 0u64;
        for w in &events[start..i] {
            if w.time_us < from {
                continue;
            }
            match &w.kind {
                EventKind::JobStart { .. } => jobs += 1,
                EventKind::TaskEnd { metrics, .. } => tasks.add(&cost.terms(metrics)),
                _ => {}
            }
        }
        start = i + 1;
        let elapsed = *duration_us as f64;
        let driver = (jobs as f64 * cost.job_launch_us).min(elapsed);
        let rest = elapsed - driver;
        let total = tasks.total();
        let mut terms = if total > 0.0 {
            tasks.scaled(rest / total)
        } else {
            CostTerms {
                compute: rest,
                ..CostTerms::default()
            }
        };
        terms.launch += driver;
        out.push(IterationBreakdown {
            iteration: *iteration,
            elapsed_us: *duration_us,
            terms,
        });
    }
    out
}

/// The mean of the iterations after the first (or the only one), term by term.
pub fn later_mean(its: &[IterationBreakdown]) -> Option<CostTerms> {
    let later = if its.len() > 1 { &its[1..] } else { its };
    if later.is_empty() {
        return None;
    }
    let mut sum = CostTerms::default();
    later.iter().for_each(|b| sum.add(&b.terms));
    Some(sum.scaled(1.0 / later.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::TaskMetrics;

    fn ev(time_us: u64, kind: EventKind) -> Event {
        Event {
            kind,
            time_us,
            engine: None,
            inferred: false,
        }
    }

    fn task_end(metrics: TaskMetrics) -> EventKind {
        EventKind::TaskEnd {
            task: 0,
            stage: 0,
            attempt: 0,
            partition: 0,
            executor: "exec-0".into(),
            reason: crate::events::TaskEndReason::Success,
            duration_us: 0,
            metrics,
            error: None,
            blocks_read: Vec::new(),
        }
    }

    #[test]
    fn the_terms_fill_the_iteration_and_the_driver_launches_count_as_launch() {
        let cost = CostModel {
            task_launch_us: 100.0,
            job_launch_us: 1_000.0,
            record_cpu_us: 1.0,
            ..CostModel::default()
        };
        let m = TaskMetrics {
            records_processed: 300,
            records_parsed: 200,
            ..TaskMetrics::default()
        };
        let events = vec![
            ev(
                0,
                EventKind::JobStart {
                    job: 0,
                    action: "count".into(),
                    stage_ids: vec![],
                    rdds: vec![],
                    stages: vec![],
                },
            ),
            ev(1_000, task_end(m.clone())),
            ev(1_400, task_end(m)),
            ev(
                1_400,
                EventKind::IterationEnd {
                    engine: "spark".into(),
                    iteration: 1,
                    duration_us: 1_400,
                },
            ),
        ];
        let b = breakdown(&events, &cost);
        assert_eq!(b.len(), 1);
        let t = b[0].terms;
        assert!((t.total() - 1_400.0).abs() < 1e-6, "{t:?}");
        // 400 µs of task time: launch 200, parse 400, compute 200 in the tasks' ratio 2:4:2.
        assert!((t.launch - (1_000.0 + 100.0)).abs() < 1e-6, "{t:?}");
        assert!((t.parse - 200.0).abs() < 1e-6, "{t:?}");
        assert!((t.compute - 100.0).abs() < 1e-6, "{t:?}");
    }
}

//! Speculation (reference §4.6; Spark's `TaskSetManager.checkSpeculatableTasks`): which running
//! tasks of a task set are slow enough to be worth a second copy.
//!
//! Every `speculation_interval` the task scheduler asks each live task set: once
//! `max(floor(quantile × tasks), 1)` of its tasks have succeeded, a running task with one copy
//! whose runtime exceeds `max(multiplier × median successful duration, min_runtime)` becomes
//! *speculatable*. An offer that finds no regular task may then launch a copy of it, on a host
//! where it does not already run ([`TaskSetManager`](super::task_set_manager::TaskSetManager)
//! hands it out). This module keeps the durations and the candidates and decides; launching,
//! and killing the losing copy, are the task scheduler's.
//!
//! Spark 3.4+ also asks that a task be "inefficient" (`spark.speculation.efficiency.enabled`:
//! its records per second below three quarters of the finished tasks' average, unless it has
//! run twice the threshold). A driver learns a running task's progress from executor
//! heartbeats, which ember does not model, so ember speculates as Spark does with that check
//! off (and as Spark did before 3.4): on runtime alone.

use std::collections::BTreeSet;

/// `spark.speculation.*`, with Spark 4's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeculationConfig {
    /// `spark.speculation`.
    pub enabled: bool,
    /// `spark.speculation.multiplier`.
    pub multiplier: f64,
    /// `spark.speculation.quantile`.
    pub quantile: f64,
    /// `spark.speculation.interval`, µs.
    pub interval_us: u64,
    /// `spark.speculation.minTaskRuntime`, µs.
    pub min_runtime_us: u64,
}

impl Default for SpeculationConfig {
    fn default() -> Self {
        SpeculationConfig {
            enabled: false,
            multiplier: 3.0,
            quantile: 0.9,
            interval_us: 100_000,
            min_runtime_us: 100_000,
        }
    }
}

/// One task set's speculation state.
#[derive(Clone, Debug, Default)]
pub struct Speculatable {
    /// Durations of the successful tasks, µs.
    durations: Vec<u64>,
    /// Tasks marked speculatable and not yet copied, by index.
    pub candidates: BTreeSet<usize>,
}

/// A running task as the check sees it.
pub struct RunningTask {
    pub index: usize,
    pub runtime_us: u64,
    /// Copies of its task running now.
    pub copies: u32,
    pub succeeded: bool,
}

impl Speculatable {
    /// A task succeeded after `duration_us`.
    pub fn record_success(&mut self, duration_us: u64) {
        self.durations.push(duration_us);
    }

    /// The runtime past which a task is slow, once enough of the set's `tasks` have succeeded.
    pub fn threshold(&self, tasks: usize, c: &SpeculationConfig) -> Option<u64> {
        let min_finished = ((c.quantile * tasks as f64).floor() as usize).max(1);
        if self.durations.len() < min_finished {
            return None;
        }
        let mut d = self.durations.clone();
        d.sort_unstable();
        let median = d[d.len() / 2];
        Some(((c.multiplier * median as f64).round() as u64).max(c.min_runtime_us))
    }

    /// Spark's `checkSpeculatableTasks`: marks the slow running tasks of a set of `tasks`;
    /// returns the indices newly marked.
    pub fn check(
        &mut self,
        tasks: usize,
        running: impl IntoIterator<Item = RunningTask>,
        c: &SpeculationConfig,
    ) -> Vec<usize> {
        let Some(threshold) = self.threshold(tasks, c) else {
            return Vec::new();
        };
        let mut marked = Vec::new();
        for r in running {
            if r.copies == 1
                && !r.succeeded
                && r.runtime_us > threshold
                && self.candidates.insert(r.index)
            {
                marked.push(r.index);
            }
        }
        marked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_slow_past_the_multiple_of_the_median_once_the_quantile_has_finished() {
        let c = SpeculationConfig {
            enabled: true,
            ..Default::default()
        };
        let mut s = Speculatable::default();
        for d in [500_000, 500_000, 500_000, 500_000] {
            s.record_success(d);
        }
        assert_eq!(s.threshold(6, &c), None, "4 of 6 is under the 0.9 quantile");
        s.record_success(520_000);
        assert_eq!(s.threshold(6, &c), Some(1_500_000));
        let slow = |runtime_us| RunningTask {
            index: 5,
            runtime_us,
            copies: 1,
            succeeded: false,
        };
        assert!(s.check(6, [slow(1_500_000)], &c).is_empty());
        assert_eq!(s.check(6, [slow(1_500_001)], &c), vec![5]);
        assert!(s.check(6, [slow(9_000_000)], &c).is_empty(), "marked once");
    }
}

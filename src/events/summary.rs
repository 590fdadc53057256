//! The run summary: `ember run --json`'s object, and what `ember summary` prints, read off
//! the one fold over a run's events ([`AppStatus`]).
//!
//! [`RunSummary::from_status`] reads nothing but the fold (the scenario's name and seed from
//! `AppStart`, the answer and its digest from `AppEnd`), so a summary of a live run and one of
//! its replayed log are the same. What a log does not say is absent (`None`, left out of the
//! JSON), never zero: a log cut before its `AppEnd` has no status and no answer.
//! [`RunSummary::expect_keys`] is the one list of the keys an `[expect]` table may name.

use super::status::{AppStatus, JobStatus};
use super::{AppResult, Engine, Event, Locality, SkipReason, StageKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// One stage of a job, as the summary shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageSummary {
    pub stage: usize,
    /// `shuffle_map` or `result`.
    pub kind: StageKind,
    /// Parent stages (whose map outputs it reads).
    pub parents: Vec<usize>,
    /// Whether it ran in this job (`false`: skipped).
    pub ran: bool,
    /// Why it was skipped, when it was (`map_outputs_exist` or `cached`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<SkipReason>,
    pub attempts: usize,
    /// Tasks launched for it.
    pub tasks: usize,
    /// Of those, tasks that ended in failure.
    pub failed_tasks: usize,
    /// Why its last attempt failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// From its first submission to its last completion, µs.
    pub duration_us: u64,
}

/// One job, as the summary shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobSummary {
    pub job: usize,
    pub action: String,
    pub succeeded: bool,
    pub duration_us: u64,
    pub stages: Vec<StageSummary>,
}

/// One iteration of an iterative workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IterationSummary {
    pub engine: String,
    pub iteration: usize,
    pub elapsed_us: u64,
}

/// The `ember run --json` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The Apache Spark application an imported log came from (an addition to the contract's
    /// fields; absent for ember's own runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark: Option<super::SparkApp>,
    /// `succeeded`, `failed` or `stopped`; unknown for a log cut before the run ended with no
    /// job failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub elapsed_us: u64,
    pub jobs: usize,
    /// Stage attempts run.
    pub stages: usize,
    /// Stages listed by a job but not run in it.
    pub stages_skipped: usize,
    pub tasks: usize,
    pub task_failures: usize,
    pub locality: BTreeMap<String, usize>,
    pub blocks_stored: usize,
    pub blocks_evicted: usize,
    /// Blocks a persisted RDD could not store anywhere its level allows (an addition to the
    /// contract's fields).
    pub blocks_not_stored: usize,
    pub partitions_recomputed: usize,
    pub faults_injected: usize,
    /// The faults of the plan whose trigger never came, as `fault[i]`.
    pub faults_not_injected: Vec<String>,
    /// Per job (in order), the ids of the stages it ran.
    pub stages_run_by_job: Vec<Vec<usize>>,
    /// Per job (in order), the ids of the stages it listed and did not run.
    pub stages_skipped_by_job: Vec<Vec<usize>>,
    pub iterations: Vec<IterationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_digest: Option<String>,
    /// Why the run failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per job, its stages run and skipped (an addition to the contract's fields).
    pub job_details: Vec<JobSummary>,
    /// In a run of both engines, each engine's summary by its name (the figures above are the
    /// Spark-style engine's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engines: Option<BTreeMap<String, RunSummary>>,
}

/// Folds a log that may hold the runs of two engines (CONTRACTS §3): events without an
/// `engine` into one status, each engine's into its own.
#[derive(Default)]
pub struct EngineFold {
    plain: AppStatus,
    engines: BTreeMap<Engine, AppStatus>,
}

impl EngineFold {
    /// Folds one event.
    pub fn apply(&mut self, e: &Event) {
        let engine = e.run_engine(!self.engines.is_empty());
        match engine {
            None => self.plain.apply(e),
            Some(engine) => self.engines.entry(engine).or_default().apply(e),
        }
    }

    /// The status the summary's top-level figures come from: the Spark-style engine's in a
    /// log of two engines.
    pub fn main(&self) -> &AppStatus {
        self.engines
            .get(&Engine::Spark)
            .or_else(|| self.engines.values().next())
            .unwrap_or(&self.plain)
    }

    /// The summary: the main status's, with each engine's when there are engines.
    pub fn summary(&self) -> RunSummary {
        let mut top = RunSummary::from_status(self.main());
        if !self.engines.is_empty() {
            top.engines = Some(
                self.engines
                    .iter()
                    .map(|(e, s)| (e.name().to_string(), RunSummary::from_status(s)))
                    .collect(),
            );
        }
        top
    }
}

/// The locality levels `run --json` counts (no preference is counted as `PROCESS_LOCAL`).
const LEVELS: [Locality; 4] = [
    Locality::ProcessLocal,
    Locality::NodeLocal,
    Locality::RackLocal,
    Locality::Any,
];

impl RunSummary {
    /// Folds a run's events.
    pub fn from_events(events: &[Event]) -> RunSummary {
        let mut fold = EngineFold::default();
        events.iter().for_each(|e| fold.apply(e));
        fold.summary()
    }

    /// The summary of what `s` has folded.
    pub fn from_status(s: &AppStatus) -> RunSummary {
        let mut job_details = Vec::with_capacity(s.jobs.len());
        let mut stages_skipped = 0;
        for j in &s.jobs {
            let ended = j.end_us.is_some();
            let stages: Vec<StageSummary> = j
                .stages
                .iter()
                .filter_map(|id| s.stages.get(id))
                .map(|st| {
                    let ran = s.submitted_in(j, st.info.stage);
                    let failed_last = st
                        .attempts
                        .last()
                        .and_then(|a| a.end.as_ref())
                        .filter(|e| e.1 == super::Outcome::Failed);
                    StageSummary {
                        stage: st.info.stage,
                        kind: st.info.kind,
                        parents: st.info.parents.clone(),
                        ran,
                        skipped: if ran {
                            None
                        } else {
                            j.skipped.get(&st.info.stage).copied()
                        },
                        attempts: st.attempts.len(),
                        tasks: st.launched,
                        failed_tasks: st.failed_total,
                        error: failed_last.and_then(|e| e.2.clone()),
                        duration_us: st.duration_us().unwrap_or(0),
                    }
                })
                .collect();
            if ended {
                stages_skipped += stages.iter().filter(|st| !st.ran).count();
            }
            job_details.push(JobSummary {
                job: j.job,
                action: j.action.clone(),
                succeeded: j.status == JobStatus::Succeeded,
                duration_us: j.end_us.map_or(0, |e| e.saturating_sub(j.start_us)),
                stages,
            });
        }
        let ids = |j: &JobSummary, ran: bool| -> Vec<usize> {
            j.stages
                .iter()
                .filter(|st| st.ran == ran)
                .map(|st| st.stage)
                .collect()
        };
        let end = s.end.as_ref();
        let status = if s.failed() {
            Some("failed")
        } else {
            end.map(|e| e.result.name())
        };
        RunSummary {
            scenario: s.app.clone(),
            clock: s.clock.clone(),
            seed: s.seed,
            spark: s.spark.clone(),
            status: status.map(str::to_string),
            elapsed_us: s.time_us,
            jobs: s.jobs.len(),
            stages: s.stages.values().map(|st| st.attempts.len()).sum(),
            stages_skipped,
            tasks: s.tasks_ended,
            task_failures: s.task_failures,
            locality: LEVELS
                .iter()
                .map(|l| (l.name().to_string(), s.launched_at(*l)))
                .collect(),
            blocks_stored: s.blocks_stored,
            blocks_evicted: s.blocks_evicted,
            blocks_not_stored: s.blocks_not_stored,
            partitions_recomputed: s.partitions_recomputed,
            faults_injected: s.faults_injected,
            faults_not_injected: end
                .map(|e| e.faults_not_injected.clone())
                .unwrap_or_default(),
            stages_run_by_job: job_details.iter().map(|j| ids(j, true)).collect(),
            stages_skipped_by_job: job_details.iter().map(|j| ids(j, false)).collect(),
            iterations: s
                .iterations
                .iter()
                .map(|i| IterationSummary {
                    engine: i.engine.clone(),
                    iteration: i.iteration,
                    elapsed_us: i.duration_us,
                })
                .collect(),
            // An imported Spark application has no answer (its digest is empty).
            result: end
                .filter(|e| e.result != AppResult::Failed && !e.result_digest.is_empty())
                .map(|e| e.answer.clone()),
            result_digest: end
                .filter(|e| e.result != AppResult::Failed && !e.result_digest.is_empty())
                .map(|e| e.result_digest.clone()),
            error: end
                .and_then(|e| e.error.clone())
                .or_else(|| s.job_error.clone()),
            job_details,
            engines: None,
        }
    }

    /// The summary's value at `key` (a top-level key, or `locality.<LEVEL>`), as JSON: what an
    /// `[expect]` table compares with (numbers, strings, and the per-job arrays of stage ids).
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        let v = serde_json::to_value(self).ok()?;
        let mut cur = &v;
        for part in key.split('.') {
            cur = cur.get(part)?;
        }
        match cur {
            serde_json::Value::Number(_)
            | serde_json::Value::String(_)
            | serde_json::Value::Bool(_)
            | serde_json::Value::Array(_) => Some(cur.clone()),
            _ => None,
        }
    }

    /// The keys an `[expect]` table may name: every number and string of the object (but the
    /// error's text), each locality count as `locality.<LEVEL>`, and the per-job lists of
    /// stage ids. Read off the object itself, so the list cannot drift from it (once, on the
    /// first call: `check` asks for every key of every `[expect]`).
    pub fn expect_keys() -> &'static [String] {
        static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        KEYS.get_or_init(RunSummary::read_expect_keys)
    }

    fn read_expect_keys() -> Vec<String> {
        let mut full = RunSummary::from_status(&AppStatus::default());
        full.scenario = Some(String::new());
        full.clock = Some(String::new());
        full.seed = Some(0);
        full.status = Some(String::new());
        full.result = Some(String::new());
        full.result_digest = Some(String::new());
        let Ok(serde_json::Value::Object(o)) = serde_json::to_value(&full) else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        for (k, v) in &o {
            match v {
                serde_json::Value::Object(levels) => {
                    keys.extend(levels.keys().map(|l| format!("{k}.{l}")))
                }
                serde_json::Value::Array(_)
                    if !matches!(k.as_str(), "stages_run_by_job" | "stages_skipped_by_job") => {}
                _ => keys.push(k.clone()),
            }
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expect_keys_are_the_summarys_own_scalars_and_stage_lists() {
        let keys = RunSummary::expect_keys();
        for k in [
            "jobs",
            "stages",
            "locality.NODE_LOCAL",
            "result_digest",
            "stages_run_by_job",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} in {keys:?}");
        }
        for k in ["iterations", "job_details", "locality"] {
            assert!(
                !keys.iter().any(|x| x == k),
                "{k} is not a scalar: {keys:?}"
            );
        }
    }

    #[test]
    fn what_a_log_does_not_say_is_absent_not_zero() {
        let s = RunSummary::from_events(&[]);
        let v = serde_json::to_value(&s).expect("json");
        for k in [
            "scenario",
            "clock",
            "seed",
            "status",
            "result",
            "result_digest",
        ] {
            assert!(v.get(k).is_none(), "{k} is absent: {v}");
        }
    }
}

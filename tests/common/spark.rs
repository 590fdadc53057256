//! Real Spark's facts (`tests/fixtures/spark/*.facts.json`) and the comparison of ember's jobs
//! with them.

use super::JobFacts;
use serde_json::Value;
use std::path::PathBuf;

/// The facts of fixture `name`.
pub fn facts(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spark")
        .join(format!("{name}.facts.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("facts parse")
}

/// A JSON array of ids.
pub fn ids(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("id") as usize)
        .collect()
}

/// Asserts that ember's jobs are Spark's: results, stages listed, run and skipped, stage
/// attempts with their task counts, and task ends per job.
pub fn check_against(spark: &Value, ours: &[JobFacts]) {
    check_against_within(spark, ours, 0);
}

/// As [`check_against`], with each job's task ends within `slack` of Spark's (a fault's
/// timing decides how many tasks launch before a stage attempt fails).
pub fn check_against_within(spark: &Value, ours: &[JobFacts], slack: u64) {
    let jobs = spark["job_details"].as_array().expect("jobs");
    assert_eq!(ours.len(), jobs.len(), "number of jobs");
    for (o, s) in ours.iter().zip(jobs) {
        assert_eq!(
            o.succeeded,
            s["result"] == "JobSucceeded",
            "job {} result",
            o.job
        );
        assert_eq!(
            o.stages_listed,
            ids(&s["stage_ids"]),
            "job {} stages listed",
            o.job
        );
        assert_eq!(
            o.stages_submitted,
            ids(&s["stages_submitted"]),
            "job {} stages run",
            o.job
        );
        assert_eq!(
            o.stages_skipped,
            ids(&s["stages_skipped"]),
            "job {} stages skipped",
            o.job
        );
        let attempts: Vec<(usize, usize, usize)> = s["stage_attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .map(|a| {
                (
                    a["stage_id"].as_u64().unwrap_or(0) as usize,
                    a["attempt"].as_u64().unwrap_or(0) as usize,
                    a["tasks"].as_u64().unwrap_or(0) as usize,
                )
            })
            .collect();
        assert_eq!(
            o.attempts, attempts,
            "job {} stage attempts and task counts",
            o.job
        );
        let theirs = s["tasks"].as_u64().unwrap_or(0);
        assert!(
            (o.tasks as u64).abs_diff(theirs) <= slack,
            "job {} task ends: ember {}, Spark {theirs}",
            o.job,
            o.tasks
        );
    }
}

/// A facts file's task ends by Spark's reason, as ember's reason names
/// (`ExecutorLostFailure` is `executor_lost`; a reason ember has no name for is `exception`).
pub fn spark_task_ends(f: &Value) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for (k, v) in f["tasks_by_end_reason"].as_object().expect("reasons") {
        let r = match k.as_str() {
            "Success" => "success",
            "ExecutorLostFailure" => "executor_lost",
            "FetchFailed" => "fetch_failed",
            "TaskKilled" => "killed",
            "Resubmitted" => "resubmitted",
            _ => "exception",
        };
        *m.entry(r.to_string()).or_insert(0) += v.as_u64().unwrap_or(0) as usize;
    }
    m
}

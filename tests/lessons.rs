//! The bundled lessons teach what they say: their runs show the behaviour their descriptions
//! name, and the scenarios made from Apache Spark's fixture programs list, run and skip the
//! stages Spark's own event logs record.

use ember::events::{EventKind, StageInfo};
use ember::scenario::{load, run, Overrides, RunOptions};
use serde_json::Value;
use std::path::PathBuf;

fn events(name: &str) -> Vec<ember::events::Event> {
    let sc = load(name, &Overrides::default()).expect("bundled");
    run(&sc, RunOptions::default()).expect("run").events
}

#[test]
fn narrow_vs_wide_pipelines_its_flat_map_filter_and_map_into_one_stage() {
    let events = events("narrow-vs-wide");
    let mut ops = std::collections::BTreeMap::new();
    let mut stages: Vec<StageInfo> = Vec::new();
    for e in &events {
        if let EventKind::JobStart {
            rdds, stages: s, ..
        } = &e.kind
        {
            for r in rdds {
                ops.insert(r.rdd, r.op.clone());
            }
            stages.extend(s.iter().cloned());
        }
    }
    let map_stage = stages
        .iter()
        .find(|s| s.kind == ember::events::StageKind::ShuffleMap)
        .expect("a map stage");
    let pipelined: Vec<&str> = map_stage.rdds.iter().map(|r| ops[r].as_str()).collect();
    for op in ["text_file", "flat_map", "filter", "map"] {
        assert!(
            pipelined.contains(&op),
            "{op} runs in stage 0: {pipelined:?}"
        );
    }
    let result = stages
        .iter()
        .find(|s| s.kind == ember::events::StageKind::Result)
        .expect("a result stage");
    let after: Vec<&str> = result.rdds.iter().map(|r| ops[r].as_str()).collect();
    assert_eq!(after, vec!["reduce_by_key"], "the shuffle starts stage 1");
}

#[test]
fn execution_memory_evicts_a_cached_block_and_the_partition_is_computed_again() {
    let events = events("execution-memory");
    let evicted: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BlockEvicted {
                block, for_block, ..
            } => Some((block.as_str(), for_block.as_str())),
            _ => None,
        })
        .collect();
    assert!(!evicted.is_empty(), "a block is evicted");
    assert!(
        evicted
            .iter()
            .all(|(_, why)| why.ends_with("'s execution memory")),
        "for a task's execution memory: {evicted:?}"
    );
    let recomputed = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::PartitionRecomputed { reason, .. } if *reason == ember::events::RecomputeReason::Evicted))
        .count();
    assert_eq!(
        recomputed,
        evicted.len(),
        "each evicted partition is computed again"
    );
}

/// Per job, the stages Spark submitted and skipped, from a fixture's facts.
fn spark_stages(fixture: &str) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spark")
        .join(format!("{fixture}.facts.json"));
    let facts: Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("facts")).expect("json");
    let ids = |j: &Value, k: &str| -> Vec<u64> {
        j[k].as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_u64().expect("id"))
            .collect()
    };
    let jobs = facts["job_details"].as_array().expect("jobs");
    (
        jobs.iter().map(|j| ids(j, "stages_submitted")).collect(),
        jobs.iter().map(|j| ids(j, "stages_skipped")).collect(),
    )
}

#[test]
fn the_spark_fixture_scenarios_run_and_skip_the_stages_spark_logged() {
    for (scenario, fixture) in [
        ("spark-dag-twice", "dag-twice"),
        ("spark-cache-rbk-join", "cache-rbk-join"),
    ] {
        let (run_by_job, skipped_by_job) = spark_stages(fixture);
        let sc = load(scenario, &Overrides::default()).expect("bundled");
        let s = run(&sc, RunOptions::default()).expect("run").summary;
        let as_u64 = |v: &Vec<Vec<usize>>| -> Vec<Vec<u64>> {
            v.iter()
                .map(|j| j.iter().map(|x| *x as u64).collect())
                .collect()
        };
        assert_eq!(as_u64(&s.stages_run_by_job), run_by_job, "{scenario}");
        assert_eq!(
            as_u64(&s.stages_skipped_by_job),
            skipped_by_job,
            "{scenario}"
        );
        // And the scenario's own [expect] says the same, for `ember check --run` to show.
        let want = |k: &str| sc.expect.get(k).map(|v| v.to_string());
        let spark = |v: &Vec<Vec<u64>>| toml::Value::try_from(v.clone()).expect("toml").to_string();
        assert_eq!(
            want("stages_run_by_job"),
            Some(spark(&run_by_job)),
            "{scenario}"
        );
        assert_eq!(
            want("stages_skipped_by_job"),
            Some(spark(&skipped_by_job)),
            "{scenario}"
        );
    }
}

//! Apache Spark's own event logs imported (tests/fixtures/spark: real Spark 4.3 logs, plain,
//! rolling, and compressed with zstd, lz4 and snappy): each log's summary and events must say
//! what its facts file says (jobs, stages run and skipped, stage attempts with their tasks,
//! task ends by reason, speculative tasks, executors, block updates per RDD).

mod common;

use common::spark::{check_against, ids, spark_task_ends};
use common::{job_facts, task_ends};
use ember::events::summary::RunSummary;
use ember::events::{BlockStore, Event, EventKind};
use ember::sparklog::{read_log, LogFormat};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spark")
        .join(rel)
}

fn facts_of(rel: &str) -> Value {
    let p = fixture(&format!(
        "{}.facts.json",
        rel.strip_suffix(".json").unwrap_or(rel)
    ));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("facts parse")
}

/// Every fixture log, by its path under tests/fixtures/spark.
const LOGS: [&str; 11] = [
    "cache-rbk-join.json",
    "dag-twice.json",
    "executor-lost.json",
    "fetch-failed.json",
    "memory-pressure.json",
    "speculation.json",
    "task-retry-and-abort.json",
    "rolling/eventlog_v2_local-1795431384355",
    "compressed/local-1795431396505.zstd",
    "compressed/cache-rbk-join.lz4",
    "compressed/cache-rbk-join.snappy",
];

fn import(rel: &str) -> Vec<Event> {
    let (read, events) = read_log(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(read.format, LogFormat::Spark, "{rel}");
    assert!(!read.parsed.cut_short, "{rel} is whole");
    events
}

/// Block updates per RDD as facts.py counts them: `rdd_R:memory_stored`, `:disk_stored`,
/// `:removed`.
fn block_updates(events: &[Event]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for e in events {
        let (block, what) = match &e.kind {
            EventKind::BlockStored { block, storage, .. } => (
                block,
                match storage {
                    BlockStore::Memory => "memory_stored",
                    BlockStore::Disk => "disk_stored",
                },
            ),
            EventKind::BlockEvicted { block, to_disk, .. } => {
                (block, if *to_disk { "disk_stored" } else { "removed" })
            }
            EventKind::BlockRemoved { block, reason, .. } if reason != "unpersist" => {
                (block, "removed")
            }
            _ => continue,
        };
        let rdd = block.rsplit_once('_').map_or(block.as_str(), |(r, _)| r);
        *m.entry(format!("{rdd}:{what}")).or_insert(0) += 1;
    }
    m
}

#[test]
fn every_spark_fixture_imports_to_its_facts() {
    for rel in LOGS {
        let events = import(rel);
        let f = facts_of(rel);
        // Jobs, stages listed, run and skipped, attempts with their task counts, task ends.
        check_against(&f, &job_facts(&events));
        assert_eq!(task_ends(&events), spark_task_ends(&f), "{rel}: task ends");
        let s = RunSummary::from_events(&events);
        assert_eq!(s.jobs as u64, f["jobs"].as_u64().expect("jobs"), "{rel}");
        assert_eq!(s.tasks as u64, f["tasks"].as_u64().expect("tasks"), "{rel}");
        assert_eq!(
            s.stages as u64,
            f["stage_attempts_run"].as_u64().expect("attempts"),
            "{rel}: stage attempts"
        );
        assert_eq!(
            s.stages_skipped as u64,
            f["stages_skipped_total"].as_u64().expect("skipped"),
            "{rel}: stages skipped"
        );
        let jobs = f["job_details"].as_array().expect("jobs");
        let skipped: Vec<Vec<usize>> = jobs.iter().map(|j| ids(&j["stages_skipped"])).collect();
        assert_eq!(s.stages_skipped_by_job, skipped, "{rel}");
        // Block updates of RDD blocks, per RDD and kind (broadcast pieces are skipped).
        let theirs: BTreeMap<String, u64> = f["block_updates_by_rdd"]
            .as_object()
            .expect("blocks")
            .iter()
            .filter(|(k, _)| k.starts_with("rdd_"))
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
            .collect();
        assert_eq!(
            block_updates(&events),
            theirs,
            "{rel}: block updates per RDD"
        );
        // Speculative copies, executors as the log names them.
        let speculative = events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::TaskStart {
                        speculative: true,
                        ..
                    }
                )
            })
            .count() as u64;
        assert_eq!(
            speculative,
            f["speculative_tasks"].as_u64().unwrap_or(0),
            "{rel}"
        );
        let added: Vec<(String, String, u32)> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ExecutorAdded {
                    executor,
                    host,
                    cores,
                    ..
                } => Some((executor.clone(), host.clone(), *cores)),
                _ => None,
            })
            .collect();
        let theirs: Vec<(String, String, u32)> = f["executors_added"]
            .as_array()
            .expect("executors")
            .iter()
            .map(|x| {
                (
                    x["executor_id"].as_str().unwrap_or("").to_string(),
                    x["host"].as_str().unwrap_or("").to_string(),
                    x["cores"].as_u64().unwrap_or(0) as u32,
                )
            })
            .collect();
        assert_eq!(added, theirs, "{rel}: executors added");
        let removed = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::ExecutorRemoved { .. }))
            .count();
        assert_eq!(
            removed,
            f["executors_removed"].as_array().map_or(0, |a| a.len()),
            "{rel}: executors removed"
        );
    }
}

#[test]
fn a_spark_log_cut_mid_line_still_imports_up_to_its_last_whole_line() {
    let text = std::fs::read_to_string(fixture("dag-twice.json")).expect("fixture");
    let cut = &text[..text.len() * 2 / 3];
    let dir = std::env::temp_dir().join(format!("ember-spark-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("local-1795431139973.inprogress");
    std::fs::write(&path, cut).expect("write");
    let (read, events) = read_log(&path).expect("a log cut short still imports");
    assert!(read.parsed.cut_short);
    let s = RunSummary::from_events(&events);
    assert!(s.jobs >= 1 && s.tasks > 0, "{s:?}");
    assert!(s.status.is_none(), "a log cut before its end has no status");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn inferred_events_say_so_and_recorded_ones_do_not() {
    let events = import("dag-twice.json");
    let skips: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::StageSkipped { .. }))
        .collect();
    assert_eq!(skips.len(), 5);
    assert!(skips.iter().all(|e| e.inferred));
    assert!(events
        .iter()
        .filter(|e| matches!(
            e.kind,
            EventKind::TaskEnd { .. } | EventKind::JobStart { .. }
        ))
        .all(|e| !e.inferred));
    let line = ember::events::log::to_json_line(skips[0]);
    assert!(line.contains("\"inferred\":true"), "{line}");
}

#[test]
fn a_lost_executor_makes_its_cached_partitions_recomputed_and_its_map_outputs_lost() {
    let events = import("executor-lost.json");
    let recomputed: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionRecomputed { rdd, partition, .. } => Some((*rdd, *partition)),
            _ => None,
        })
        .collect();
    assert_eq!(recomputed, vec![(1, 2), (1, 5)]);
    let events = import("fetch-failed.json");
    let lost: Vec<(usize, Vec<usize>)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MapOutputsLost { shuffle, maps, .. } => Some((*shuffle, maps.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(lost, vec![(0, vec![2, 3])]);
}

/// Writes `lines` as a log named `name` in a fresh folder; returns its path.
fn scratch_log(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ember-spark-bad-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// The fixture's lines, each changed by `edit` (a line it returns `None` for is dropped).
fn edited(
    rel: &str,
    mut edit: impl FnMut(serde_json::Value) -> Option<serde_json::Value>,
) -> String {
    let text = std::fs::read_to_string(fixture(rel)).expect("fixture");
    text.lines()
        .filter_map(|l| edit(serde_json::from_str(l).expect("a Spark line")))
        .map(|v| format!("{v}\n"))
        .collect()
}

#[test]
fn a_failed_jobs_unsubmitted_stages_are_not_said_to_be_skipped() {
    // cache-rbk-join with job 2 failing in stage 3, before its result stage 4 was submitted.
    let text = edited("cache-rbk-join.json", |mut v| {
        let event = v["Event"].as_str().unwrap_or("").to_string();
        let stage = v["Stage Info"]["Stage ID"].as_u64();
        match event.as_str() {
            "SparkListenerStageSubmitted" if stage == Some(4) => return None,
            "SparkListenerTaskStart" | "SparkListenerTaskEnd" if v["Stage ID"] == 4 => return None,
            "SparkListenerStageCompleted" if stage == Some(4) => return None,
            "SparkListenerStageCompleted" if stage == Some(3) => {
                v["Stage Info"]["Failure Reason"] = "lost".into();
            }
            "SparkListenerJobEnd" if v["Job ID"] == 2 => {
                v["Job Result"] = serde_json::json!({"Result": "JobFailed", "Exception": {"Message": "stage 3 failed"}});
            }
            _ => {}
        }
        Some(v)
    });
    let path = scratch_log("failed-job.json", &text);
    let (_, events) = read_log(&path).expect("reads");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StageSkipped { job: 2, .. })),
        "a failed job skipped nothing"
    );
    let s = RunSummary::from_events(&events);
    assert_eq!(s.status.as_deref(), Some("failed"));
}

#[test]
fn a_cached_rdd_downstream_hides_its_ancestors_from_recomputation() {
    // memory-pressure: rdd_6 (MEMORY_AND_DISK) is cached in full in job 5, so its tasks do not
    // touch rdd_1, evicted or not: only jobs 1 to 4 recompute rdd_1's partitions.
    let events = import("memory-pressure.json");
    let recomputed_in_last_job = events
        .iter()
        .skip_while(|e| !matches!(e.kind, EventKind::JobStart { job: 5, .. }))
        .filter(|e| matches!(e.kind, EventKind::PartitionRecomputed { rdd: 1, .. }))
        .count();
    assert_eq!(recomputed_in_last_job, 0);
    assert!(events
        .iter()
        .any(|e| matches!(e.kind, EventKind::PartitionRecomputed { rdd: 1, .. })));
}

#[test]
fn damaged_logs_are_refused_or_cut_never_a_hang_or_a_crash() {
    // A stage claiming 10^12 tasks: that line is malformed, the rest imports.
    let text = edited("dag-twice.json", |mut v| {
        if v["Event"] == "SparkListenerStageSubmitted" && v["Stage Info"]["Stage ID"] == 10 {
            v["Stage Info"]["Number of Tasks"] = 1_000_000_000_000u64.into();
        }
        Some(v)
    });
    let (read, events) = read_log(&scratch_log("huge.json", &text)).expect("reads");
    assert!(
        read.parsed
            .skipped
            .iter()
            .any(|s| s.why.contains("10000000")),
        "{:?}",
        read.parsed.skipped
    );
    assert!(!events.is_empty());
    // An RDD naming itself as its parent: the lineage stays a tree.
    let text = edited("dag-twice.json", |mut v| {
        if v["Event"] == "SparkListenerJobStart" {
            if let Some(stages) = v["Stage Infos"].as_array_mut() {
                for s in stages {
                    if let Some(rdds) = s["RDD Info"].as_array_mut() {
                        for r in rdds {
                            let id = r["RDD ID"].clone();
                            r["Parent IDs"] = serde_json::json!([id]);
                        }
                    }
                }
            }
        }
        Some(v)
    });
    let path = scratch_log("cycle.json", &text);
    let s = ember::scenario::report::summarize_log(&path).expect("summarises");
    assert!(!s.lineage.is_empty());
    // A job without its id is malformed, not job 0.
    let text = edited("dag-twice.json", |mut v| {
        if v["Event"] == "SparkListenerJobStart" {
            v.as_object_mut().map(|o| o.remove("Job ID"));
        }
        Some(v)
    });
    let (read, _) = read_log(&scratch_log("noid.json", &text)).expect("reads");
    assert!(read
        .parsed
        .skipped
        .iter()
        .any(|s| s.what.contains("malformed SparkListenerJobStart")));
    // A snappy stream declaring a 4 GiB block, an lzf log: errors, not aborts.
    let mut bomb = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01".to_vec();
    bomb.extend_from_slice(&[0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    let dir = std::env::temp_dir().join(format!("ember-spark-bomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("bomb.snappy"), &bomb).expect("write");
    assert!(read_log(&dir.join("bomb.snappy")).is_err());
    std::fs::write(dir.join("app.lzf"), b"whatever").expect("write");
    let e = read_log(&dir.join("app.lzf"))
        .expect_err("lzf is not read")
        .to_string();
    assert!(e.contains("lzf"), "{e}");
}

#[test]
fn a_compressed_log_cut_mid_stream_replays_up_to_the_cut() {
    let bytes = std::fs::read(fixture("compressed/local-1795431396505.zstd")).expect("fixture");
    // Cut inside the frame's third block: the two before it decode (256 KiB of text).
    let cut = &bytes[..bytes.len() * 95 / 100];
    let dir = std::env::temp_dir().join(format!("ember-spark-zcut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("local-1795431396505.zstd.inprogress");
    std::fs::write(&path, cut).expect("write");
    let (read, events) = read_log(&path).expect("a cut stream still imports");
    assert!(read.parsed.cut_short);
    assert!(events
        .iter()
        .any(|e| matches!(e.kind, EventKind::TaskEnd { .. })));
}

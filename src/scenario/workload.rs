//! `[workload]`: which keys each kind takes, their ranges, and the [`Workload`] a table
//! describes (a pipeline's tables are [`super::pipeline`]'s). Part of reading a scenario
//! ([`super::validate`]); it runs nothing.

use super::bounds::{at_least, at_most, KeyError, MAX_RECORDS};
use super::spec::WorkloadTable;
use crate::storage::StorageLevel;
use crate::workloads::call_records::CallRecordsParams;
use crate::workloads::datasets::Placement;
use crate::workloads::kmeans::KMeansParams;
use crate::workloads::logistic_regression::LrParams;
use crate::workloads::pagerank::PageRankParams;
use crate::workloads::wordcount::WordCountParams;
use crate::workloads::{Common, Workload};

fn level(key: &str, name: &Option<String>) -> Result<StorageLevel, KeyError> {
    match name.as_deref() {
        None => Ok(StorageLevel::MEMORY_ONLY),
        Some(n) => StorageLevel::from_name(n)
            .ok_or_else(|| (key.to_string(), super::messages::unknown_level(n))),
    }
}

/// The kinds, and the keys of `[workload]` each may use besides kind and engine.
const KIND_KEYS: &[(&str, &[&str])] = &[
    (
        "logistic_regression",
        &["iterations", "partitions", "persist", "points", "dims"],
    ),
    (
        "kmeans",
        &[
            "iterations",
            "partitions",
            "persist",
            "points",
            "dims",
            "clusters",
        ],
    ),
    (
        "pagerank",
        &[
            "iterations",
            "partitions",
            "persist",
            "vertices",
            "degree",
            "partition_by",
            "checkpoint_every",
        ],
    ),
    (
        "wordcount",
        &["partitions", "lines", "words_per_line", "vocabulary"],
    ),
    (
        "call_records_top_k",
        &["partitions", "persist", "records", "users", "plan", "top_k"],
    ),
    ("pipeline", &["partitions", "dataset", "rdd", "action"]),
    ("replay", &["log"]),
];

fn keys_set(w: &WorkloadTable) -> Vec<&'static str> {
    let mut v = Vec::new();
    macro_rules! check {
        ($($f:ident),*) => { $( if w.$f.is_some() { v.push(stringify!($f)); } )* };
    }
    check!(
        iterations,
        partitions,
        persist,
        points,
        dims,
        clusters,
        vertices,
        degree,
        partition_by,
        checkpoint_every,
        lines,
        words_per_line,
        vocabulary,
        records,
        users,
        plan,
        top_k,
        log
    );
    if !w.dataset.is_empty() {
        v.push("dataset");
    }
    if !w.rdd.is_empty() {
        v.push("rdd");
    }
    if !w.action.is_empty() {
        v.push("action");
    }
    v
}

/// `[workload]`: the kind and its keys, checked into the workload it runs.
pub(super) fn workload(w: &WorkloadTable, seed: u64) -> Result<Workload, KeyError> {
    let Some((_, allowed)) = KIND_KEYS.iter().find(|(k, _)| *k == w.kind) else {
        let kinds: Vec<&str> = KIND_KEYS.iter().map(|(k, _)| *k).collect();
        return Err((
            "workload.kind".into(),
            format!(
                "unknown workload kind {:?}; the kinds are {}",
                w.kind,
                kinds.join(", ")
            ),
        ));
    };
    for k in keys_set(w) {
        if !allowed.contains(&k) {
            return Err((
                format!("workload.{k}"),
                format!(
                    "{k} does not apply to kind {:?} (its keys: {})",
                    w.kind,
                    allowed.join(", ")
                ),
            ));
        }
    }
    at_least("workload.iterations", w.iterations, 1)?;
    at_most("workload.iterations", w.iterations, 10_000)?;
    at_least("workload.partitions", w.partitions, 1)?;
    at_most("workload.partitions", w.partitions, 100_000)?;
    for (key, v, min) in [
        ("workload.points", w.points, 1),
        ("workload.dims", w.dims, 1),
        ("workload.clusters", w.clusters, 1),
        ("workload.vertices", w.vertices, 2),
        ("workload.degree", w.degree, 1),
        ("workload.lines", w.lines, 1),
        ("workload.words_per_line", w.words_per_line, 1),
        ("workload.vocabulary", w.vocabulary, 1),
        ("workload.records", w.records, 1),
        ("workload.users", w.users, 2),
        ("workload.top_k", w.top_k, 1),
        ("workload.checkpoint_every", w.checkpoint_every, 1),
    ] {
        at_least(key, v, min)?;
        at_most(key, v, MAX_RECORDS)?;
    }
    at_most("workload.dims", w.dims, 10_000)?;
    if let (Some(k), Some(n)) = (w.clusters, w.points) {
        if k > n {
            return Err((
                "workload.clusters".into(),
                format!("{k} clusters need at least {k} points, not {n}"),
            ));
        }
    }
    let persist = match w.persist.as_deref() {
        Some("NONE") => StorageLevel::NONE,
        _ => level("workload.persist", &w.persist)?,
    };
    let defaults = Common::default();
    let common = Common {
        iterations: w.iterations.map_or(defaults.iterations, |x| x as usize),
        partitions: w.partitions.map_or(defaults.partitions, |x| x as usize),
        persist,
        seed,
        placement: Placement {
            writer: w.writer.clone(),
            replication: w.replication.map(|r| r as usize),
        },
    };
    let n = |v: Option<u64>, d: usize| v.map_or(d, |x| x as usize);
    Ok(match w.kind.as_str() {
        "logistic_regression" => {
            let d = LrParams::default();
            Workload::LogisticRegression(LrParams {
                points: n(w.points, d.points),
                dims: n(w.dims, d.dims),
                common,
            })
        }
        "kmeans" => {
            let d = KMeansParams::default();
            Workload::KMeans(KMeansParams {
                points: n(w.points, d.points),
                dims: n(w.dims, d.dims),
                clusters: n(w.clusters, d.clusters),
                common,
            })
        }
        "pagerank" => {
            let d = PageRankParams::default();
            Workload::PageRank(PageRankParams {
                vertices: n(w.vertices, d.vertices),
                degree: n(w.degree, d.degree),
                partition_by: w.partition_by.unwrap_or(false),
                checkpoint_every: w.checkpoint_every.map(|x| x as usize),
                common,
            })
        }
        "wordcount" => {
            let d = WordCountParams::default();
            Workload::WordCount(WordCountParams {
                lines: n(w.lines, d.lines),
                words_per_line: n(w.words_per_line, d.words_per_line),
                vocabulary: n(w.vocabulary, d.vocabulary),
                common,
            })
        }
        "call_records_top_k" => {
            let d = CallRecordsParams::default();
            Workload::CallRecordsTopK(CallRecordsParams {
                records: n(w.records, d.records),
                users: n(w.users, d.users),
                plan: w.plan.clone().unwrap_or(d.plan),
                top_k: n(w.top_k, d.top_k),
                common,
            })
        }
        "replay" => Workload::Replay(super::replay::read(w.log.as_deref())?),
        _ => Workload::Pipeline(super::pipeline::read_pipeline(w, seed)?),
    })
}

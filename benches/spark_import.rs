//! Importing Apache Spark's event logs: `ember summary`'s path (read, import, fold) over a
//! 100 MB Spark log, made by repeating the jobs of a real one (tests/fixtures/spark/dag-twice.json)
//! with fresh job, stage and task ids and later times, so that every line is one Spark wrote.
//!
//! The log is written once to `target/spark-100mb.json` (kept for `/usr/bin/time -v ember
//! summary target/spark-100mb.json`, which measures peak memory). Throughput is in bytes of log.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

const TARGET_BYTES: u64 = 100 * 1024 * 1024;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark/dag-twice.json")
}

fn shift(v: &mut Value, key: &str, by: u64) {
    if let Some(n) = v.get(key).and_then(Value::as_u64) {
        v[key] = Value::from(n + by);
    }
}

fn shift_all(v: &mut Value, key: &str, by: u64) {
    if let Some(a) = v.get_mut(key).and_then(Value::as_array_mut) {
        for x in a {
            if let Some(n) = x.as_u64() {
                *x = Value::from(n + by);
            }
        }
    }
}

/// A stage info with its id, parents and times moved on.
fn shift_stage(s: &mut Value, stages: u64, ms: u64) {
    shift(s, "Stage ID", stages);
    shift_all(s, "Parent IDs", stages);
    shift(s, "Submission Time", ms);
    shift(s, "Completion Time", ms);
}

/// One repetition of a job line: ids moved on by `jobs`, `stages`, `tasks`; times by `ms`.
fn repeat(line: &Value, jobs: u64, stages: u64, tasks: u64, ms: u64) -> Value {
    let mut v = line.clone();
    shift(&mut v, "Job ID", jobs);
    shift(&mut v, "Stage ID", stages);
    shift_all(&mut v, "Stage IDs", stages);
    shift(&mut v, "Submission Time", ms);
    shift(&mut v, "Completion Time", ms);
    if let Some(infos) = v.get_mut("Stage Infos").and_then(Value::as_array_mut) {
        infos.iter_mut().for_each(|s| shift_stage(s, stages, ms));
    }
    if let Some(s) = v.get_mut("Stage Info") {
        shift_stage(s, stages, ms);
    }
    if let Some(t) = v.get_mut("Task Info") {
        shift(t, "Task ID", tasks);
        shift(t, "Launch Time", ms);
        shift(t, "Finish Time", ms);
    }
    v
}

/// Writes the 100 MB log at `path` (once).
fn make_log(path: &Path) {
    if path.metadata().is_ok_and(|m| m.len() >= TARGET_BYTES) {
        return;
    }
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a Spark line"))
        .collect();
    let name = |v: &Value| v["Event"].as_str().unwrap_or("").to_string();
    let first_job = lines
        .iter()
        .position(|v| name(v) == "SparkListenerJobStart")
        .expect("a job");
    let end = lines
        .iter()
        .position(|v| name(v) == "SparkListenerApplicationEnd")
        .unwrap_or(lines.len());
    let (head, body, tail) = (&lines[..first_job], &lines[first_job..end], &lines[end..]);
    let count = |event: &str, key: &str| {
        body.iter()
            .filter(|v| name(v) == event)
            .filter_map(|v| v.get(key).and_then(Value::as_array).map(|a| a.len() as u64))
            .sum::<u64>()
    };
    let jobs = body
        .iter()
        .filter(|v| name(v) == "SparkListenerJobStart")
        .count() as u64;
    let stages = count("SparkListenerJobStart", "Stage IDs");
    let tasks = body
        .iter()
        .filter(|v| name(v) == "SparkListenerTaskStart")
        .count() as u64;
    let span_ms = 10_000;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let put = |v: &Value, out: &mut std::io::BufWriter<std::fs::File>| -> u64 {
        let s = v.to_string();
        out.write_all(s.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .expect("write");
        s.len() as u64 + 1
    };
    let mut written: u64 = head.iter().map(|v| put(v, &mut out)).sum();
    let mut rep = 0;
    while written < TARGET_BYTES {
        for v in body {
            let line = repeat(v, rep * jobs, rep * stages, rep * tasks, rep * span_ms);
            written += put(&line, &mut out);
        }
        rep += 1;
    }
    for v in tail {
        let mut v = v.clone();
        shift(&mut v, "Timestamp", rep * span_ms);
        put(&v, &mut out);
    }
}

fn import(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/spark-100mb.json");
    make_log(&path);
    let bytes = path.metadata().expect("log").len();
    let mut g = c.benchmark_group("spark_import");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("summary_100mb", |b| {
        b.iter(|| {
            let mut fold = ember::events::summary::EngineFold::default();
            let read = ember::sparklog::fold_log(&path, |e| fold.apply(e)).expect("imports");
            assert!(!read.parsed.cut_short);
            fold.summary()
        })
    });
    // Floors to read the figure against: the lines read and nothing else, and every line
    // parsed as JSON into nothing (serde's IgnoredAny, the least a full parse can do).
    g.bench_function("baseline_read_lines_100mb", |b| {
        b.iter(|| {
            use std::io::BufRead;
            let mut r = std::io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&path).expect("log"),
            );
            let (mut line, mut n) = (Vec::new(), 0u64);
            while r.read_until(b'\n', &mut line).expect("read") > 0 {
                n += 1;
                line.clear();
            }
            n
        })
    });
    g.bench_function("baseline_json_ignored_any_100mb", |b| {
        b.iter(|| {
            use std::io::BufRead;
            let mut r = std::io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&path).expect("log"),
            );
            let mut line = Vec::new();
            while r.read_until(b'\n', &mut line).expect("read") > 0 {
                let _: serde::de::IgnoredAny = serde_json::from_slice(&line).expect("json");
                line.clear();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);

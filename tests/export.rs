//! `ember export`: a Chrome/Perfetto trace and the lineage as Graphviz DOT, from ember's own
//! logs and from Apache Spark's.

use std::path::PathBuf;
use std::process::Command;

fn ember(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("ember runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ember-export-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn spark_log(name: &str) -> String {
    format!("{}/tests/fixtures/spark/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Task ends in a log, ember's or Spark's (as ember reads it).
fn task_ends(log: &str) -> usize {
    let (_, events) = ember::sparklog::read_log(std::path::Path::new(log)).expect("log");
    events
        .iter()
        .filter(|e| matches!(e.kind, ember::events::EventKind::TaskEnd { .. }))
        .count()
}

/// Checks the trace's shape: `traceEvents`, a complete `X` slice per task with numbers for
/// `pid`, `tid`, `ts` and `dur`, every slice inside the run.
fn check_trace(path: &PathBuf, tasks: usize) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("trace")).expect("valid JSON");
    let events = v["traceEvents"].as_array().expect("traceEvents");
    let task_slices: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["name"].as_str().is_some_and(|n| n.starts_with("task ")))
        .collect();
    assert_eq!(task_slices.len(), tasks, "a slice per task");
    for e in events.iter().filter(|e| e["ph"] == "X") {
        for k in ["pid", "tid", "ts", "dur"] {
            assert!(e[k].is_u64(), "{k} in {e}");
        }
        assert!(e["name"].is_string() && e["cat"].is_string(), "{e}");
    }
    // No two tasks overlap on one core.
    let mut by_core: std::collections::BTreeMap<(u64, u64), Vec<(u64, u64)>> = Default::default();
    for e in &task_slices {
        let ts = e["ts"].as_u64().unwrap_or(0);
        by_core
            .entry((
                e["pid"].as_u64().unwrap_or(0),
                e["tid"].as_u64().unwrap_or(0),
            ))
            .or_default()
            .push((ts, ts + e["dur"].as_u64().unwrap_or(0)));
    }
    for spans in by_core.values_mut() {
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "tasks overlap on a core: {w:?}");
        }
    }
    assert!(events
        .iter()
        .any(|e| e["ph"] == "M" && e["name"] == "process_name"));
}

/// Checks DOT's grammar, statement by statement: a `digraph "…" {`, attribute statements,
/// `subgraph cluster_… {` blocks, nodes `rddN [label=…]` and edges `rddA -> rddB`, closed.
fn check_dot(text: &str) -> (usize, usize, usize) {
    let mut lines = text.lines();
    let head = lines.next().expect("a first line");
    assert!(
        head.starts_with("digraph \"") && head.ends_with("\" {"),
        "{head}"
    );
    let (mut depth, mut nodes, mut edges, mut dashed) = (1, 0, 0, 0);
    for l in lines {
        let l = l.trim();
        if l == "}" {
            depth -= 1;
            continue;
        }
        assert!(depth > 0, "a statement after the graph closed: {l}");
        if l.starts_with("subgraph cluster_stage") && l.ends_with('{') {
            depth += 1;
            continue;
        }
        assert!(l.ends_with(';'), "a statement ends with ';': {l}");
        // Quotes balance (escaped ones aside).
        assert_eq!(l.replace("\\\"", "").matches('"').count() % 2, 0, "{l}");
        let word = l.split([' ', '[', ';']).next().unwrap_or("");
        if l.contains(" -> ") {
            let (a, b) = l.split_once(" -> ").expect("edge");
            assert!(a.starts_with("rdd") && b.starts_with("rdd"), "{l}");
            edges += 1;
            dashed += usize::from(l.contains("style=dashed"));
        } else if let Some(id) = word.strip_prefix("rdd") {
            assert!(id.parse::<usize>().is_ok() && l.contains("[label="), "{l}");
            nodes += 1;
        } else {
            assert!(
                ["rankdir=TB;", "node", "edge", "label="]
                    .iter()
                    .any(|p| l.starts_with(p)),
                "{l}"
            );
        }
    }
    assert_eq!(depth, 0, "braces balance");
    (nodes, edges, dashed)
}

#[test]
fn a_spark_log_exports_as_a_trace_and_a_dot_lineage() {
    let d = scratch("spark");
    let log = spark_log("dag-twice.json");
    let (trace, dot) = (d.join("t.json"), d.join("l.dot"));
    let (code, err) = ember(&[
        "export",
        &log,
        "--chrome-trace",
        &trace.display().to_string(),
        "--dot",
        &dot.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    check_trace(&trace, task_ends(&log));
    let (nodes, edges, dashed) = check_dot(&std::fs::read_to_string(&dot).expect("dot"));
    // dag-twice: 11 RDDs; reduceByKey, the join's side from `parallelize` and sortByKey read
    // shuffles. The join's other side is narrow: reduceByKey's output is already partitioned
    // as the join wants (8 partitions), so Spark pipelines it into the join's stage.
    assert_eq!(nodes, 11);
    assert_eq!(dashed, 3, "shuffle edges are dashed");
    assert!(edges > dashed);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn an_ember_log_of_faults_exports_as_a_trace() {
    let d = scratch("ember");
    let log = d.join("run.jsonl").display().to_string();
    let (code, err) = ember(&["run", "fetch-failure", "--events", &log]);
    assert_eq!(code, Some(0), "{err}");
    let trace = d.join("t.json");
    let (code, err) = ember(&[
        "export",
        &log,
        "--chrome-trace",
        &trace.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    check_trace(&trace, task_ends(&log));
    let text = std::fs::read_to_string(&trace).expect("trace");
    assert!(
        text.contains("\"ph\":\"i\""),
        "faults and losses are instants"
    );
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn export_refuses_to_write_over_its_log_and_needs_a_format() {
    let log = spark_log("dag-twice.json");
    let (code, err) = ember(&["export", &log, "--dot", &log]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the log being exported"), "{err}");
    let (code, _) = ember(&["export", &log]);
    assert_eq!(code, Some(2));
}

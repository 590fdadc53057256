//! The `ember` command line as CONTRACTS §1 fixes it: subcommands, flags, exit codes, JSON.

use serde_json::Value;
use std::process::{Command, Output};

fn ember(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn run_with_no_scenario_runs_the_default_and_prints_lineage_and_stages() {
    let out = ember(&["run"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenario word-count"), "{text}");
    assert!(text.contains("ShuffledRDD"), "{text}");
    assert!(text.contains("stage   0 shuffle_map ran"), "{text}");
    assert!(text.contains("result digest:"), "{text}");
}

#[test]
fn run_json_has_the_contract_fields() {
    let v = json(&ember(&["run", "lr-iterative", "--json", "--seed", "5"]));
    for key in [
        "scenario",
        "clock",
        "seed",
        "status",
        "elapsed_us",
        "jobs",
        "stages",
        "stages_skipped",
        "tasks",
        "task_failures",
        "locality",
        "blocks_stored",
        "blocks_evicted",
        "partitions_recomputed",
        "faults_injected",
        "iterations",
        "result",
        "result_digest",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["scenario"], "lr-iterative");
    assert_eq!(v["seed"], 5);
    assert_eq!(v["clock"], "virtual");
    assert_eq!(v["status"], "succeeded");
    assert_eq!(v["jobs"], 5);
    assert_eq!(v["iterations"].as_array().map(Vec::len), Some(5));
    for level in ["PROCESS_LOCAL", "NODE_LOCAL", "RACK_LOCAL", "ANY"] {
        assert!(v["locality"].get(level).is_some(), "locality.{level}");
    }
}

#[test]
fn the_answer_is_the_same_on_both_clocks() {
    for s in ["word-count", "lr-iterative"] {
        let virt = json(&ember(&["run", s, "--json", "--clock", "virtual"]));
        let wall = json(&ember(&["run", s, "--json", "--clock", "wall"]));
        assert_eq!(wall["clock"], "wall");
        assert_eq!(virt["result_digest"], wall["result_digest"], "{s}");
        assert_eq!(virt["tasks"], wall["tasks"], "{s}");
    }
}

#[test]
fn an_unknown_scenario_is_bad_input_exit_2_naming_it() {
    let out = ember(&["run", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-thing") && err.contains("word-count"),
        "{err}"
    );
}

#[test]
fn a_bad_flag_is_bad_input_exit_2() {
    assert_eq!(ember(&["run", "--clock", "sundial"]).status.code(), Some(2));
    assert_eq!(
        ember(&["run", "--seed", "minus-one"]).status.code(),
        Some(2)
    );
    assert_eq!(ember(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn an_unwritable_event_log_is_an_error_naming_the_file() {
    let out = ember(&["run", "--events", "/nonexistent-dir/run.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/run.jsonl"));
}

#[test]
fn scenarios_lists_the_built_in_scenarios_and_tui_points_to_run() {
    let out = ember(&["scenarios"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("word-count") && text.contains("lr-iterative"),
        "{text}"
    );
    let tui = ember(&["tui"]);
    assert!(tui.status.success());
    assert!(String::from_utf8_lossy(&tui.stdout).contains("ember run"));
}

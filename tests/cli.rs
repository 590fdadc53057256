//! The `ember` command line as CONTRACTS §1 fixes it: subcommands, flags, exit codes, JSON,
//! and what a new user ran into when trying it.

use serde_json::Value;
use std::io::Read;
use std::process::{Command, Output, Stdio};

fn ember(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ember-cli-{}-{name}", std::process::id()))
}

#[test]
fn run_with_no_scenario_runs_the_default_and_prints_lineage_and_stages() {
    let out = ember(&["run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenario tour"), "{text}");
    assert!(text.contains("ShuffledRDD"), "{text}");
    assert!(text.contains("shuffle_map"), "{text}");
    assert!(
        text.contains("skipped: their map outputs exist already"),
        "{text}"
    );
    assert!(text.contains("result digest:"), "{text}");
}

#[test]
fn run_json_has_the_contract_fields() {
    let v = json(&ember(&[
        "run",
        "logistic-regression",
        "--json",
        "--seed",
        "5",
    ]));
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
    assert_eq!(v["scenario"], "logistic-regression");
    assert_eq!(v["seed"], 5);
    assert_eq!(v["clock"], "virtual");
    assert_eq!(v["status"], "succeeded");
    assert_eq!(v["jobs"], 5);
    assert_eq!(v["iterations"].as_array().map(Vec::len), Some(5));
    assert!(v["result"].as_str().unwrap().starts_with("w = ["), "{v}");
    for level in ["PROCESS_LOCAL", "NODE_LOCAL", "RACK_LOCAL", "ANY"] {
        assert!(v["locality"].get(level).is_some(), "locality.{level}");
    }
}

#[test]
fn the_answer_is_the_same_on_both_clocks() {
    for s in ["word-count", "skipped-stages", "call-records"] {
        let virt = json(&ember(&["run", s, "--json", "--clock", "virtual"]));
        let wall = json(&ember(&["run", s, "--json", "--clock", "wall"]));
        assert_eq!(wall["clock"], "wall");
        assert_eq!(virt["result_digest"], wall["result_digest"], "{s}");
        assert_eq!(virt["tasks"], wall["tasks"], "{s}");
        assert_eq!(virt["stages_skipped"], wall["stages_skipped"], "{s}");
    }
}

#[test]
fn set_and_variant_change_the_run_and_the_run_records_them() {
    let v = json(&ember(&[
        "run",
        "pagerank",
        "--variant",
        "partitioned",
        "--set",
        "workload.iterations=2",
        "--json",
    ]));
    assert_eq!(v["iterations"].as_array().map(Vec::len), Some(2));
    let log = temp("asran.jsonl");
    let out = ember(&[
        "run",
        "word-count",
        "--set",
        "cluster.racks=3",
        "--events",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = std::fs::read_to_string(&log).unwrap();
    let start: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(start["event"], "AppStart");
    assert!(
        start["scenario"].as_str().unwrap().contains("racks = 3"),
        "{start}"
    );
    let _ = std::fs::remove_file(log);
    let bad = ember(&["run", "word-count", "--set", "cluster.racks=none"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("cluster.racks"), "{}", stderr(&bad));
    let missing = ember(&["run", "pagerank", "--variant", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("partitioned"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn an_unknown_scenario_or_a_missing_file_is_bad_input_exit_2_naming_it() {
    let out = ember(&["run", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no-such-thing") && err.contains("tour"),
        "{err}"
    );
    let out = ember(&["run", "/missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/missing.toml: no such file"),
        "{}",
        stderr(&out)
    );
    let out = ember(&["tui", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent"), "{}", stderr(&out));
    let dir = std::env::temp_dir();
    let d = dir.to_string_lossy();
    for cmd in ["run", "tui"] {
        let out = ember(&[cmd, &d]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(
            stderr(&out).contains("a directory"),
            "{cmd}: {}",
            stderr(&out)
        );
    }
    let empty = temp("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = ember(&["tui", &empty.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the file is empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tui_refuses_scenario_options_for_an_event_log() {
    let log = temp("for-tui.jsonl");
    let out = ember(&["run", "skipped-stages", "--events", &log.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0));
    let out = ember(&["tui", &log.to_string_lossy(), "--seed", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("an event log replays"),
        "{}",
        stderr(&out)
    );
    // --set is a what-if on the log's application, whose replay has no iterations to set.
    let out = ember(&[
        "tui",
        &log.to_string_lossy(),
        "--set",
        "workload.iterations=2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("workload.iterations") && stderr(&out).contains("replay"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_flag_is_bad_input_exit_2() {
    assert_eq!(ember(&["run", "--clock", "sundial"]).status.code(), Some(2));
    assert_eq!(
        ember(&["run", "--seed", "minus-one"]).status.code(),
        Some(2)
    );
    assert_eq!(ember(&["run", "--set", "novalue"]).status.code(), Some(2));
    assert_eq!(ember(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(ember(&["--help"]).status.code(), Some(0));
}

#[test]
fn help_shows_the_defaults() {
    let out = ember(&["run", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[default: tour"), "{text}");
    assert!(text.contains("[default: the scenario's"), "{text}");
}

#[test]
fn an_unwritable_event_log_is_an_error_naming_the_event_log_once() {
    let out = ember(&["run", "--events", "/nonexistent-dir/run.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(
        err,
        "ember: --events /nonexistent-dir/run.jsonl: the folder /nonexistent-dir does not exist\n",
        "refused before the run, in one line"
    );
}

#[test]
fn a_full_disk_under_the_event_log_fails_the_run() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let out = ember(&["run", "word-count", "--events", "/dev/full"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("event log /dev/full"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn events_dash_writes_the_log_to_standard_output_and_the_summary_to_standard_error() {
    let out = ember(&["run", "skipped-stages", "--events", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "AppStart");
    assert_eq!(events.last().unwrap()["event"], "AppEnd");
    assert!(stderr(&out).contains("result digest"), "{}", stderr(&out));
    assert!(!std::path::Path::new("-").exists(), "no file named -");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(["run", "word-count", "--events", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code().is_some(), "not killed by a signal");
}

#[test]
fn the_summary_counts_in_proper_english() {
    let out = ember(&["run", "lineage-and-laziness"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 job, 1 stage run"), "{text}");
    assert!(!text.contains("1 jobs"), "{text}");
}

#[test]
fn scenarios_lists_the_bundled_scenarios_with_their_descriptions() {
    let out = ember(&["scenarios"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "tour",
        "word-count",
        "pagerank",
        "call-records",
        "skipped-stages",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.lines().count() >= 8);
}

#[test]
fn check_exits_0_for_valid_files_2_for_invalid_ones_and_1_for_unmet_expectations() {
    assert_eq!(
        ember(&["check", "tour", "word-count"]).status.code(),
        Some(0)
    );
    let bad = temp("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\ndescription = \"d\"\n[workload]\nkind = \"nope\"\n",
    )
    .unwrap();
    let out = ember(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":4:"), "{}", stderr(&out));
    let wrong = temp("wrong.toml");
    std::fs::write(
        &wrong,
        "name = \"x\"\ndescription = \"d\"\n[workload]\nkind = \"wordcount\"\nlines = 50\n[expect]\njobs = 7\n",
    )
    .unwrap();
    let out = ember(&["check", "--run", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("expect jobs = 7, observed 1"),
        "{}",
        stderr(&out)
    );
    let blessed = ember(&["check", "--run", "--bless", wrong.to_str().unwrap()]);
    assert_eq!(blessed.status.code(), Some(0), "{}", stderr(&blessed));
    assert!(std::fs::read_to_string(&wrong)
        .unwrap()
        .contains("jobs = 1"));
    assert_eq!(
        ember(&["check", "--run", wrong.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let _ = (std::fs::remove_file(bad), std::fs::remove_file(wrong));
}

#[test]
fn a_key_the_run_cannot_honour_fully_is_named_in_a_warning_and_the_file_still_checks() {
    let f = temp("replication-warning.toml");
    std::fs::write(
        &f,
        "name = \"w\"\ndescription = \"d\"\n[workload]\nkind = \"wordcount\"\n[dfs]\nreplication = 9\n",
    )
    .unwrap();
    let out = ember(&["check", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning") && err.contains(":6:1: dfs.replication: 9 replicas but 2 host(s)"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_fault_whose_iteration_never_comes() {
    let f = temp("fault-never.toml");
    std::fs::write(
        &f,
        "name = \"w\"\ndescription = \"d\"\n[workload]\nkind = \"wordcount\"\n[[fault]]\nat = \"iteration 1\"\nkind = \"kill_executor\"\ntarget = \"exec-0\"\n",
    )
    .unwrap();
    let out = ember(&["check", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(":6:") && err.contains("fault[0].at") && err.contains("does not iterate"),
        "{err}"
    );
}

#[test]
fn bless_writes_a_variant_value_equal_to_the_base_placeholder_it_replaced() {
    // The base's placeholder `blocks_stored = 0` becomes 8 when blessed; the variant without a
    // cache stores 0, which differs from the blessed base: it must get its own expectation.
    let f = temp("bless-variant.toml");
    std::fs::write(
        &f,
        "name = \"b\"\ndescription = \"d\"\n[workload]\nkind = \"logistic_regression\"\npoints = 2000\niterations = 2\npartitions = 8\npersist = \"MEMORY_ONLY\"\n[expect]\nblocks_stored = 0\n\n[[variant]]\nname = \"uncached\"\nset = { \"workload.persist\" = \"NONE\" }\n",
    )
    .unwrap();
    let out = ember(&["check", "--run", "--bless", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(text.contains("blocks_stored = 8"), "{text}");
    assert!(text.contains("expect = { blocks_stored = 0 }"), "{text}");
    let out = ember(&["check", "--run", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn compare_prints_the_runs_side_by_side_and_json_and_csv_on_request() {
    let out = ember(&["compare", "pagerank"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("partitioned  workload.partition_by = true"),
        "{text}"
    );
    assert!(text.contains("every run gave the same answer"), "{text}");
    let csv = temp("compare.csv");
    let out = ember(&[
        "compare",
        "pagerank",
        "--json",
        "--csv",
        &csv.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
    assert_eq!(v["runs"][1]["run"], "partitioned");
    assert!(v["runs"][0]["summary"]["result_digest"].is_string());
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .starts_with("run,engine,iteration"));
    let out = ember(&["compare", "/missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_level_with_more_copies_than_executors_is_named_in_a_warning() {
    let f = temp("too-many-copies.toml");
    std::fs::write(
        &f,
        "name = \"c\"\ndescription = \"d\"\n[cluster]\nracks = 1\nhosts_per_rack = 1\n[workload]\nkind = \"logistic_regression\"\npoints = 1000\niterations = 1\npersist = \"MEMORY_ONLY_2\"\n",
    )
    .unwrap();
    let out = ember(&["check", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(":10:1: workload.persist: MEMORY_ONLY_2 keeps 2 copies")
            && err.contains("the cluster has 1 executor"),
        "{err}"
    );
}

#[test]
fn an_event_log_given_as_a_scenario_is_bad_input_that_points_at_the_tui() {
    let log = temp("given-as-scenario.jsonl");
    let out = ember(&["run", "skipped-stages", "--events", &log.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ember(&["run", &log.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("given-as-scenario.jsonl:1: this is an event log, not a scenario")
            && err.contains("ember tui"),
        "{err}"
    );
}

#[test]
fn an_unmet_expectation_names_the_line_that_sets_it() {
    let f = temp("unmet.toml");
    std::fs::write(
        &f,
        "name = \"u\"\ndescription = \"d\"\n[workload]\nkind = \"wordcount\"\n[expect]\njobs = 1\ntasks = 99999\n",
    )
    .unwrap();
    let out = ember(&["check", "--run", &f.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("unmet.toml:7:1: expect tasks = 99999, observed"),
        "{err}"
    );
}

#[test]
fn a_size_past_what_a_machine_holds_or_a_fraction_of_a_byte_is_bad_input() {
    for size in ["99999999999 GiB", "0.5 B"] {
        let out = ember(&[
            "run",
            "word-count",
            "--set",
            &format!("cluster.storage_memory={size}"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{size}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cluster.storage_memory"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn the_run_summary_counts_blocks_that_could_not_be_stored() {
    let out = ember(&["run", "tour", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let not_stored = v["blocks_not_stored"].as_u64().expect("blocks_not_stored");
    // Every partition computed again in the tour is one that did not fit when first computed.
    assert!(not_stored > 0);
    assert!(not_stored >= v["partitions_recomputed"].as_u64().unwrap());
    let human = ember(&["run", "tour"]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains(&format!("{not_stored} not stored")),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}

#[test]
fn a_failed_run_prints_its_summary_and_writes_a_whole_log() {
    let dir = temp("failed");
    std::fs::create_dir_all(&dir).expect("dir");
    let scenario = dir.join("fails.toml");
    std::fs::write(
        &scenario,
        "name = \"fails\"\ndescription = \"a map that fails on every record\"\n[workload]\nkind = \"pipeline\"\n\
         [[workload.dataset]]\nname = \"r\"\ngenerator = \"range\"\nstart = 0\nend = 100\npartitions = 4\n\
         [[workload.rdd]]\nid = \"r0\"\nop = \"parallelize\"\ndataset = \"r\"\n\
         [[workload.rdd]]\nid = \"bad\"\nop = \"map\"\ninput = \"r0\"\nfn = \"add 1\"\n\
         [[workload.action]]\nop = \"count\"\nrdd = \"bad\"\n",
    )
    .expect("write");
    let log = dir.join("run.jsonl");
    let out = ember(&[
        "run",
        &scenario.display().to_string(),
        "--events",
        &log.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAILED after"),
        "what ran, and that it failed: {text}"
    );
    assert!(text.contains("job 0 (count): FAILED"), "where: {text}");
    assert!(
        text.contains("the run failed: Job aborted due to stage failure"),
        "why: {text}"
    );
    assert!(
        stderr(&out).starts_with("ember: the run failed: "),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(&log).expect("the log");
    let last = written.lines().last().expect("a line");
    assert!(
        last.starts_with("{\"event\":\"AppEnd\",\"result\":\"failed\""),
        "the log is whole, to its AppEnd: {last}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_named_as_a_bundled_scenario_does_not_hide_it() {
    // `ember export word-count --spark-program word-count/word-count.scala` makes such a folder.
    let dir = temp("shadow");
    std::fs::create_dir_all(dir.join("skipped-stages")).expect("folders");
    let out = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(["run", "skipped-stages", "--json"])
        .current_dir(&dir)
        .output()
        .expect("run ember");
    assert_eq!(json(&out)["jobs"], 3);
    // A path to the folder is still a folder.
    let out = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(["run", "./skipped-stages"])
        .current_dir(&dir)
        .output()
        .expect("run ember");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a directory"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

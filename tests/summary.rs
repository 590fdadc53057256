//! `ember summary LOG` is the same fold as `ember run`: every bundled scenario's event log,
//! summarised, gives exactly the object `run --json` printed for the run that wrote it.

use std::process::Command;

fn ember(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The log exported in Apache Spark's format (one application per engine) and read back gives
/// the run's summary, ember's own events included; and the Spark events alone (the `"Ember"`
/// copies stripped, as another tool would keep them) give its jobs, stages and tasks.
fn round_trip_through_sparks_format(name: &str, dir: &std::path::Path, log: &str, run: &str) {
    let out = dir.join(format!("{name}.spark.json"));
    let (code, _, err) = ember(&["export", log, "--spark", &out.display().to_string()]);
    assert_eq!(code, Some(0), "{name}: {err}");
    let run: serde_json::Value = serde_json::from_str(run).expect("run json");
    let apps: Vec<(std::path::PathBuf, serde_json::Value)> = match run.get("engines") {
        None => vec![(out.clone(), run.clone())],
        Some(engines) => ember::events::Engine::ALL
            .iter()
            .map(|e| {
                (
                    ember::export::engine_file(&out, *e),
                    engines[e.name()].clone(),
                )
            })
            .collect(),
    };
    for (file, theirs) in apps {
        let (read, events) = ember::sparklog::read_log(&file).expect("reads back");
        assert_eq!(read.format, ember::sparklog::LogFormat::Spark, "{name}");
        assert!(
            read.parsed.skipped.is_empty(),
            "{name}: {:?}",
            read.parsed.skipped
        );
        let back = ember::events::summary::RunSummary::from_events(&events);
        let back = serde_json::to_value(&back).expect("json");
        assert_eq!(back, theirs, "{name}: {} round trips", file.display());
        // Spark's events alone.
        let text = std::fs::read_to_string(&file).expect("export");
        let stripped: String = text
            .lines()
            .filter_map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                let custom = v["Event"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("org.ember."));
                v.as_object_mut().map(|o| o.remove("Ember"));
                (!custom).then(|| format!("{v}\n"))
            })
            .collect();
        let bare = dir.join(format!("{name}.bare.json"));
        std::fs::write(&bare, stripped).expect("write");
        let (_, events) = ember::sparklog::read_log(&bare).expect("Spark's events alone read");
        let spark_only = ember::events::summary::RunSummary::from_events(&events);
        let v = serde_json::to_value(&spark_only).expect("json");
        for k in [
            "jobs",
            "stages",
            "stages_skipped",
            "tasks",
            "task_failures",
            "stages_run_by_job",
            "stages_skipped_by_job",
            "blocks_stored",
        ] {
            assert_eq!(v[k], theirs[k], "{name}: {k} from Spark's events alone");
        }
    }
}

#[test]
fn every_bundled_scenarios_log_summarises_to_its_run_json() {
    let dir = std::env::temp_dir().join(format!("ember-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, _) in ember::scenario::bundled::BUNDLED {
        let log = dir.join(format!("{name}.jsonl"));
        let log = log.display().to_string();
        let (code, run, err) = ember(&["run", name, "--events", &log, "--json"]);
        assert_eq!(code, Some(0), "{name}: {err}");
        let (code, summary, err) = ember(&["summary", &log, "--json"]);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(summary, run, "{name}: the log's summary is the run's");
        // And the human summary, for what the log can tell (the lineage from its descriptions).
        let (_, text, _) = ember(&["summary", &log]);
        assert!(
            text.contains(&format!("scenario {name} ")),
            "{name}: {text}"
        );
        round_trip_through_sparks_format(name, &dir, &log, &run);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cut_log_summarises_what_it_holds_and_says_it_is_cut() {
    let dir = std::env::temp_dir().join(format!("ember-summary-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("cut.jsonl");
    let path = log.display().to_string();
    let (code, _, _) = ember(&["run", "skipped-stages", "--events", &path]);
    assert_eq!(code, Some(0));
    let text = std::fs::read_to_string(&log).expect("log");
    std::fs::write(&log, &text[..text.len() / 2]).expect("cut");
    let (code, json, err) = ember(&["summary", &path, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("cut short"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(v.get("status").is_none(), "no AppEnd: no status: {v}");
    assert!(v.get("result_digest").is_none(), "no answer: {v}");
    assert!(v["jobs"].as_u64().is_some_and(|j| j >= 1), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn summary_refuses_what_is_not_an_event_log() {
    let root = env!("CARGO_MANIFEST_DIR");
    let (code, _, err) = ember(&["summary", &format!("{root}/scenarios/tour.toml")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a scenario, not an event log"), "{err}");
    let (code, _, err) = ember(&["summary", &format!("{root}/scenarios")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a directory, not an event log"), "{err}");
    // Binary data with no extension is neither: it is not called a scenario.
    let blob = std::env::temp_dir().join(format!("ember-blob-{}", std::process::id()));
    std::fs::write(
        &blob,
        (0..4000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .expect("blob");
    let (code, _, err) = ember(&["summary", &blob.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not text") && !err.contains("a scenario,"),
        "{err}"
    );
    let _ = std::fs::remove_file(&blob);
}

#[test]
fn summary_reads_apache_sparks_own_logs_plain_rolling_and_compressed() {
    let root = env!("CARGO_MANIFEST_DIR");
    for log in [
        "dag-twice.json",
        "compressed/local-1795431396505.zstd",
        "rolling/eventlog_v2_local-1795431384355",
    ] {
        let path = format!("{root}/tests/fixtures/spark/{log}");
        let (code, out, err) = ember(&["summary", &path]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.starts_with("Apache Spark 4.3.0 application Spark shell"),
            "{out}"
        );
        assert!(err.contains("SparkListenerEnvironmentUpdate"), "{err}");
        let (code, json, _) = ember(&["summary", &path, "--json"]);
        assert_eq!(code, Some(0));
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["jobs"], 3, "{v}");
        assert!(
            v.get("seed").is_none(),
            "a Spark application has no seed: {v}"
        );
        assert!(v.get("result_digest").is_none(), "nor an answer: {v}");
        assert_eq!(v["spark"]["spark_version"], "4.3.0", "{v}");
    }
}

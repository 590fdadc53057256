//! `ember export SCENARIO --spark-program FILE.scala`: every bundled scenario's program (its
//! pipeline op by op, or its built-in workload's lineage) is pinned in
//! `tests/golden/spark-programs/` (after an intended change, rewrite them with
//! `EMBER_BLESS_GOLDEN=1 cargo test --test spark_program` and read the diff), its data files
//! are the scenario's datasets, and a replay, whose application is already Spark's, is refused.

use ember::export::program_of as spark_program;
use ember::scenario::{bundled::BUNDLED, load, Overrides};
use ember::workloads::Workload;
use std::path::PathBuf;
use std::process::Command;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/spark-programs")
        .join(format!("{name}.scala"))
}

#[test]
fn every_bundled_scenario_writes_the_program_pinned_in_tests_golden() {
    let bless = std::env::var_os("EMBER_BLESS_GOLDEN").is_some();
    let mut written = 0;
    for (name, _) in BUNDLED {
        let sc = load(name, &Overrides::default()).expect("bundled scenario");
        let program = spark_program(&sc, name).expect("a bundled scenario is written");
        let datasets = match &sc.workload {
            Workload::Pipeline(p) => p.datasets.clone(),
            // A built-in's one generated dataset: a file per partition ember reads.
            _ => {
                assert!(!program.data.is_empty(), "{name}: its input");
                assert!(
                    program
                        .data
                        .iter()
                        .all(|(path, _)| path.starts_with(&format!("{name}-data/"))),
                    "{name}"
                );
                Vec::new()
            }
        };
        assert!(
            program.scala.ends_with("spark.stop()\nSystem.exit(0)\n"),
            "{name}"
        );
        // One file per part of a dataset read with text_file, one for a parallelized one.
        for d in &datasets {
            let files = program
                .data
                .iter()
                .filter(|(path, _)| path.starts_with(&format!("{name}-data/{}/", d.name)))
                .count();
            assert!(
                files == 0 || files == d.partitions.max(1),
                "{name}: {}",
                d.name
            );
        }
        assert!(program.command.contains("local-cluster["), "{name}");
        let path = golden(name);
        if bless {
            std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
            std::fs::write(&path, &program.scala).expect("bless");
        } else {
            let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (EMBER_BLESS_GOLDEN=1 writes it)", path.display())
            });
            assert_eq!(program.scala, pinned, "{name}: the program changed");
        }
        written += 1;
    }
    assert_eq!(written, BUNDLED.len(), "every bundled scenario");
}

#[test]
fn a_replay_is_refused_by_name_and_nothing_is_written() {
    let dir = std::env::temp_dir().join(format!("ember-program-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let scenario = dir.join("replay.toml");
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark/dag-twice.json");
    std::fs::write(
        &scenario,
        format!(
            "name = \"r\"\ndescription = \"d\"\n[workload]\nkind = \"replay\"\nlog = {:?}\n",
            log.display().to_string()
        ),
    )
    .expect("scenario");
    let out = dir.join("replay.scala");
    let o = Command::new(env!("CARGO_BIN_EXE_ember"))
        .arg("export")
        .arg(&scenario)
        .arg("--spark-program")
        .arg(&out)
        .output()
        .expect("ember runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("replay"), "{err}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_program_and_its_data_are_written_beside_each_other() {
    let dir = std::env::temp_dir().join(format!("ember-program-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("lesson.scala");
    let o = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(["export", "skipped-stages", "--spark-program"])
        .arg(&out)
        .output()
        .expect("ember runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("program");
    assert!(
        text.contains("\"lesson-data\""),
        "the data folder is named after the program"
    );
    assert!(dir.join("lesson-data").is_dir());
    std::fs::remove_dir_all(&dir).ok();
}

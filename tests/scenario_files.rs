//! Scenario files as users write them, and break them: every broken file is refused with exit
//! 2 and a message naming the file, and the line and key where the input has them; no input
//! panics the reader.

use ember::scenario::{self, bundled, Overrides, Source};
use proptest::prelude::*;
use std::process::Command;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ember-broken-{}-{name}", std::process::id()))
}

const HEAD: &str = "name = \"broken\"\ndescription = \"a broken scenario\"\n";

/// (file name, contents, what the message must hold, line expected)
fn broken() -> Vec<(&'static str, Vec<u8>, &'static str, Option<usize>)> {
    let s = |t: String| t.into_bytes();
    let pipe = |rdds: &str| {
        format!(
            "{HEAD}[workload]\nkind = \"pipeline\"\n[[workload.dataset]]\nname = \"d\"\ngenerator = \"range\"\n{rdds}[[workload.action]]\nop = \"count\"\nrdd = \"a\"\n"
        )
    };
    vec![
        ("unknown-key.toml", s(format!("{HEAD}[cluster]\ncors = 2\n[workload]\nkind = \"wordcount\"\n")), "cluster.cors: unknown key `cors`", Some(4)),
        ("wrong-type.toml", s(format!("{HEAD}[cluster]\nracks = \"two\"\n[workload]\nkind = \"wordcount\"\n")), "cluster.racks", Some(4)),
        ("zero-size.toml", s(format!("{HEAD}[cluster]\nstorage_memory = \"0 MiB\"\n[workload]\nkind = \"wordcount\"\n")), "cluster.storage_memory", Some(4)),
        ("negative-size.toml", s(format!("{HEAD}[dfs]\nblock_size = \"-4 MiB\"\n[workload]\nkind = \"wordcount\"\n")), "negative", Some(4)),
        ("zero-cores.toml", s(format!("{HEAD}[cluster]\ncores_per_executor = 0\n[workload]\nkind = \"wordcount\"\n")), "cluster.cores_per_executor: must be at least 1", Some(4)),
        ("bad-duration.toml", s(format!("{HEAD}[scheduler]\nlocality_wait = \"3 fortnights\"\n[workload]\nkind = \"wordcount\"\n")), "not a duration", Some(4)),
        ("unknown-kind.toml", s(format!("{HEAD}[workload]\nkind = \"quicksort\"\n")), "workload.kind: unknown workload kind", Some(4)),
        (
            "unknown-fn.toml",
            s(pipe("[[workload.rdd]]\nid = \"a\"\nop = \"text_file\"\ndataset = \"d\"\n[[workload.rdd]]\nid = \"b\"\nop = \"map\"\ninput = \"a\"\nfn = \"frobnicate\"\n")),
            "workload.rdd[1].fn: unknown function \"frobnicate\"",
            Some(16),
        ),
        (
            "missing-input.toml",
            s(pipe("[[workload.rdd]]\nid = \"a\"\nop = \"map\"\nfn = \"identity\"\ninput = \"nowhere\"\n")),
            "reads \"nowhere\", which no rdd defines",
            Some(12),
        ),
        (
            "cycle.toml",
            s(pipe("[[workload.rdd]]\nid = \"a\"\nop = \"map\"\nfn = \"identity\"\ninput = \"b\"\n[[workload.rdd]]\nid = \"b\"\nop = \"map\"\nfn = \"identity\"\ninput = \"a\"\n")),
            "cycle",
            None,
        ),
        ("unknown-executor.toml", s(format!("{HEAD}[workload]\nkind = \"wordcount\"\n[[fault]]\nat = \"job 1\"\nkind = \"kill_executor\"\ntarget = \"exec-99\"\n")), "fault[0].target: there is no exec-99", Some(8)),
        ("bad-trigger.toml", s(format!("{HEAD}[workload]\nkind = \"wordcount\"\n[[fault]]\nat = \"soonish\"\nkind = \"kill_executor\"\ntarget = \"exec-1\"\n")), "fault[0].at", Some(6)),
        ("garbage.toml", vec![0x00, 0xff, 0xfe, b'\n', 0x80, 0x13, 0x37], "not UTF-8", Some(1)),
        ("no-name.toml", s("description = \"d\"\n[workload]\nkind = \"wordcount\"\n".into()), "the key `name` is missing", None),
        ("bad-name.toml", s("name = \"Big Name\"\ndescription = \"d\"\n[workload]\nkind = \"wordcount\"\n".into()), "name: \"Big Name\"", Some(1)),
        ("syntax.toml", s(format!("{HEAD}[cluster\nracks = 2\n")), "broken", Some(3)),
        ("variant-key.toml", s(format!("{HEAD}[workload]\nkind = \"wordcount\"\n[[variant]]\nname = \"v\"\nset = {{ \"cluster.rackz\" = 2 }}\n")), "rackz", Some(7)),
        ("expect-key.toml", s(format!("{HEAD}[workload]\nkind = \"wordcount\"\n[expect]\nspeed = 3\n")), "expect.speed", Some(6)),
        ("bad-clock.toml", s(format!("{HEAD}clock = \"sundial\"\n[workload]\nkind = \"wordcount\"\n")), "clock: \"sundial\"", Some(3)),
        ("memory-on-wall.toml", s(format!("{HEAD}clock = \"wall\"\n[cluster]\ndisk = \"memory\"\n[workload]\nkind = \"wordcount\"\n")), "cluster.disk", Some(5)),
        ("cpus.toml", s(format!("{HEAD}[cluster]\ncores_per_executor = 2\n[scheduler]\ntask_cpus = 4\n[workload]\nkind = \"wordcount\"\n")), "scheduler.task_cpus", Some(6)),
        ("negative.toml", s(format!("{HEAD}[cluster]\nracks = -1\n[workload]\nkind = \"wordcount\"\n")), "cluster.racks", Some(4)),
        ("misspelt-key.toml", s(format!("{HEAD}[workload]\nkind = \"pagerank\"\niteratons = 3\n")), "did you mean `iterations`?", Some(5)),
        ("duplicate-key.toml", s(format!("{HEAD}[cluster]\nracks = 1\nracks = 2\n[workload]\nkind = \"wordcount\"\n")), "cluster.racks: this key is given twice", Some(5)),
        ("huge-cluster.toml", s(format!("{HEAD}[cluster]\nracks = 2\nhosts_per_rack = 4000000000\nexecutors_per_host = 3\n[workload]\nkind = \"wordcount\"\n")), "at most 100000 can be simulated", Some(5)),
        ("kind-key.toml", s(format!("{HEAD}[workload]\nkind = \"wordcount\"\nclusters = 3\n")), "workload.clusters: clusters does not apply", Some(5)),
    ]
}

#[test]
fn every_broken_scenario_is_refused_with_exit_2_naming_the_file_line_and_key() {
    let cases = broken();
    assert!(cases.len() >= 15);
    for (name, bytes, want, line) in cases {
        let path = temp(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ember"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(&path.display().to_string()),
            "{name} names the file: {err}"
        );
        assert!(err.contains(want), "{name}: wanted {want:?} in: {err}");
        if let Some(l) = line {
            assert!(
                err.contains(&format!("{}:{l}:", path.display())),
                "{name}: wanted line {l} in: {err}"
            );
        }
        let run = Command::new(env!("CARGO_BIN_EXE_ember"))
            .arg("run")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(2),
            "{name}: ember run refuses it too"
        );
        let _ = std::fs::remove_file(path);
    }
}

/// Reads `bytes` as a scenario; it must not panic, and a refusal names the file (and a line
/// that exists, when it gives one).
fn read(bytes: &[u8]) -> Result<(), TestCaseError> {
    let src = Source {
        origin: "fuzz.toml".into(),
        bytes: bytes.to_vec(),
        path: None,
    };
    let got = std::panic::catch_unwind(|| scenario::parse(&src, &Overrides::default()));
    match got {
        Err(_) => Err(TestCaseError::fail(format!(
            "the reader panicked on {:?}",
            String::from_utf8_lossy(bytes)
        ))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            prop_assert_eq!(&e.file, "fuzz.toml");
            prop_assert!(!e.message.is_empty());
            if let Some(l) = e.line {
                let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
                prop_assert!(l >= 1 && l <= lines, "line {} of {}", l, lines);
            }
            Ok(())
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Drop(usize),
    RenameKey(usize),
    Retype(usize, u8),
    OutOfRange(usize, i64),
    Duplicate(usize),
}

fn mutate(text: &str, ms: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in ms {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::Drop(i) => {
                lines.remove(i % n);
            }
            Mutation::RenameKey(i) => {
                let l = &mut lines[i % n];
                if let Some(eq) = l.find(" =") {
                    l.insert(eq, 'x');
                }
            }
            Mutation::Retype(i, t) => {
                let l = &mut lines[i % n];
                if let Some(eq) = l.find("= ") {
                    let key = l[..eq].to_string();
                    let v = match t % 5 {
                        0 => "\"text\"".to_string(),
                        1 => "42".into(),
                        2 => "true".into(),
                        3 => "[1, 2]".into(),
                        _ => "{ a = 1 }".into(),
                    };
                    *l = format!("{key}= {v}");
                }
            }
            Mutation::OutOfRange(i, v) => {
                let l = &mut lines[i % n];
                if let Some(eq) = l.find("= ") {
                    let key = l[..eq].to_string();
                    *l = format!("{key}= {v}");
                }
            }
            Mutation::Duplicate(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
        }
    }
    lines.join("\n") + "\n"
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        any::<usize>().prop_map(Mutation::RenameKey),
        (any::<usize>(), any::<u8>()).prop_map(|(i, t)| Mutation::Retype(i, t)),
        (
            any::<usize>(),
            prop_oneof![
                Just(0i64),
                Just(-1),
                Just(i64::MAX),
                Just(1 << 40),
                Just(-1 << 40)
            ]
        )
            .prop_map(|(i, v)| Mutation::OutOfRange(i, v)),
        any::<usize>().prop_map(Mutation::Duplicate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_scenario_reader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        read(&bytes)?;
    }

    #[test]
    fn mutated_bundled_scenarios_are_accepted_or_refused_with_the_file_named(
        which in 0..bundled::BUNDLED.len(),
        ms in prop::collection::vec(mutation(), 1..4),
    ) {
        let text = mutate(bundled::BUNDLED[which].1, &ms);
        read(text.as_bytes())?;
    }
}

//! Golden event logs: small lessons of `scenarios/` pinned byte for byte in `tests/golden/`, so
//! a change in behaviour is seen in review. After an intended change, rewrite them with
//! `EMBER_BLESS_GOLDEN=1 cargo test --test golden` and read the diff.

use ember::scenario::{load, run, Overrides, RunOptions};
use std::path::PathBuf;

/// The lessons pinned.
pub const GOLDEN: &[&str] = &[
    "skipped-stages",
    "narrow-vs-wide",
    "lineage-and-laziness",
    "lru-eviction",
    "locality-starvation",
];

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.jsonl"))
}

#[test]
fn the_lessons_write_the_event_logs_pinned_in_tests_golden() {
    let bless = std::env::var_os("EMBER_BLESS_GOLDEN").is_some();
    for name in GOLDEN {
        let out =
            std::env::temp_dir().join(format!("ember-golden-{}-{name}.jsonl", std::process::id()));
        let sc = load(name, &Overrides::default()).expect("bundled scenario");
        run(
            &sc,
            RunOptions {
                events: Some(out.clone()),
                listener: None,
            },
        )
        .expect("run");
        let got = std::fs::read_to_string(&out).expect("log");
        let _ = std::fs::remove_file(&out);
        let path = golden(name);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (bless with EMBER_BLESS_GOLDEN=1)", path.display())
        });
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            panic!(
                "{name}: the event log differs from {} at line {}:\n  now:    {}\n  pinned: {}",
                path.display(),
                first + 1,
                got.lines().nth(first).unwrap_or("<end>"),
                want.lines().nth(first).unwrap_or("<end>")
            );
        }
    }
}

//! One voice on the command line: the same mistake gets the same exit code and the same words
//! from every command, in one line that starts `ember: `.

use std::process::{Command, Stdio};

/// `ember args` with no terminal: exit code and standard error.
fn ember(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ember");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs each command line, expecting exit 2 and `words` in a single `ember: ` line.
fn same_mistake(commands: &[&[&str]], words: &str) {
    for args in commands {
        let (code, err) = ember(args);
        assert_eq!(code, Some(2), "ember {args:?}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.contains("warning:")).collect();
        assert_eq!(lines.len(), 1, "ember {args:?}: one line: {err}");
        assert!(lines[0].starts_with("ember: "), "ember {args:?}: {err}");
        assert!(
            lines[0].contains(words),
            "ember {args:?} says {words:?}: {err}"
        );
    }
}

#[test]
fn a_directory_given_as_a_scenario_gets_the_same_words_everywhere() {
    let dir = env!("CARGO_MANIFEST_DIR");
    same_mistake(
        &[
            &["run", dir],
            &["tui", dir],
            &["check", dir],
            &["compare", dir],
        ],
        ember::scenario::A_DIRECTORY,
    );
}

#[test]
fn a_flag_value_of_the_wrong_kind_is_not_a_whole_number_everywhere() {
    same_mistake(
        &[
            &["run", "--seed", "seven"],
            &["tui", "--seed", "seven"],
            &["run", "--seed", "-1"],
        ],
        "is not a whole number (0 or more)",
    );
    same_mistake(
        &[
            &["run", "--set", "workload.iterations=seven"],
            &["tui", "--set", "workload.iterations=seven"],
            &["check", "tour", "--set", "workload.iterations=seven"],
            &["compare", "tour", "--set", "workload.iterations=seven"],
        ],
        "\"seven\" is not a whole number (0 or more)",
    );
    for args in [
        ["run", "--set", "workload.iterations=-1"],
        ["run", "--set", "cluster.racks=99999999999999999999"],
    ] {
        let (code, err) = ember(&args);
        assert_eq!(code, Some(2));
        for rust in ["u64", "i128", "expected", "invalid type"] {
            assert!(!err.contains(rust), "no Rust type names: {err}");
        }
    }
}

#[test]
fn a_misspelt_key_or_scenario_name_gets_a_did_you_mean_everywhere() {
    same_mistake(
        &[
            &["run", "--set", "workload.iteratoins=3"],
            &["tui", "--set", "workload.iteratoins=3"],
            &["check", "tour", "--set", "workload.iteratoins=3"],
            &["compare", "tour", "--set", "workload.iteratoins=3"],
        ],
        "unknown key `iteratoins`: did you mean `iterations`?",
    );
    same_mistake(
        &[
            &["run", "pagrank"],
            &["tui", "pagrank"],
            &["check", "pagrank"],
            &["compare", "pagrank"],
        ],
        "did you mean `pagerank`?",
    );
}

#[test]
fn the_ui_with_no_terminal_says_so_and_exits_2() {
    same_mistake(
        &[&["tui"], &["tui", "pagerank"]],
        "`ember tui` draws in a terminal",
    );
}

#[test]
fn outputs_are_checked_before_the_run() {
    same_mistake(
        &[&["compare", "lr-figure-12", "--csv", "/nonexistent/x.csv"]],
        "--csv /nonexistent/x.csv: the folder /nonexistent does not exist",
    );
    same_mistake(
        &[&["run", "--events", "/nonexistent/x.jsonl"]],
        "--events /nonexistent/x.jsonl: the folder /nonexistent does not exist",
    );
}

#[test]
fn an_output_over_the_scenario_is_refused_however_it_is_spelled() {
    let dir = std::env::temp_dir().join(format!("ember-voice-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    let s = dir.join("s.toml");
    std::fs::write(
        &s,
        ember::scenario::bundled::get("word-count").expect("bundled"),
    )
    .expect("write");
    let before = std::fs::read(&s).expect("read");
    let twisted = dir.join("sub/../s.toml");
    let link = dir.join("link.jsonl");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&s, &link).expect("symlink");
    for out in [&s, &twisted, &link] {
        let (code, err) = ember(&[
            "run",
            &s.display().to_string(),
            "--events",
            &out.display().to_string(),
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("would overwrite it"), "{err}");
    }
    assert_eq!(
        std::fs::read(&s).expect("read"),
        before,
        "the scenario is intact"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_flags_and_commands_are_named_with_a_suggestion() {
    let (code, err) = ember(&["run", "--jsn"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "ember: --jsn: no such flag of `ember run`: did you mean --json?\n"
    );
    let (code, err) = ember(&["frobnicate"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("ember: frobnicate: no such command"),
        "{err}"
    );
}

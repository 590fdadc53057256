//! The book stays true: every `ember` command a chapter shows runs here, and what it prints is
//! checked against the chapter's text, so a sample cannot go stale.
//!
//! A chapter shows commands in ```` ```console ```` blocks: a line `$ ember ARGS` is a command,
//! the lines after it (up to the next `$` line or the end of the block) are what it prints, on
//! standard output then standard error. In the text shown, a line `...` stands for any number
//! of lines, and `[..]` within a line for any text; a command shown with no output may print
//! anything. A command is expected to succeed unless its line ends with `# exit N`. Commands of
//! the UI (`ember tui ...`) are run to their first frame, drawn off-screen. Commands run in a
//! scratch folder that holds a copy of `scenarios/`, so what they write stays there.
//!
//! Every `ember` command anywhere in the book must be in such a block: a test says where one
//! is not.

use std::path::{Path, PathBuf};
use std::process::Command;

fn book() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src")
}

fn chapters() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(book())
        .expect("book/src")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.ends_with("SUMMARY.md"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("chapter"))
        })
        .collect();
    out.sort();
    out
}

/// One command shown in a chapter.
struct Sample {
    chapter: String,
    /// Its line in the chapter (1-based).
    line: usize,
    args: Vec<String>,
    exit: i32,
    /// What it prints, as the chapter shows it.
    shown: Vec<String>,
}

/// Splits a command line into words, with single and double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if started || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for (chapter, text) in chapters() {
        let mut in_console = false;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_end();
            if t.starts_with("```") {
                in_console = !in_console && t == "```console";
                continue;
            }
            if !in_console {
                continue;
            }
            if let Some(cmd) = t.strip_prefix("$ ") {
                let (cmd, exit) = match cmd.split_once("# exit ") {
                    Some((c, n)) => (c, n.trim().parse().expect("# exit N")),
                    None => (cmd, 0),
                };
                let args = words(cmd);
                assert_eq!(
                    args.first().map(String::as_str),
                    Some("ember"),
                    "{chapter}:{}: a console block runs ember commands",
                    i + 1
                );
                out.push(Sample {
                    chapter: chapter.clone(),
                    line: i + 1,
                    args: args[1..].to_vec(),
                    exit,
                    shown: Vec::new(),
                });
            } else if let Some(s) = out.last_mut() {
                if s.chapter == chapter {
                    s.shown.push(t.to_string());
                }
            }
        }
    }
    out
}

/// Whether `line` matches `pattern`, where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let Some(mut rest) = line.strip_prefix(parts[0]) else {
        return false;
    };
    for (k, p) in parts.iter().enumerate().skip(1) {
        if k == parts.len() - 1 {
            return rest.ends_with(p);
        }
        match rest.find(p) {
            Some(at) => rest = &rest[at + p.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` is what `shown` shows (`...` lines skip any number of lines).
fn output_matches(shown: &[String], actual: &[&str]) -> Result<(), String> {
    fn go(shown: &[String], actual: &[&str]) -> bool {
        match shown.split_first() {
            None => actual.is_empty(),
            Some((s, rest)) if s == "..." => (0..=actual.len()).any(|k| go(rest, &actual[k..])),
            Some((s, rest)) => {
                actual.first().is_some_and(|a| line_matches(s, a)) && go(rest, &actual[1..])
            }
        }
    }
    if go(shown, actual) {
        return Ok(());
    }
    // Say where it parts: the longest prefix of the shown lines that matches.
    let mut k = 0;
    while k < shown.len()
        && k < actual.len()
        && shown[k] != "..."
        && line_matches(&shown[k], actual[k])
    {
        k += 1;
    }
    Err(format!(
        "the chapter shows {:?} at its line {} of the output; the command prints {:?}",
        shown.get(k),
        k + 1,
        actual.get(k)
    ))
}

/// A scratch folder with a copy of `scenarios/`.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ember-book-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("scratch");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for e in std::fs::read_dir(src).expect("scenarios").flatten() {
        let _ = std::fs::copy(e.path(), dir.join("scenarios").join(e.file_name()));
    }
    // Apache Spark's logs, at the path the book gives from the repository's root.
    let spark = dir.join("tests/fixtures/spark");
    std::fs::create_dir_all(&spark).expect("scratch");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark");
    for e in std::fs::read_dir(src).expect("spark logs").flatten() {
        if e.path().is_file() {
            let _ = std::fs::copy(e.path(), spark.join(e.file_name()));
        }
    }
    dir
}

#[test]
fn every_ember_command_of_the_book_prints_what_its_chapter_shows() {
    let dir = scratch();
    let samples = samples();
    assert!(
        samples.len() >= 10,
        "the book shows commands: {}",
        samples.len()
    );
    let mut failures = Vec::new();
    for s in &samples {
        let out = Command::new(env!("CARGO_BIN_EXE_ember"))
            .args(&s.args)
            .current_dir(&dir)
            .env("EMBER_TUI_EXIT_AFTER_FIRST_FRAME", "1")
            .env("COLUMNS", "100")
            .output()
            .expect("run ember");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let actual: Vec<&str> = text.lines().map(str::trim_end).collect();
        let code = out.status.code().unwrap_or(-1);
        let at = format!("{}:{}: ember {}", s.chapter, s.line, s.args.join(" "));
        if code != s.exit {
            failures.push(format!(
                "{at}: exit {code}, the chapter expects {}:\n{text}",
                s.exit
            ));
            continue;
        }
        if s.shown.is_empty() {
            continue;
        }
        if let Err(e) = output_matches(&s.shown, &actual) {
            failures.push(format!("{at}: {e}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_ember_command_in_the_book_is_in_a_console_block() {
    let mut loose = Vec::new();
    for (chapter, text) in chapters() {
        let mut fence: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            // Fences as the runner reads them, at the start of a line: a command in an
            // indented ```console block would not be run.
            if let Some(kind) = line.trim_end().strip_prefix("```") {
                fence = match fence {
                    None => Some(kind.to_string()),
                    Some(_) => None,
                };
                continue;
            }
            // A command's next word is a command or a flag: the UI's header (` ember │ ...`)
            // at the top of a screen copied into a ```text block is not one.
            let command = t.strip_prefix("ember ").is_some_and(|rest| {
                rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            }) || t.starts_with("$ ember ")
                || t.starts_with("cargo run --release -- ");
            if command && fence.as_deref() != Some("console") {
                loose.push(format!("{chapter}:{}: {t}", i + 1));
            }
        }
    }
    assert!(
        loose.is_empty(),
        "show ember commands in ```console blocks (`$ ember ...`), where a test runs them:\n{}",
        loose.join("\n")
    );
}

#[test]
fn every_chapter_ends_with_questions_that_name_the_command_that_checks_them() {
    for (chapter, text) in chapters() {
        if chapter.starts_with("reference-") || chapter == "introduction.md" {
            continue;
        }
        let at = text
            .rfind("\n## Questions")
            .unwrap_or_else(|| panic!("{chapter}: no `## Questions` section at its end"));
        // Items start `1. `, `2. `, ...; their other lines are indented.
        let mut items: Vec<String> = Vec::new();
        for line in text[at..].lines().skip(1) {
            let numbered = line
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if numbered {
                items.push(line.to_string());
            } else if line.starts_with(' ') {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(line.trim());
                }
            }
        }
        assert!(items.len() >= 2, "{chapter}: at least two questions");
        for q in &items {
            assert!(
                q.contains("`ember "),
                "{chapter}: the question {q:?} names the command that checks its answer"
            );
        }
    }
}

#[test]
fn the_matching_rules_hold() {
    let shown = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(output_matches(&shown(&["a", "...", "d"]), &["a", "b", "c", "d"]).is_ok());
    assert!(output_matches(&shown(&["a", "d"]), &["a", "b", "c", "d"]).is_err());
    assert!(output_matches(&shown(&["x [..] z"]), &["x y y z"]).is_ok());
    assert!(output_matches(&shown(&["x [..] z"]), &["x y y"]).is_err());
    assert!(output_matches(&shown(&["..."]), &[]).is_ok());
    assert_eq!(
        words("ember run 'a b' --set x=1"),
        vec!["ember", "run", "a b", "--set", "x=1"]
    );
    let _ = Path::new("");
}

//! The house's shape: no import circle between the crate's top-level modules, and a thin
//! binary. Read from the source itself: every `crate::` path outside comments and test modules
//! (the names `lib.rs` re-exports resolved to their modules; a `super::` path stays inside its
//! top-level module, or reaches the crate root, whose re-exports are resolved the same way).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules, and the names `lib.rs` re-exports with the module each comes from.
fn modules() -> (BTreeSet<String>, BTreeMap<String, String>) {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let mut mods = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for line in lib.lines() {
        let l = line.trim();
        if let Some(m) = l.strip_prefix("pub mod ").and_then(|r| r.strip_suffix(';')) {
            mods.insert(m.to_string());
        }
        if let Some(rest) = l.strip_prefix("pub use ") {
            let (module, names) = rest.split_once("::").unwrap_or((rest, ""));
            let names = names.trim_end_matches(';').trim_matches(['{', '}']);
            for n in names.split(',') {
                let n = n.trim();
                let n = n.rsplit("::").next().unwrap_or(n);
                if !n.is_empty() {
                    reexports.insert(n.to_string(), module.to_string());
                }
            }
        }
    }
    (mods, reexports)
}

/// Edges between top-level modules: (from, to) → where (file:line).
fn imports() -> BTreeMap<(String, String), Vec<String>> {
    let (mods, reexports) = modules();
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for path in all {
        let rel = path.strip_prefix(src()).expect("under src");
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let from = first.trim_end_matches(".rs").to_string();
        if !mods.contains(&from) {
            continue; // lib.rs and main.rs
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let nested = rel.components().count() > 1;
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let mut targets = Vec::new();
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                targets.push(name);
            }
            // `super::` in a top-level file reaches the crate root (its re-exports).
            if !nested {
                for (at, _) in code.match_indices("super::") {
                    let rest = &code[at + "super::".len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    targets.push(name);
                }
            }
            for name in targets {
                let to = reexports.get(&name).cloned().unwrap_or(name);
                if to != from && mods.contains(&to) {
                    edges.entry((from.clone(), to)).or_default().push(format!(
                        "{}:{}",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    edges
}

#[test]
fn no_import_circle_ties_the_top_level_modules() {
    let edges = imports();
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    // A module that reaches itself is in a circle: report the path back.
    let mut circles = Vec::new();
    for start in next.keys() {
        let mut todo: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        let mut seen = BTreeSet::new();
        while let Some((m, path)) = todo.pop() {
            for n in next.get(m).map(Vec::as_slice).unwrap_or(&[]) {
                if n == start {
                    let mut p = path.clone();
                    p.push(n);
                    let hops: Vec<String> = p
                        .windows(2)
                        .map(|w| {
                            let at = &edges[&(w[0].to_string(), w[1].to_string())];
                            format!("{} -> {} ({})", w[0], w[1], at[0])
                        })
                        .collect();
                    circles.push(hops.join(", "));
                } else if seen.insert(*n) {
                    let mut p = path.clone();
                    p.push(n);
                    todo.push((n, p));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_reader_of_imports_sees_the_layers_it_should() {
    let edges = imports();
    for (from, to) in [
        ("scenario", "workloads"),
        ("cluster", "scheduler"),
        ("rdd", "context"),
    ] {
        assert!(
            edges.contains_key(&(from.to_string(), to.to_string())),
            "{from} -> {to} is read (else the test above proves nothing)"
        );
    }
}

#[test]
fn the_binary_is_thin() {
    let main = std::fs::read_to_string(src().join("main.rs")).expect("main.rs");
    let lines = main.lines().count();
    assert!(
        lines < 250,
        "main.rs has {lines} lines: what it does beyond parsing and printing belongs in the library"
    );
}

/// The code of `file` before its tests (a module's tests come last, after `#[cfg(test)]`).
fn code_before_tests(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("source");
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[test]
fn executors_hosts_and_racks_are_named_in_one_place_each() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut namers: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &all {
        let code = code_before_tests(f);
        let rel = f
            .strip_prefix(src())
            .expect("under src")
            .display()
            .to_string();
        for pattern in ["\"exec-{", "\"host-{", "\"rack-{"] {
            if code.contains(pattern) {
                namers.entry(pattern).or_default().insert(rel.clone());
            }
        }
    }
    let one = |p: &str| namers.get(p).cloned().unwrap_or_default();
    assert_eq!(
        one("\"exec-{"),
        BTreeSet::from(["membership.rs".to_string()])
    );
    assert_eq!(
        one("\"host-{"),
        BTreeSet::from(["membership.rs".to_string()])
    );
    assert_eq!(
        one("\"rack-{"),
        BTreeSet::from(["cluster/topology.rs".to_string()])
    );
}

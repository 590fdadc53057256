//! A run's lineage as Graphviz DOT, for slides: every RDD the log describes as a node (its
//! name, id, operation, partitions and storage level), each stage a cluster around the RDDs it
//! computes, narrow edges solid and shuffle edges dashed, data flowing down.
//!
//! It reads the one fold over the log's events ([`AppStatus`]); an RDD pipelined into several
//! stages is drawn in the first stage whose last RDD it is, else in the first that computes it.

use crate::events::status::AppStatus;
use crate::events::{DependencyKind, StageKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Quotes `s` as a DOT string.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The lineage of `s` as a DOT digraph named `name`.
pub fn lineage_dot(s: &AppStatus, name: &str) -> String {
    // Each RDD's stage: the first whose last RDD it is, else the first that pipelines it.
    let mut home: BTreeMap<usize, usize> = BTreeMap::new();
    for st in s.stages.values() {
        home.entry(st.info.rdd).or_insert(st.info.stage);
    }
    for st in s.stages.values() {
        for r in &st.info.rdds {
            home.entry(*r).or_insert(st.info.stage);
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(name));
    let _ = writeln!(out, "  rankdir=TB;");
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#fff7e6\", fontname=\"Helvetica\"];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    let node = |id: usize| -> String {
        match s.rdds.get(&id) {
            Some(r) => {
                let storage = if r.storage == "NONE" {
                    String::new()
                } else {
                    format!(", {}", r.storage)
                };
                let label = match &r.label {
                    Some(l) => format!("{l}: "),
                    None => String::new(),
                };
                format!(
                    "  rdd{id} [label={}{}];",
                    quote(&format!(
                        "{label}{} [{id}]\n{}\n{} partitions{storage}",
                        r.name, r.op, r.partitions
                    )),
                    if r.storage == "NONE" {
                        ""
                    } else {
                        ", fillcolor=\"#d9f2d9\""
                    }
                )
            }
            None => format!("  rdd{id} [label={}];", quote(&format!("RDD {id}"))),
        }
    };
    for st in s.stages.values() {
        let members: Vec<usize> = home
            .iter()
            .filter(|(_, stage)| **stage == st.info.stage)
            .map(|(r, _)| *r)
            .collect();
        if members.is_empty() {
            continue;
        }
        let kind = match st.info.kind {
            StageKind::ShuffleMap => "shuffle map",
            StageKind::Result => "result",
        };
        let _ = writeln!(out, "  subgraph cluster_stage{} {{", st.info.stage);
        let _ = writeln!(
            out,
            "    label={}; style=dashed; color=\"#888888\";",
            quote(&format!(
                "stage {} ({kind}, {} tasks)",
                st.info.stage, st.info.tasks
            ))
        );
        for r in members {
            let _ = writeln!(out, "  {}", node(r));
        }
        let _ = writeln!(out, "  }}");
    }
    for id in s.rdds.keys().filter(|id| !home.contains_key(id)) {
        let _ = writeln!(out, "{}", node(*id));
    }
    for r in s.rdds.values() {
        for p in &r.parents {
            match (p.kind, p.shuffle) {
                (DependencyKind::Shuffle, Some(sh)) => {
                    let _ = writeln!(
                        out,
                        "  rdd{} -> rdd{} [style=dashed, label={}];",
                        p.rdd,
                        r.rdd,
                        quote(&format!("shuffle {sh}"))
                    );
                }
                (DependencyKind::Shuffle, None) => {
                    let _ = writeln!(out, "  rdd{} -> rdd{} [style=dashed];", p.rdd, r.rdd);
                }
                (DependencyKind::Narrow, _) => {
                    let _ = writeln!(out, "  rdd{} -> rdd{};", p.rdd, r.rdd);
                }
            }
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_what_dot_needs() {
        assert_eq!(quote("a \"b\"\nc\\"), "\"a \\\"b\\\"\\nc\\\\\"");
    }
}

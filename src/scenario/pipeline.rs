//! Reading a pipeline from a scenario file: the `[workload]` table of kind `pipeline`, with its
//! `[[workload.dataset]]`, `[[workload.rdd]]` and `[[workload.action]]` tables, checked into the
//! [`PipelineSpec`] the pipeline workload runs. The whole graph is checked when the scenario is
//! read: unknown operations and functions, missing inputs, cycles (found with petgraph, which
//! also gives the order RDDs are built in) and pair operations over RDDs that hold no pairs,
//! each error naming the key at fault. This module reads tables; running the pipeline is
//! [`crate::workloads::pipeline`]'s.

use super::spec::{ActionTable, DatasetTable, RddTable, WorkloadTable};
use crate::storage::StorageLevel;
use crate::workloads::datasets::{Dataset, Generator, Placement};
use crate::workloads::pipeline::vocab::{Func, Shape, Use};
use crate::workloads::pipeline::{ActionOp, ActionSpec, Op, PipelineSpec, RddSpec};
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

pub use super::bounds::KeyError;

/// Dataset `i` of a pipeline; `defaults` are `[workload]`'s partitions and placement, which a
/// dataset's own keys override.
fn dataset(d: &DatasetTable, i: usize, defaults: (usize, &Placement)) -> Result<Dataset, KeyError> {
    let (default_partitions, placement) = defaults;
    let key = |k: &str| format!("workload.dataset[{i}].{k}");
    let name = d
        .name
        .clone()
        .ok_or((key("name"), "a dataset needs a name".into()))?;
    let g = d
        .generator
        .clone()
        .ok_or((key("generator"), "a dataset needs a generator".into()))?;
    let n = |v: Option<u64>, default: u64| v.unwrap_or(default);
    let generator = match g.as_str() {
        "text" => Generator::Text {
            lines: n(d.lines, 1000),
            words_per_line: n(d.words_per_line, 8),
            vocabulary: n(d.vocabulary, 500).max(1),
        },
        "call_records" => Generator::CallRecords {
            records: n(d.records, 10_000),
            users: n(d.users, 500).max(2),
        },
        "points" => Generator::Points {
            points: n(d.points, 10_000),
            dims: n(d.dims, 10).max(1),
        },
        "graph" => Generator::Graph {
            vertices: n(d.vertices, 1000).max(2),
            degree: n(d.degree, 4).max(1),
        },
        "range" => Generator::Range {
            start: d.start.unwrap_or(0),
            end: d.end.unwrap_or(1000),
        },
        other => {
            return Err((
                key("generator"),
                format!(
                    "unknown generator {other:?}; the generators are \"call_records\", \"points\", \"text\", \"graph\", \"range\""
                ),
            ))
        }
    };
    // Keys that belong to other generators are mistakes, not defaults.
    let allowed: &[&str] = match g.as_str() {
        "text" => &["lines", "words_per_line", "vocabulary"],
        "call_records" => &["records", "users"],
        "points" => &["points", "dims"],
        "graph" => &["vertices", "degree"],
        _ => &["start", "end"],
    };
    let set: [(&str, bool); 11] = [
        ("records", d.records.is_some()),
        ("users", d.users.is_some()),
        ("points", d.points.is_some()),
        ("dims", d.dims.is_some()),
        ("lines", d.lines.is_some()),
        ("words_per_line", d.words_per_line.is_some()),
        ("vocabulary", d.vocabulary.is_some()),
        ("vertices", d.vertices.is_some()),
        ("degree", d.degree.is_some()),
        ("start", d.start.is_some()),
        ("end", d.end.is_some()),
    ];
    for (k, is_set) in set {
        if is_set && !allowed.contains(&k) {
            return Err((key(k), format!("{k} does not apply to the {g} generator")));
        }
    }
    if d.partitions == Some(0) {
        return Err((key("partitions"), "must be at least 1".into()));
    }
    Ok(Dataset {
        name,
        generator,
        partitions: d.partitions.map_or(default_partitions, |p| p as usize),
        placement: Placement {
            writer: d.writer.clone().or_else(|| placement.writer.clone()),
            replication: d.replication.map(|r| r as usize).or(placement.replication),
        },
    })
}

fn func(text: &Option<String>, u: Use, key: String, op: &str) -> Result<Func, KeyError> {
    let t = text
        .as_deref()
        .ok_or_else(|| (key.clone(), format!("{op} needs a function: fn = \"...\"")))?;
    Func::parse(t, u).map_err(|e| (key, e.0))
}

fn rdd_op(r: &RddTable, key: &dyn Fn(&str) -> String) -> Result<Op, KeyError> {
    let op =
        r.op.as_deref()
            .ok_or((key("op"), "an rdd needs an op".into()))?;
    let f = |u: Use| func(&r.func, u, key("fn"), op);
    Ok(match op {
        "text_file" => Op::TextFile,
        "parallelize" => Op::Parallelize,
        "map" => Op::Map(f(Use::Map)?),
        "filter" => Op::Filter(f(Use::Filter)?),
        "flat_map" => Op::FlatMap(f(Use::FlatMap)?),
        "union" => Op::Union,
        "sample" => Op::Sample {
            fraction: r.fraction.ok_or((key("fraction"), "sample needs a fraction".into()))?,
            with_replacement: r.with_replacement.unwrap_or(false),
            seed: r.seed.unwrap_or(0),
        },
        "group_by_key" => Op::GroupByKey,
        "reduce_by_key" => Op::ReduceByKey(f(Use::Reduce)?),
        "join" => Op::Join,
        "cogroup" => Op::Cogroup,
        "sort_by_key" => Op::SortByKey {
            ascending: r.ascending.unwrap_or(true),
        },
        "map_values" => Op::MapValues(f(Use::Map)?),
        "distinct" => Op::Distinct,
        "partition_by" => Op::PartitionBy,
        "key_by" => Op::KeyBy(f(Use::Map)?),
        other => {
            return Err((
                key("op"),
                format!(
                    "unknown operation {other:?}; the operations are text_file, parallelize, map, filter, flat_map, union, sample, group_by_key, reduce_by_key, join, cogroup, sort_by_key, map_values, distinct, partition_by, key_by"
                ),
            ))
        }
    })
}

fn storage(name: &Option<String>, key: String) -> Result<Option<StorageLevel>, KeyError> {
    match name.as_deref() {
        None | Some("NONE") => Ok(None),
        Some(n) => StorageLevel::from_name(n)
            .map(Some)
            .ok_or((key, crate::scenario::messages::unknown_level(n))),
    }
}

/// Reads and checks a `[workload]` table of kind `pipeline` into the pipeline it describes.
pub fn read_pipeline(w: &WorkloadTable, seed: u64) -> Result<PipelineSpec, KeyError> {
    let default_partitions = w.partitions.map_or(4, |p| p as usize);
    let placement = Placement {
        writer: w.writer.clone(),
        replication: w.replication.map(|r| r as usize),
    };
    let datasets: Vec<Dataset> = w
        .dataset
        .iter()
        .enumerate()
        .map(|(i, d)| dataset(d, i, (default_partitions, &placement)))
        .collect::<Result<_, _>>()?;
    let mut names = BTreeMap::new();
    for (i, d) in datasets.iter().enumerate() {
        if names.insert(d.name.clone(), i).is_some() {
            return Err((
                format!("workload.dataset[{i}].name"),
                format!("dataset {:?} is defined twice", d.name),
            ));
        }
    }
    if w.rdd.is_empty() {
        return Err((
            "workload.rdd".into(),
            "a pipeline needs [[workload.rdd]] tables".into(),
        ));
    }
    // The RDD graph: nodes are rdds, edges input -> rdd.
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let mut index: BTreeMap<String, NodeIndex> = BTreeMap::new();
    let mut specs: Vec<(RddSpec, usize)> = Vec::new();
    for (i, r) in w.rdd.iter().enumerate() {
        let key = |k: &str| format!("workload.rdd[{i}].{k}");
        let id =
            r.id.clone()
                .ok_or((key("id"), "an rdd needs an id".into()))?;
        if index.contains_key(&id) {
            return Err((key("id"), format!("rdd {id:?} is defined twice")));
        }
        let op = rdd_op(r, &key)?;
        let inputs: Vec<String> = match (&r.input, &r.inputs) {
            (Some(_), Some(_)) => {
                return Err((key("inputs"), "give input or inputs, not both".into()))
            }
            (Some(x), None) => vec![x.clone()],
            (None, Some(v)) => v.clone(),
            (None, None) => Vec::new(),
        };
        let want = match op {
            Op::TextFile | Op::Parallelize => 0,
            Op::Union | Op::Join | Op::Cogroup => 2,
            _ => 1,
        };
        if inputs.len() != want {
            let (k, what) = match want {
                0 => ("input", "a source reads a dataset, not an rdd".to_string()),
                1 => (
                    "input",
                    format!(
                        "{} takes one input: input = \"...\"",
                        r.op.as_deref().unwrap_or("")
                    ),
                ),
                _ => (
                    "inputs",
                    format!(
                        "{} takes two inputs: inputs = [\"a\", \"b\"]",
                        r.op.as_deref().unwrap_or("")
                    ),
                ),
            };
            return Err((key(k), what));
        }
        let ds = match (&op, &r.dataset) {
            (Op::TextFile | Op::Parallelize, Some(d)) => {
                if !names.contains_key(d) {
                    return Err((key("dataset"), format!("no dataset named {d:?}")));
                }
                Some(d.clone())
            }
            (Op::TextFile | Op::Parallelize, None) => {
                return Err((key("dataset"), "a source needs a dataset".into()))
            }
            (_, Some(_)) => {
                return Err((
                    key("dataset"),
                    "only text_file and parallelize read a dataset".into(),
                ))
            }
            (_, None) => None,
        };
        if r.partitions == Some(0) {
            return Err((key("partitions"), "must be at least 1".into()));
        }
        let node = graph.add_node(i);
        index.insert(id.clone(), node);
        specs.push((
            RddSpec {
                id,
                op,
                inputs,
                dataset: ds,
                partitions: r.partitions.map(|p| p as usize),
                persist: storage(&r.persist, key("persist"))?,
                checkpoint: r.checkpoint.unwrap_or(false),
                shape: Shape::Values,
            },
            i,
        ));
    }
    for (spec, i) in &specs {
        for (n, input) in spec.inputs.iter().enumerate() {
            let key = if w.rdd[*i].inputs.is_some() {
                format!("workload.rdd[{i}].inputs[{n}]")
            } else {
                format!("workload.rdd[{i}].input")
            };
            let from = *index.get(input).ok_or((
                key,
                format!("rdd {:?} reads {input:?}, which no rdd defines", spec.id),
            ))?;
            graph.add_edge(from, index[&spec.id], ());
        }
    }
    toposort(&graph, None).map_err(|cycle| {
        let i = graph[cycle.node_id()];
        (
            format!("workload.rdd[{i}].input"),
            format!(
                "rdd {:?} is part of a cycle: an rdd cannot read itself",
                specs[i].0.id
            ),
        )
    })?;
    // Build order: every RDD after its inputs, and otherwise in the file's order (so RDD
    // ids follow the file, as a program's follow its lines).
    let order = {
        let mut indegree: BTreeMap<NodeIndex, usize> = graph
            .node_indices()
            .map(|n| {
                let d = graph
                    .neighbors_directed(n, petgraph::Direction::Incoming)
                    .count();
                (n, d)
            })
            .collect();
        let mut ready: std::collections::BTreeSet<(usize, NodeIndex)> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(n, _)| (graph[*n], *n))
            .collect();
        let mut order = Vec::new();
        while let Some(first) = ready.iter().next().copied() {
            ready.remove(&first);
            let n = first.1;
            order.push(n);
            for m in graph.neighbors_directed(n, petgraph::Direction::Outgoing) {
                if let Some(d) = indegree.get_mut(&m) {
                    *d -= 1;
                    if *d == 0 {
                        ready.insert((graph[m], m));
                    }
                }
            }
        }
        order
    };
    // Shapes, in build order: pair operations need pairs.
    let mut shapes: BTreeMap<String, Shape> = BTreeMap::new();
    let mut rdds = Vec::new();
    for n in order {
        let i = graph[n];
        let mut spec = specs[i].0.clone();
        let key = |k: &str| format!("workload.rdd[{i}].{k}");
        let input_shapes: Vec<Shape> = spec.inputs.iter().map(|x| shapes[x]).collect();
        if spec.op.needs_pairs() {
            if let Some(p) = spec.inputs.iter().find(|x| shapes[*x] != Shape::Pairs) {
                return Err((
                    key("op"),
                    format!(
                        "rdd {:?}: {} needs (key, value) pairs, but rdd {p:?} holds single values (make pairs with map \"pair_one\", \"fields N M\" or key_by)",
                        spec.id,
                        w.rdd[i].op.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
        spec.shape = match &spec.op {
            Op::TextFile | Op::Parallelize => Shape::Values,
            Op::Map(f) => f
                .map_shape(input_shapes[0])
                .map_err(|e| (key("fn"), format!("rdd {:?}: {e}", spec.id)))?,
            Op::FlatMap(f) => f.flat_map_shape(),
            Op::Union => {
                if input_shapes[0] != input_shapes[1] {
                    return Err((
                        key("inputs"),
                        format!("rdd {:?}: union needs two rdds of the same shape (both pairs or both values)", spec.id),
                    ));
                }
                input_shapes[0]
            }
            Op::KeyBy(_) => Shape::Pairs,
            Op::Filter(_) | Op::Sample { .. } | Op::Distinct => input_shapes[0],
            _ => Shape::Pairs,
        };
        shapes.insert(spec.id.clone(), spec.shape);
        rdds.push(spec);
    }
    let actions = w
        .action
        .iter()
        .enumerate()
        .map(|(i, a)| action(a, i, &shapes))
        .collect::<Result<Vec<_>, _>>()?;
    if actions.is_empty() {
        return Err((
            "workload.action".into(),
            "a pipeline needs at least one [[workload.action]]".into(),
        ));
    }
    Ok(PipelineSpec {
        datasets,
        rdds,
        actions,
        seed,
    })
}

fn action(
    a: &ActionTable,
    i: usize,
    shapes: &BTreeMap<String, Shape>,
) -> Result<ActionSpec, KeyError> {
    let key = |k: &str| format!("workload.action[{i}].{k}");
    let rdd = a
        .rdd
        .clone()
        .ok_or((key("rdd"), "an action needs an rdd".into()))?;
    let shape = *shapes
        .get(&rdd)
        .ok_or((key("rdd"), format!("no rdd named {rdd:?}")))?;
    let opname =
        a.op.as_deref()
            .ok_or((key("op"), "an action needs an op".into()))?;
    let op = match opname {
        "reduce" => {
            if shape == Shape::Pairs {
                return Err((key("op"), "reduce needs single values; use reduce_by_key on pairs".into()));
            }
            ActionOp::Reduce(func(&a.func, Use::Reduce, key("fn"), "reduce")?)
        }
        "collect" => ActionOp::Collect,
        "count" => ActionOp::Count,
        "take" => ActionOp::Take(a.n.ok_or((key("n"), "take needs n".into()))? as usize),
        "first" => ActionOp::First,
        "save_as_text_file" => ActionOp::SaveAsTextFile(
            a.path.clone().unwrap_or_else(|| format!("dfs://out/{rdd}")),
        ),
        "foreach" => ActionOp::Foreach,
        other => {
            return Err((
                key("op"),
                format!("unknown action {other:?}; the actions are reduce, collect, count, take, first, save_as_text_file, foreach"),
            ))
        }
    };
    if a.func.is_some() && !matches!(op, ActionOp::Reduce(_)) {
        return Err((key("fn"), format!("{opname} takes no function")));
    }
    if a.repeat == Some(0) {
        return Err((key("repeat"), "must be at least 1".into()));
    }
    if matches!(op, ActionOp::SaveAsTextFile(_)) && a.repeat.is_some_and(|r| r > 1) {
        return Err((
            key("repeat"),
            "a save writes its output once: a second run would find the output there and fail, \
             as Spark's does"
                .into(),
        ));
    }
    Ok(ActionSpec {
        op,
        rdd,
        repeat: a.repeat.unwrap_or(1) as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> WorkloadTable {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_cycle_and_a_missing_input_are_errors_naming_the_rdd() {
        let t = table(
            "kind = \"pipeline\"\n[[dataset]]\nname = \"d\"\ngenerator = \"range\"\n[[rdd]]\nid = \"a\"\nop = \"map\"\nfn = \"identity\"\ninput = \"b\"\n[[rdd]]\nid = \"b\"\nop = \"map\"\nfn = \"identity\"\ninput = \"a\"\n[[action]]\nop = \"count\"\nrdd = \"a\"\n",
        );
        let (key, msg) = read_pipeline(&t, 0).unwrap_err();
        assert!(
            key.starts_with("workload.rdd[") && msg.contains("cycle"),
            "{key}: {msg}"
        );
        let t = table(
            "kind = \"pipeline\"\n[[rdd]]\nid = \"a\"\nop = \"map\"\nfn = \"identity\"\ninput = \"nope\"\n[[action]]\nop = \"count\"\nrdd = \"a\"\n",
        );
        let (key, msg) = read_pipeline(&t, 0).unwrap_err();
        assert_eq!(key, "workload.rdd[0].input");
        assert!(msg.contains("\"nope\""), "{msg}");
    }

    #[test]
    fn a_pair_operation_over_single_values_is_an_error_when_read() {
        let t = table(
            "kind = \"pipeline\"\n[[dataset]]\nname = \"d\"\ngenerator = \"range\"\n[[rdd]]\nid = \"n\"\nop = \"text_file\"\ndataset = \"d\"\n[[rdd]]\nid = \"s\"\nop = \"reduce_by_key\"\nfn = \"sum\"\ninput = \"n\"\n[[action]]\nop = \"count\"\nrdd = \"s\"\n",
        );
        let (key, msg) = read_pipeline(&t, 0).unwrap_err();
        assert_eq!(key, "workload.rdd[1].op");
        assert!(msg.contains("pairs"), "{msg}");
    }
}

//! `kind = "pipeline"`: a lineage written in the scenario file itself (CONTRACTS §2
//! Pipelines), so that a lesson needs no Rust.
//!
//! Datasets are generated into the DFS; each `[[workload.rdd]]` is one operation over named
//! inputs, each `[[workload.action]]` runs a job. Records are dynamic [`Value`]s and functions
//! come from the [`vocab`]ulary. A scenario's tables are read into a [`PipelineSpec`] by
//! `scenario::pipeline`, which checks the whole graph; this module builds the checked graph
//! with ember's own RDD API, so a pipeline runs exactly as the same program written in Rust,
//! and runs its actions.

pub mod value;
pub mod vocab;

use super::datasets::Dataset;
use super::{digest, WorkloadOutput};
use crate::rdd::pair::{default_partitioner, hash_or_problem};
use crate::rdd::{source, Rdd};
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;
use std::collections::BTreeMap;
use std::sync::Arc;
pub use value::Value;
use vocab::{Func, Shape};

/// An operation of a pipeline RDD.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    TextFile,
    Parallelize,
    Map(Func),
    Filter(Func),
    FlatMap(Func),
    Union,
    Sample {
        fraction: f64,
        with_replacement: bool,
        seed: u64,
    },
    GroupByKey,
    ReduceByKey(Func),
    Join,
    Cogroup,
    SortByKey {
        ascending: bool,
    },
    MapValues(Func),
    Distinct,
    PartitionBy,
    KeyBy(Func),
}

impl Op {
    /// Operations whose input must hold pairs.
    pub fn needs_pairs(&self) -> bool {
        matches!(
            self,
            Op::GroupByKey
                | Op::ReduceByKey(_)
                | Op::Join
                | Op::Cogroup
                | Op::SortByKey { .. }
                | Op::MapValues(_)
                | Op::PartitionBy
        )
    }
}

/// One RDD of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct RddSpec {
    pub id: String,
    pub op: Op,
    pub inputs: Vec<String>,
    pub dataset: Option<String>,
    pub partitions: Option<usize>,
    pub persist: Option<StorageLevel>,
    pub checkpoint: bool,
    pub shape: Shape,
}

/// One action of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionOp {
    Reduce(Func),
    Collect,
    Count,
    Take(usize),
    First,
    SaveAsTextFile(String),
    Foreach,
}

impl ActionOp {
    /// The action's name, as scenario files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            ActionOp::Reduce(_) => "reduce",
            ActionOp::Collect => "collect",
            ActionOp::Count => "count",
            ActionOp::Take(_) => "take",
            ActionOp::First => "first",
            ActionOp::SaveAsTextFile(_) => "save_as_text_file",
            ActionOp::Foreach => "foreach",
        }
    }
}

/// One action and how often it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionSpec {
    pub op: ActionOp,
    pub rdd: String,
    pub repeat: usize,
}

/// A checked pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineSpec {
    pub datasets: Vec<Dataset>,
    /// In an order where every RDD comes after its inputs.
    pub rdds: Vec<RddSpec>,
    pub actions: Vec<ActionSpec>,
    pub seed: u64,
}

/// A built pipeline RDD: of single values, or of pairs.
#[derive(Clone)]
enum Built {
    Values(Rdd<Value>),
    Pairs(Rdd<(Value, Value)>),
}

impl Built {
    fn values(&self) -> Option<&Rdd<Value>> {
        match self {
            Built::Values(r) => Some(r),
            Built::Pairs(_) => None,
        }
    }
    fn pairs(&self) -> Option<&Rdd<(Value, Value)>> {
        match self {
            Built::Pairs(r) => Some(r),
            Built::Values(_) => None,
        }
    }
    fn lineage_string(&self) -> String {
        match self {
            Built::Values(r) => r.lineage_string(),
            Built::Pairs(r) => r.lineage_string(),
        }
    }
}

/// Panics with the rdd's id: the task fails, and the job's error names the rdd.
fn ok<T>(id: &str, r: Result<T, String>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("rdd {id}: {e}"),
    }
}

fn to_pair(v: Value) -> (Value, Value) {
    match v {
        Value::Pair(a, b) => (*a, *b),
        other => (other, Value::Int(0)),
    }
}

fn shape_check(id: &str, what: &str) -> JobError {
    JobError::Internal(format!("rdd {id}: {what}"))
}

fn build_one(
    ctx: &Context,
    spec: &RddSpec,
    built: &BTreeMap<String, Built>,
    data: &BTreeMap<String, (String, Vec<String>, usize)>,
) -> Result<Built, JobError> {
    let id: Arc<str> = spec.id.as_str().into();
    let input = |n: usize| &built[&spec.inputs[n]];
    let pairs = |n: usize| {
        input(n)
            .pairs()
            .cloned()
            .ok_or_else(|| shape_check(&id, "expected pairs"))
    };
    let part = |over: &[&crate::lineage::RddNode]| match spec.partitions {
        Some(n) => hash_or_problem(n).0,
        None => default_partitioner(over),
    };
    let io = |e: String| JobError::Io(format!("rdd {id}: {e}"));
    Ok(match &spec.op {
        Op::TextFile => {
            let (path, _, _) = &data[spec.dataset.as_deref().unwrap_or("")];
            Built::Values(
                source::text_file_as(ctx, path, Value::Str).map_err(|e| io(e.to_string()))?,
            )
        }
        Op::Parallelize => {
            let (_, lines, parts) = &data[spec.dataset.as_deref().unwrap_or("")];
            let n = spec.partitions.unwrap_or(*parts);
            Built::Values(ctx.parallelize(lines.iter().map(|l| Value::Str(l.clone())).collect(), n))
        }
        Op::Map(f) => {
            let (f, id) = (f.clone(), id.clone());
            let pairs_out = spec.shape == Shape::Pairs;
            match (input(0), pairs_out) {
                (Built::Values(r), false) => Built::Values(r.map(move |v| ok(&id, f.apply(v)))),
                (Built::Values(r), true) => {
                    Built::Pairs(r.map(move |v| to_pair(ok(&id, f.apply(v)))))
                }
                (Built::Pairs(r), false) => Built::Values(
                    r.map(move |(k, v)| ok(&id, f.apply(&Value::pair(k.clone(), v.clone())))),
                ),
                (Built::Pairs(r), true) => Built::Pairs(r.map(move |(k, v)| {
                    to_pair(ok(&id, f.apply(&Value::pair(k.clone(), v.clone()))))
                })),
            }
        }
        Op::Filter(f) => {
            let (f, id) = (f.clone(), id.clone());
            match input(0) {
                Built::Values(r) => Built::Values(r.filter(move |v| ok(&id, f.test(v)))),
                // Over pairs, a filter tests the value (`gt 100` keeps the frequent words).
                Built::Pairs(r) => Built::Pairs(r.filter(move |(_, v)| ok(&id, f.test(v)))),
            }
        }
        Op::FlatMap(f) => {
            let (f, id) = (f.clone(), id.clone());
            let one = move |v: &Value| ok(&id, f.apply_many(v));
            match (input(0), spec.shape) {
                (Built::Values(r), Shape::Values) => Built::Values(r.flat_map(one)),
                (Built::Values(r), Shape::Pairs) => Built::Pairs(
                    r.flat_map(move |v| one(v).into_iter().map(to_pair).collect::<Vec<_>>()),
                ),
                (Built::Pairs(r), Shape::Values) => {
                    Built::Values(r.flat_map(move |(k, v)| one(&Value::pair(k.clone(), v.clone()))))
                }
                (Built::Pairs(r), Shape::Pairs) => Built::Pairs(r.flat_map(move |(k, v)| {
                    one(&Value::pair(k.clone(), v.clone()))
                        .into_iter()
                        .map(to_pair)
                        .collect::<Vec<_>>()
                })),
            }
        }
        Op::Union => match (input(0), input(1)) {
            (Built::Values(a), Built::Values(b)) => Built::Values(a.union(b)),
            (Built::Pairs(a), Built::Pairs(b)) => Built::Pairs(a.union(b)),
            _ => return Err(shape_check(&id, "union of different shapes")),
        },
        Op::Sample {
            fraction,
            with_replacement,
            seed,
        } => match input(0) {
            Built::Values(r) => Built::Values(r.sample(*with_replacement, *fraction, *seed)),
            Built::Pairs(r) => Built::Pairs(r.sample(*with_replacement, *fraction, *seed)),
        },
        Op::GroupByKey => {
            let r = pairs(0)?;
            let p = part(&[r.node().as_ref()]);
            Built::Pairs(r.group_by_key_shaped(p, None, Value::List))
        }
        Op::ReduceByKey(f) => {
            let r = pairs(0)?;
            let (f, id) = (f.clone(), id.clone());
            let p = part(&[r.node().as_ref()]);
            Built::Pairs(r.reduce_by_key_with(move |a, b| ok(&id, f.combine(a, b)), p))
        }
        Op::Join => {
            let (a, b) = (pairs(0)?, pairs(1)?);
            let p = part(&[a.node().as_ref(), b.node().as_ref()]);
            Built::Pairs(a.join_shaped(&b, p, None, |v, w| Value::pair(v.clone(), w.clone())))
        }
        Op::Cogroup => {
            let (a, b) = (pairs(0)?, pairs(1)?);
            let p = part(&[a.node().as_ref(), b.node().as_ref()]);
            Built::Pairs(a.cogroup_shaped(&b, p, None, |(vs, ws)| {
                Value::pair(Value::List(vs.clone()), Value::List(ws.clone()))
            }))
        }
        Op::SortByKey { ascending } => {
            let r = pairs(0)?;
            let n = spec.partitions.unwrap_or(r.num_partitions());
            Built::Pairs(r.sort_by_key_into(*ascending, n)?)
        }
        Op::MapValues(f) => {
            let (f, id) = (f.clone(), id.clone());
            Built::Pairs(pairs(0)?.map_values(move |v| ok(&id, f.apply(v))))
        }
        Op::Distinct => {
            let n = spec.partitions;
            match input(0) {
                Built::Values(r) => Built::Values(match n {
                    Some(n) => r.distinct_into(n),
                    None => r.distinct(),
                }),
                Built::Pairs(r) => Built::Pairs(match n {
                    Some(n) => r.distinct_into(n),
                    None => r.distinct(),
                }),
            }
        }
        Op::PartitionBy => {
            let r = pairs(0)?;
            let n = spec.partitions.unwrap_or(r.num_partitions());
            Built::Pairs(r.partition_by(hash_or_problem(n).0))
        }
        Op::KeyBy(f) => {
            let (f, id) = (f.clone(), id.clone());
            let r = input(0)
                .values()
                .cloned()
                .ok_or_else(|| shape_check(&id, "key_by needs single values"))?;
            Built::Pairs(r.key_by(move |v| ok(&id, f.apply(v))))
        }
    })
}

fn persist(b: Built, spec: &RddSpec) -> Built {
    let b = match (b, spec.persist) {
        (Built::Values(r), Some(l)) => Built::Values(r.persist(l)),
        (Built::Pairs(r), Some(l)) => Built::Pairs(r.persist(l)),
        (b, None) => b,
    };
    if spec.checkpoint {
        match &b {
            Built::Values(r) => r.checkpoint(),
            Built::Pairs(r) => r.checkpoint(),
        }
    }
    b
}

fn show(v: &[String]) -> String {
    if v.len() <= 5 {
        format!("[{}]", v.join(", "))
    } else {
        format!("[{}, ... {} in all]", v[..5].join(", "), v.len())
    }
}

/// Runs a pipeline: generates its datasets into the DFS, builds its RDDs, runs its actions.
pub fn run(ctx: &Context, p: &PipelineSpec) -> Result<WorkloadOutput, JobError> {
    let mut data = BTreeMap::new();
    for d in &p.datasets {
        d.write(&ctx.dfs(), p.seed)
            .map_err(|e| JobError::Io(e.to_string()))?;
        // `parallelize` over a dataset takes its lines (small: made again).
        let lines = d.lines(p.seed);
        data.insert(d.name.clone(), (d.path(), lines, d.partitions));
    }
    let mut built: BTreeMap<String, Built> = BTreeMap::new();
    for spec in &p.rdds {
        let b = build_one(ctx, spec, &built, &data)?;
        let b = match b {
            Built::Values(r) => Built::Values(r.set_name(&spec.id)),
            Built::Pairs(r) => Built::Pairs(r.set_name(&spec.id)),
        };
        built.insert(spec.id.clone(), persist(b, spec));
    }
    let mut results: Vec<String> = Vec::new();
    let mut exact = String::new();
    let mut lineage = String::new();
    for a in &p.actions {
        let b = &built[&a.rdd];
        lineage = b.lineage_string();
        for _ in 0..a.repeat {
            let out: Vec<String> = match (&a.op, b) {
                (ActionOp::Count, Built::Values(r)) => vec![r.count()?.to_string()],
                (ActionOp::Count, Built::Pairs(r)) => vec![r.count()?.to_string()],
                (ActionOp::Collect, Built::Values(r)) => {
                    r.collect()?.iter().map(|v| v.to_string()).collect()
                }
                (ActionOp::Collect, Built::Pairs(r)) => r
                    .collect()?
                    .iter()
                    .map(|(k, v)| format!("({k}, {v})"))
                    .collect(),
                (ActionOp::Take(n), Built::Values(r)) => {
                    r.take(*n)?.iter().map(|v| v.to_string()).collect()
                }
                (ActionOp::Take(n), Built::Pairs(r)) => r
                    .take(*n)?
                    .iter()
                    .map(|(k, v)| format!("({k}, {v})"))
                    .collect(),
                (ActionOp::First, Built::Values(r)) => {
                    r.first()?.iter().map(|v| v.to_string()).collect()
                }
                (ActionOp::First, Built::Pairs(r)) => r
                    .first()?
                    .iter()
                    .map(|(k, v)| format!("({k}, {v})"))
                    .collect(),
                (ActionOp::Reduce(f), Built::Values(r)) => {
                    let (f, id) = (f.clone(), a.rdd.clone());
                    r.reduce(move |x, y| ok(&id, f.combine(x, y)))?
                        .iter()
                        .map(|v| v.to_string())
                        .collect()
                }
                (ActionOp::SaveAsTextFile(path), Built::Values(r)) => {
                    r.save_as_text_file(path)?;
                    vec![path.clone()]
                }
                (ActionOp::SaveAsTextFile(path), Built::Pairs(r)) => {
                    r.map(|(k, v)| Value::pair(k.clone(), v.clone()))
                        .save_as_text_file(path)?;
                    vec![path.clone()]
                }
                (ActionOp::Foreach, Built::Values(r)) => {
                    r.foreach(|_| {})?;
                    Vec::new()
                }
                (ActionOp::Foreach, Built::Pairs(r)) => {
                    r.foreach(|_| {})?;
                    Vec::new()
                }
                (ActionOp::Reduce(_), Built::Pairs(_)) => {
                    return Err(shape_check(&a.rdd, "reduce needs single values"))
                }
            };
            let name = a.op.name();
            exact.push_str(&format!("{name}({})={};", a.rdd, out.join("\u{1f}")));
            results.push(format!("{name}({}) = {}", a.rdd, show(&out)));
        }
    }
    Ok(WorkloadOutput {
        result: results.last().cloned().unwrap_or_default(),
        digest: digest(exact.as_bytes()),
        lineage,
    })
}

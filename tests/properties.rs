//! The engine's laws, as property tests (DESIGN "Testing habits").
//!
//! Random pipelines of 1–8 operations drawn from every transformation, on random data,
//! partition counts and clusters of 1–16 executors, give the same records as a model written
//! with plain iterators, on both clocks. The model keeps partitions while their order is known
//! (sources and narrow operations), so that `sample`, whose choices depend on a record's
//! position in its partition, is modelled exactly; after a shuffle the model only knows the
//! multiset, and `sample` is not drawn there.

use ember::cluster::{Clock, ClusterSpec};
use ember::rdd::sample::{partition_seeds, sample_partition};
use ember::rdd::source::slice_bounds;
use ember::{Context, Rdd};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

type Rec = (u8, i64);

#[derive(Clone, Debug)]
enum Op {
    Map,
    Filter,
    FlatMap,
    MapPartitions,
    Union(Vec<Rec>, usize),
    Sample(bool, f64, u64),
    ReduceByKey(usize),
    GroupByKey(usize),
    Join(Vec<Rec>, usize),
    Cogroup(Vec<Rec>, usize),
    SortByKey(bool, usize),
    Distinct(usize),
    PartitionBy(usize),
    MapValues,
    KeyBy,
}

fn data() -> impl Strategy<Value = Vec<Rec>> {
    prop::collection::vec((0u8..8, -50i64..50), 0..40)
}

fn op(ordered_only: bool) -> BoxedStrategy<Op> {
    let mut choices = vec![
        Just(Op::Map).boxed(),
        Just(Op::Filter).boxed(),
        Just(Op::FlatMap).boxed(),
        Just(Op::MapPartitions).boxed(),
        (data(), 1usize..4)
            .prop_map(|(d, p)| Op::Union(d, p))
            .boxed(),
        (1usize..5).prop_map(Op::ReduceByKey).boxed(),
        (1usize..5).prop_map(Op::GroupByKey).boxed(),
        (data(), 1usize..4)
            .prop_map(|(d, p)| Op::Join(d, p))
            .boxed(),
        (data(), 1usize..4)
            .prop_map(|(d, p)| Op::Cogroup(d, p))
            .boxed(),
        (any::<bool>(), 1usize..5)
            .prop_map(|(a, p)| Op::SortByKey(a, p))
            .boxed(),
        (1usize..5).prop_map(Op::Distinct).boxed(),
        (1usize..5).prop_map(Op::PartitionBy).boxed(),
        Just(Op::MapValues).boxed(),
        Just(Op::KeyBy).boxed(),
    ];
    if ordered_only {
        choices.push(
            (any::<bool>(), 0.0f64..1.5, any::<u64>())
                .prop_map(|(w, f, s)| Op::Sample(w, f, s))
                .boxed(),
        );
    }
    prop::strategy::Union::new(choices).boxed()
}

/// The model: partitions with their order while it is known, else one bag of records.
#[derive(Clone, Debug)]
struct Model {
    parts: Vec<Vec<Rec>>,
    ordered: bool,
}

fn slices(d: &[Rec], n: usize) -> Vec<Vec<Rec>> {
    slice_bounds(d.len(), n)
        .into_iter()
        .map(|(a, b)| d[a..b].to_vec())
        .collect()
}

fn bag(m: &Model) -> Vec<Rec> {
    m.parts.iter().flatten().copied().collect()
}

fn unordered(v: Vec<Rec>) -> Model {
    Model {
        parts: vec![v],
        ordered: false,
    }
}

fn map_rec((k, v): Rec) -> Rec {
    ((k + 1) % 8, v.wrapping_mul(2).wrapping_add(1))
}

fn flat(x: Rec) -> Vec<Rec> {
    if x.1 % 2 == 0 {
        vec![x, (x.0, x.1.wrapping_add(1))]
    } else {
        vec![x]
    }
}

fn grouped(v: &[Rec]) -> BTreeMap<u8, Vec<i64>> {
    let mut m: BTreeMap<u8, Vec<i64>> = BTreeMap::new();
    for (k, x) in v {
        m.entry(*k).or_default().push(*x);
    }
    m
}

fn sum(v: &[i64]) -> i64 {
    v.iter().fold(0i64, |a, b| a.wrapping_add(*b))
}

fn apply_model(m: &Model, op: &Op) -> Model {
    let each = |f: &dyn Fn(&Vec<Rec>) -> Vec<Rec>| Model {
        parts: m.parts.iter().map(f).collect(),
        ordered: m.ordered,
    };
    match op {
        Op::Map => each(&|p| p.iter().copied().map(map_rec).collect()),
        Op::Filter => each(&|p| p.iter().copied().filter(|x| x.1 % 3 != 0).collect()),
        Op::FlatMap => each(&|p| p.iter().copied().flat_map(flat).collect()),
        Op::MapPartitions => each(&|p| p.iter().rev().copied().collect()),
        Op::MapValues => each(&|p| p.iter().map(|(k, v)| (*k, v ^ 5)).collect()),
        Op::KeyBy => each(&|p| {
            p.iter()
                .map(|(_, v)| ((v.rem_euclid(8)) as u8, *v))
                .collect()
        }),
        Op::Union(d, n) => {
            let mut parts = m.parts.clone();
            parts.extend(slices(d, *n));
            Model {
                parts,
                ordered: m.ordered,
            }
        }
        Op::Sample(w, f, s) => {
            let seeds = partition_seeds(*s, m.parts.len());
            Model {
                parts: m
                    .parts
                    .iter()
                    .zip(seeds)
                    .map(|(p, seed)| sample_partition(p, *w, *f, seed))
                    .collect(),
                ordered: true,
            }
        }
        Op::ReduceByKey(_) => unordered(
            grouped(&bag(m))
                .into_iter()
                .map(|(k, v)| (k, sum(&v)))
                .collect(),
        ),
        Op::GroupByKey(_) => unordered(
            grouped(&bag(m))
                .into_iter()
                .map(|(k, v)| (k, sum(&v)))
                .collect(),
        ),
        Op::Join(d, _) => {
            let right = grouped(d);
            let mut out = Vec::new();
            for (k, v) in bag(m) {
                for w in right.get(&k).into_iter().flatten() {
                    out.push((k, v.wrapping_mul(*w)));
                }
            }
            unordered(out)
        }
        Op::Cogroup(d, _) => {
            let (l, r) = (grouped(&bag(m)), grouped(d));
            let keys: BTreeSet<u8> = l.keys().chain(r.keys()).copied().collect();
            let e = Vec::new();
            unordered(
                keys.into_iter()
                    .map(|k| {
                        (
                            k,
                            sum(l.get(&k).unwrap_or(&e)).wrapping_sub(sum(r.get(&k).unwrap_or(&e))),
                        )
                    })
                    .collect(),
            )
        }
        Op::SortByKey(..) | Op::PartitionBy(_) => unordered(bag(m)),
        Op::Distinct(_) => unordered(
            bag(m)
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        ),
    }
}

fn apply_rdd(ctx: &Context, r: &Rdd<Rec>, op: &Op) -> Rdd<Rec> {
    match op {
        Op::Map => r.map(|x| map_rec(*x)),
        Op::Filter => r.filter(|x| x.1 % 3 != 0),
        Op::FlatMap => r.flat_map(|x| flat(*x)),
        Op::MapPartitions => {
            r.map_partitions(|it| it.into_owned().collect::<Vec<_>>().into_iter().rev())
        }
        Op::MapValues => r.map_values(|v| v ^ 5),
        Op::KeyBy => r
            .key_by(|(_, v)| v.rem_euclid(8) as u8)
            .map(|(k, (_, v))| (*k, *v)),
        Op::Union(d, n) => r.union(&ctx.parallelize(d.clone(), *n)),
        Op::Sample(w, f, s) => r.sample(*w, *f, *s),
        Op::ReduceByKey(n) => r.reduce_by_key_into(|a, b| a.wrapping_add(*b), *n),
        Op::GroupByKey(n) => r.group_by_key_into(*n).map_values(|v| sum(v)),
        Op::Join(d, n) => r
            .join(&ctx.parallelize(d.clone(), *n))
            .map_values(|(v, w)| v.wrapping_mul(*w)),
        Op::Cogroup(d, n) => r
            .cogroup(&ctx.parallelize(d.clone(), *n))
            .map_values(|(vs, ws)| sum(vs).wrapping_sub(sum(ws))),
        Op::SortByKey(asc, n) => r.sort_by_key_into(*asc, *n).expect("sampling job"),
        Op::Distinct(n) => r.distinct_into(*n),
        Op::PartitionBy(n) => r.partition_by(ember::rdd::Partitioner::hash(*n).unwrap()),
    }
}

/// A pipeline: starting data and partitions, then 1–8 operations; `sample` only while the
/// model still knows partition order.
fn pipeline() -> impl Strategy<Value = (Vec<Rec>, usize, Vec<Op>)> {
    (
        data(),
        1usize..6,
        prop::collection::vec(any::<prop::sample::Index>(), 1..=8),
        prop::collection::vec(op(true), 8),
        prop::collection::vec(op(false), 8),
    )
        .prop_map(|(d, p, picks, ordered_ops, any_ops)| {
            let mut ops = Vec::new();
            let mut ordered = true;
            for (i, _) in picks.iter().enumerate() {
                let o = if ordered {
                    ordered_ops[i].clone()
                } else {
                    any_ops[i].clone()
                };
                ordered = matches!(
                    o,
                    Op::Map
                        | Op::Filter
                        | Op::FlatMap
                        | Op::MapPartitions
                        | Op::MapValues
                        | Op::KeyBy
                        | Op::Union(..)
                        | Op::Sample(..)
                ) && ordered;
                ops.push(o);
            }
            (d, p, ops)
        })
}

fn sorted(mut v: Vec<Rec>) -> Vec<Rec> {
    v.sort();
    v
}

fn check(
    clock: Clock,
    executors: usize,
    cores: u32,
    d: &[Rec],
    p: usize,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(executors, cores))
        .clock(clock)
        .build()
        .expect("context");
    let mut rdd = ctx.parallelize(d.to_vec(), p);
    let mut model = Model {
        parts: slices(d, p),
        ordered: true,
    };
    for op in ops {
        rdd = apply_rdd(&ctx, &rdd, op);
        model = apply_model(&model, op);
    }
    let got = rdd
        .collect()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    if model.ordered {
        prop_assert_eq!(
            &got,
            &bag(&model),
            "order known: records in partition order"
        );
    }
    prop_assert_eq!(sorted(got.clone()), sorted(bag(&model)));
    if let Some(Op::SortByKey(asc, _)) = ops.last() {
        let keys: Vec<u8> = got.iter().map(|r| r.0).collect();
        let ok = keys
            .windows(2)
            .all(|w| if *asc { w[0] <= w[1] } else { w[0] >= w[1] });
        prop_assert!(ok, "sort_by_key output is ordered by key: {:?}", keys);
    }
    prop_assert_eq!(
        rdd.count()
            .map_err(|e| TestCaseError::fail(e.to_string()))? as usize,
        got.len()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_pipelines_give_the_same_records_as_plain_iterators_on_both_clocks(
        (d, p, ops) in pipeline(),
        executors in 1usize..=16,
        cores in 1u32..=3,
    ) {
        check(Clock::Virtual, executors, cores, &d, p, &ops)?;
        check(Clock::Wall, executors, cores, &d, p, &ops)?;
    }
}

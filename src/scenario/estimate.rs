//! How much work a scenario's run will do, reckoned from the scenario alone, before it starts:
//! records, tasks, blocks, events and event-log bytes ([`super::budget::Estimate`]), each with
//! the product that makes its largest term, for [`super::budget`] to check.
//!
//! The estimates are upper bounds of the right order, not predictions: each workload's jobs
//! and stages are counted as its code makes them (a stage its job will skip is counted as
//! listed, not run), its datasets' sizes from their generators, `text_file`'s partitions from
//! the DFS block size. This module knows the shape of every workload; it runs nothing.

use super::budget::{big, Estimate};
use super::Scenario;
use crate::dfs::DfsConfig;
use crate::human::count;
use crate::workloads::datasets::{Dataset, Generator};
use crate::workloads::pipeline::{ActionOp, Op, PipelineSpec};
use crate::workloads::Workload;
use std::collections::BTreeSet;

/// The records and bytes a generator makes, and the product that gives its record count.
fn dataset_size(g: &Generator) -> (u128, u128, String) {
    let digits = |n: u64| (n.max(1) as f64).log10().floor() as u128 + 1;
    match *g {
        Generator::Text {
            lines,
            words_per_line,
            vocabulary,
        } => {
            let words = lines as u128 * words_per_line as u128;
            (
                lines as u128 + words,
                words * (digits(vocabulary) + 2),
                format!(
                    "{} lines × {} words per line",
                    count(lines),
                    count(words_per_line)
                ),
            )
        }
        Generator::CallRecords { records, .. } => (
            records as u128,
            records as u128 * 64,
            format!("{} call records", count(records)),
        ),
        Generator::Points { points, dims } => (
            points as u128,
            points as u128 * (3 + 10 * dims as u128),
            format!("{} points", count(points)),
        ),
        Generator::Graph { vertices, degree } => {
            let edges = vertices as u128 * degree.max(1) as u128;
            (
                edges,
                edges * (2 * digits(vertices) + 2),
                format!(
                    "{} vertices × {} edges per vertex",
                    count(vertices),
                    count(degree)
                ),
            )
        }
        Generator::Range { start, end } => {
            let n = end.saturating_sub(start).max(0) as u64;
            (
                n as u128,
                n as u128 * (digits(n) + 1),
                format!("{} integers", count(n)),
            )
        }
    }
}

/// The partitions `text_file` gives a dataset, and why that many.
struct Splits {
    n: u128,
    why: String,
}

/// What the estimate is built from: the settings every workload shares.
struct Reckoner<'a> {
    dfs: &'a DfsConfig,
    e: Estimate,
    /// Events and log bytes follow from the rest; they are added at the end.
    stage_attempts: u128,
    stages_listed: u128,
    jobs: u128,
}

impl Reckoner<'_> {
    /// A dataset written into the DFS and read with `text_file`: its records, its blocks
    /// (with replicas); returns the partitions `text_file` gives it.
    fn dfs_dataset(&mut self, d: &Dataset) -> Splits {
        let (records, bytes, product) = dataset_size(&d.generator);
        self.e.records.add(records, || product.clone());
        let files = d.partitions.max(1) as u128;
        let block = self.dfs.block_size.max(1) as u128;
        let per_file = (bytes / files).div_ceil(block).max(1);
        let splits = files.saturating_mul(per_file);
        let replication = self.dfs.replication.max(1) as u128;
        let input = format!(
            "{} of input ({product}) in blocks of {}",
            crate::human::bytes(bytes.min(u64::MAX as u128) as u64),
            crate::human::bytes(block as u64)
        );
        self.e.blocks.add(splits.saturating_mul(replication), || {
            format!("DFS blocks: {input}, {replication} replicas each")
        });
        Splits {
            n: splits,
            why: if per_file > 1 {
                format!("one task per block: {input}")
            } else {
                format!("one task per part file: {} files", big(files))
            },
        }
    }

    /// A dataset parallelized from the driver: its records; returns its partitions.
    fn parallel_dataset(&mut self, d: &Dataset) -> u128 {
        let (records, _, product) = dataset_size(&d.generator);
        self.e.records.add(records, || product);
        d.partitions.max(1) as u128
    }

    /// `records` (of `source`, in words) handed through `ops` operations, `times` times.
    fn passes(&mut self, records: u128, source: &str, ops: u128, times: u128, what: &str) {
        self.e
            .records
            .add(records.saturating_mul(ops).saturating_mul(times), || {
                let times = if times > 1 {
                    format!(", {times} times")
                } else {
                    String::new()
                };
                format!(
                    "{} records ({source}) through {ops} operations{times}: {what}",
                    big(records)
                )
            });
    }

    /// A job that runs stages of these task counts and lists `listed` stages in all; `why`
    /// says where the largest stage's tasks come from.
    fn job(&mut self, stages: &[u128], listed: u128, what: &str, why: &str) {
        self.jobs += 1;
        self.stage_attempts += stages.len() as u128;
        self.stages_listed += listed;
        let tasks: u128 = stages.iter().fold(0u128, |a, t| a.saturating_add(*t));
        self.e.tasks.add(tasks, || {
            if why.is_empty() {
                format!("{} tasks in a job ({what})", big(tasks))
            } else {
                format!("{} tasks in a job ({what}), {why}", big(tasks))
            }
        });
    }

    /// `times` jobs like [`Self::job`].
    fn jobs(&mut self, times: u128, stages: &[u128], listed: u128, what: &str) {
        let tasks: u128 = stages.iter().fold(0u128, |a, t| a.saturating_add(*t));
        self.jobs += times;
        self.stage_attempts += times * stages.len() as u128;
        self.stages_listed += times * listed;
        self.e.tasks.add(tasks.saturating_mul(times), || {
            format!("{times} jobs × {} tasks ({what})", big(tasks))
        });
    }

    /// A shuffle of `maps` map tasks into `reduces` partitions.
    fn shuffle(&mut self, maps: u128, reduces: u128, times: u128) {
        self.e
            .blocks
            .add(maps.saturating_mul(reduces).saturating_mul(times), || {
                let each = format!(
                    "shuffle blocks: {} map tasks × {} reduce partitions",
                    big(maps),
                    big(reduces)
                );
                if times > 1 {
                    format!("{each}, {times} times")
                } else {
                    each
                }
            });
    }

    /// Partitions of a persisted RDD, cached once.
    fn cached(&mut self, partitions: u128) {
        self.e
            .blocks
            .add(partitions, || format!("{} cached blocks", big(partitions)));
    }

    /// Events and log bytes follow from the jobs, stages and tasks.
    fn finish(mut self) -> Estimate {
        let tasks = self.e.tasks.total;
        let blocks = self.e.blocks.total;
        // A task starts and ends (2 events, about 1 KB with its metrics); a stage attempt is
        // submitted and completes; a listed stage is described in its JobStart and skipped or
        // run; a job starts and ends; cached and shuffle blocks leave a few block events.
        let events = tasks
            .saturating_mul(2)
            .saturating_add(self.stage_attempts * 2)
            .saturating_add(self.stages_listed)
            .saturating_add(self.jobs * 2)
            .saturating_add(16);
        let (t, s, l) = (tasks, self.stage_attempts, self.stages_listed);
        self.e
            .events
            .add(events, || format!("{} tasks × 2 events each", big(t)));
        self.e.log_bytes.add(tasks.saturating_mul(1_100), || {
            format!("{} tasks × 1.1 KB of TaskStart and TaskEnd", big(t))
        });
        self.e.log_bytes.add(s * 250 + l * 150, || {
            format!(
                "{} stages listed by the jobs × 150 B each (every job lists the stages it skips)",
                big(l)
            )
        });
        let _ = blocks;
        self.e
    }
}

/// Estimates the work of a scenario's run.
pub fn estimate(sc: &Scenario) -> Estimate {
    let mut r = Reckoner {
        dfs: &sc.dfs,
        e: Estimate::default(),
        stage_attempts: 0,
        stages_listed: 0,
        jobs: 0,
    };
    let engines = sc.engine.engines();
    if engines.contains(&crate::events::Engine::MapReduce) {
        mapreduce(&mut r, sc);
    }
    if !engines.contains(&crate::events::Engine::Spark) {
        return r.finish();
    }
    let iterations = |n: usize| n.max(1) as u128;
    match &sc.workload {
        Workload::LogisticRegression(p) => {
            let d = Dataset::points(p.points, p.dims, p.common.partitions);
            let split = r.dfs_dataset(&d);
            let its = iterations(p.common.iterations);
            let (pts, _, what) = dataset_size(&d.generator);
            let reads = if p.common.persist.is_valid() { 1 } else { its };
            r.passes(pts, &what, 3, reads, "reading and parsing the points");
            r.passes(pts, &what, 2, its, "the gradient steps");
            if p.common.persist.is_valid() {
                r.cached(split.n);
            }
            r.jobs(its, &[split.n], 1, "one per iteration");
        }
        Workload::KMeans(p) => {
            let d = Dataset::points(p.points, p.dims, p.common.partitions);
            let split = r.dfs_dataset(&d);
            let parts = split.n;
            let its = iterations(p.common.iterations);
            let (pts, _, what) = dataset_size(&d.generator);
            let reads = if p.common.persist.is_valid() {
                1
            } else {
                its + 1
            };
            r.passes(pts, &what, 2, reads, "reading and parsing the points");
            r.passes(pts, &what, 3, its, "assigning the points");
            if p.common.persist.is_valid() {
                r.cached(parts);
            }
            r.job(&[1], 1, "the first centres", "");
            r.jobs(its, &[parts, parts], 2, "one per iteration");
            r.shuffle(parts, parts, its);
        }
        Workload::PageRank(p) => {
            let d = crate::workloads::pagerank::input(p);
            let split = r.dfs_dataset(&d);
            let parts = p.common.partitions.max(1) as u128;
            let its = iterations(p.common.iterations);
            let (edges, _, what) = dataset_size(&d.generator);
            r.passes(edges, &what, 4, 1, "reading and grouping the edges");
            r.passes(edges, &what, 5, its, "sending the ranks along the links");
            if p.common.persist.is_valid() {
                r.cached(parts);
            }
            // Without checkpoints each iteration's job lists every stage before it.
            let span = p
                .checkpoint_every
                .filter(|k| *k > 0)
                .unwrap_or(p.common.iterations);
            let listed = 4 + 2 * span.max(1) as u128;
            r.job(
                &[split.n, parts, parts, parts],
                4,
                "the first iteration",
                &split.why,
            );
            r.jobs(its, &[parts, parts], listed, "one per iteration");
            r.shuffle(split.n, parts, 1);
            r.shuffle(parts, parts, its + 1);
        }
        Workload::WordCount(p) => {
            let d = crate::workloads::wordcount::input(p);
            let split = r.dfs_dataset(&d);
            let (words, _, what) = dataset_size(&d.generator);
            r.passes(
                words,
                &what,
                3,
                1,
                "splitting, pairing and counting the words",
            );
            r.job(&[split.n, split.n], 2, "the count", &split.why);
            r.shuffle(split.n, split.n, 1);
        }
        Workload::CallRecordsTopK(p) => {
            let d = crate::workloads::call_records::input(p);
            let split = r.dfs_dataset(&d);
            let (records, _, what) = dataset_size(&d.generator);
            r.passes(records, &what, 6, 2, "filtering and grouping the calls");
            r.cached(split.n);
            r.job(&[split.n], 1, "the count", &split.why);
            r.job(&[split.n, split.n, split.n], 3, "the graph", &split.why);
            r.shuffle(split.n, split.n, 2);
        }
        Workload::Pipeline(p) => pipeline(&mut r, p),
        Workload::Replay(p) => {
            // The recorded jobs, each with the task attempts its stages recorded.
            for job in &p.app.jobs {
                let ran: Vec<u128> = job
                    .stages
                    .iter()
                    .filter_map(|s| p.app.stages.get(s))
                    .map(|s| s.attempts.values().map(Vec::len).sum::<usize>() as u128)
                    .filter(|n| *n > 0)
                    .collect();
                r.job(&ran, job.stages.len() as u128, "a recorded job", "");
                for s in job.stages.iter().filter_map(|s| p.app.stages.get(s)) {
                    if s.shuffle_map {
                        r.shuffle(s.tasks as u128, s.tasks as u128, 1);
                    }
                }
            }
        }
    }
    r.finish()
}

/// The MapReduce baseline's work: a job of a map stage and a reduce stage per iteration, each
/// reading and parsing the whole input again (PageRank one more job, to build the graph, and
/// the graph through every job).
fn mapreduce(r: &mut Reckoner<'_>, sc: &Scenario) {
    let reducers = |default: usize| sc.mapreduce.reducers.unwrap_or(default).max(1) as u128;
    let its = |n: usize| n.max(1) as u128;
    // Logistic regression and k-means: a job per iteration over the points, reduced by one
    // reducer unless `[mapreduce]` says otherwise.
    let points = |r: &mut Reckoner<'_>,
                  points: usize,
                  dims: usize,
                  c: &crate::workloads::Common,
                  doing: &str| {
        let d = Dataset::points(points, dims, c.partitions);
        let split = r.dfs_dataset(&d);
        let (pts, _, what) = dataset_size(&d.generator);
        let n = its(c.iterations);
        let why = format!("the baseline reading, parsing and {doing} the points");
        r.passes(pts, &what, 5, n, &why);
        r.jobs(
            n,
            &[split.n, reducers(1)],
            2,
            "the baseline's, one per iteration",
        );
        r.shuffle(split.n, reducers(1), n);
    };
    match &sc.workload {
        Workload::LogisticRegression(p) => {
            points(r, p.points, p.dims, &p.common, "mapping");
        }
        Workload::KMeans(p) => {
            points(r, p.points, p.dims, &p.common, "assigning");
        }
        Workload::PageRank(p) => {
            let d = crate::workloads::pagerank::input(p);
            let split = r.dfs_dataset(&d);
            let (edges, _, what) = dataset_size(&d.generator);
            let n = its(p.common.iterations);
            let red = reducers(p.common.partitions);
            r.passes(edges, &what, 4, 1, "the baseline building the graph");
            r.job(&[split.n, red], 2, "the baseline's graph", &split.why);
            r.passes(
                edges,
                &what,
                8,
                n,
                "the baseline carrying the graph through each job",
            );
            r.jobs(n, &[red, red], 2, "the baseline's, one per iteration");
            r.shuffle(red, red, n);
        }
        Workload::WordCount(p) => {
            let d = crate::workloads::wordcount::input(p);
            let split = r.dfs_dataset(&d);
            let (words, _, what) = dataset_size(&d.generator);
            let red = reducers(p.common.partitions);
            r.passes(words, &what, 4, 1, "the baseline's word count");
            r.job(&[split.n, red], 2, "the baseline's count", &split.why);
            r.shuffle(split.n, red, 1);
        }
        // `check` refuses the others on the baseline.
        Workload::CallRecordsTopK(_) | Workload::Pipeline(_) | Workload::Replay(_) => {}
    }
}

/// A pipeline: partitions per RDD as the engine gives them, one job per action run (the
/// shuffles of a lineage run once and are skipped after), records through every RDD.
fn pipeline(r: &mut Reckoner<'_>, p: &PipelineSpec) {
    // Per RDD: its partitions, why that many, its source records and what they are.
    let mut parts: Vec<(u128, String)> = Vec::with_capacity(p.rdds.len());
    let mut records: Vec<(u128, String)> = Vec::with_capacity(p.rdds.len());
    let index: std::collections::BTreeMap<&str, usize> = p
        .rdds
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let input = |s: &crate::workloads::pipeline::RddSpec, k: usize| -> usize {
        s.inputs
            .get(k)
            .and_then(|id| index.get(id.as_str()))
            .copied()
            .unwrap_or(0)
    };
    let sum = |a: &(u128, String), b: &(u128, String)| {
        (a.0.saturating_add(b.0), format!("{} and {}", a.1, b.1))
    };
    for s in &p.rdds {
        let (n, recs) = match s.op {
            Op::TextFile | Op::Parallelize => {
                let d = p
                    .datasets
                    .iter()
                    .find(|d| Some(&d.name) == s.dataset.as_ref());
                match d {
                    Some(d) => {
                        let (recs, _, what) = dataset_size(&d.generator);
                        let n = if s.op == Op::TextFile {
                            let split = r.dfs_dataset(d);
                            (split.n, split.why)
                        } else {
                            let n = r.parallel_dataset(d);
                            (n, format!("{} slices", big(n)))
                        };
                        (n, (recs, what))
                    }
                    None => ((1, String::new()), (0, String::new())),
                }
            }
            Op::Union => {
                let (a, b) = (input(s, 0), input(s, 1));
                (sum(&parts[a], &parts[b]), sum(&records[a], &records[b]))
            }
            Op::Join | Op::Cogroup => {
                let (a, b) = (input(s, 0), input(s, 1));
                let n = s
                    .partitions
                    .map_or(parts[a].0.max(parts[b].0), |x| x as u128);
                r.shuffle(parts[a].0, n, 1);
                r.shuffle(parts[b].0, n, 1);
                (
                    (n, format!("{} of {}", big(n), s.id)),
                    sum(&records[a], &records[b]),
                )
            }
            Op::GroupByKey
            | Op::ReduceByKey(_)
            | Op::SortByKey { .. }
            | Op::Distinct
            | Op::PartitionBy => {
                let a = input(s, 0);
                let n = s.partitions.map_or(parts[a].0, |x| x as u128);
                r.shuffle(parts[a].0, n, 1);
                ((n, format!("{} of {}", big(n), s.id)), records[a].clone())
            }
            _ => {
                let a = input(s, 0);
                (parts[a].clone(), records[a].clone())
            }
        };
        if s.persist.is_some_and(|l| l.is_valid()) {
            r.cached(n.0);
        }
        parts.push(n);
        records.push(recs);
    }
    let mut ran: BTreeSet<usize> = BTreeSet::new();
    for a in &p.actions {
        let Some(&root) = index.get(a.rdd.as_str()) else {
            continue;
        };
        let mut lineage = BTreeSet::new();
        let mut todo = vec![root];
        while let Some(i) = todo.pop() {
            if lineage.insert(i) {
                todo.extend(
                    p.rdds[i]
                        .inputs
                        .iter()
                        .filter_map(|id| index.get(id.as_str())),
                );
            }
        }
        // Map stages: the inputs of shuffling RDDs.
        let mut map_stages = Vec::new();
        for &i in &lineage {
            let narrow = matches!(
                p.rdds[i].op,
                Op::TextFile
                    | Op::Parallelize
                    | Op::Union
                    | Op::Map(_)
                    | Op::Filter(_)
                    | Op::FlatMap(_)
                    | Op::Sample { .. }
                    | Op::MapValues(_)
                    | Op::KeyBy(_)
            );
            if !narrow {
                for id in &p.rdds[i].inputs {
                    if let Some(&m) = index.get(id.as_str()) {
                        map_stages.push(m);
                    }
                }
            }
        }
        let listed = map_stages.len() as u128 + 1;
        let repeat = a.repeat.max(1) as u128;
        let result_tasks = match a.op {
            ActionOp::Take(_) | ActionOp::First => 1,
            _ => parts[root].0,
        };
        let mut first: Vec<(u128, &str)> = map_stages
            .iter()
            .filter(|m| ran.insert(**m))
            .map(|m| (parts[*m].0, parts[*m].1.as_str()))
            .collect();
        first.push((result_tasks, parts[root].1.as_str()));
        let why = first
            .iter()
            .max_by_key(|(n, _)| *n)
            .map(|(_, w)| w.to_string())
            .unwrap_or_default();
        let stages: Vec<u128> = first.iter().map(|(n, _)| *n).collect();
        let sources: Vec<&(u128, String)> = lineage
            .iter()
            .filter(|i| matches!(p.rdds[**i].op, Op::TextFile | Op::Parallelize))
            .map(|i| &records[*i])
            .collect();
        let source_records = sources.iter().fold(0u128, |a, b| a.saturating_add(b.0));
        let what: Vec<&str> = sources.iter().map(|s| s.1.as_str()).collect();
        r.passes(
            source_records,
            &what.join(" and "),
            lineage.len() as u128,
            repeat,
            &format!("the lineage of {}", a.rdd),
        );
        let action = format!("{} of {}", a.op.name(), a.rdd);
        r.job(&stages, listed, &action, &why);
        if repeat > 1 {
            r.jobs(
                repeat - 1,
                &[result_tasks],
                listed,
                &format!("{action}, repeated"),
            );
        }
    }
}

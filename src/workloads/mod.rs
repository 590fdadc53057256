//! Ready-made workloads: the jobs scenarios run.
//!
//! Each workload generates its input from the run's seed into the DFS ([`datasets`]), runs
//! through a [`Context`], posts an `IterationEnd` per iteration when it iterates, and returns
//! a [`WorkloadOutput`]: a short human answer and a digest of the exact answer, which is the
//! same whatever the cluster, clock, cache setting or fault plan (floating-point answers are
//! digested rounded to 9 significant digits, so that sums combined in another order still
//! agree). This module does not read scenario files; it is what they point at.

pub mod call_records;
pub mod datasets;
pub mod kmeans;
pub mod logistic_regression;
pub mod mapreduce;
pub mod pagerank;
pub mod pipeline;
pub mod replay;
pub mod wordcount;

use crate::events::{Engine, EventKind};
use crate::hashing::stable_hash;
use crate::mapreduce::MapReduceConfig;
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;

/// The kinds the MapReduce baseline runs.
pub const MAPREDUCE_KINDS: [&str; 4] = ["logistic_regression", "kmeans", "pagerank", "wordcount"];

/// What a workload answered.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadOutput {
    /// A short human rendering of the answer.
    pub result: String,
    /// A stable hash of the exact answer (8 hex digits).
    pub digest: String,
    /// The lineage of the last RDD the workload acted on (`toDebugString`).
    pub lineage: String,
}

/// The keys every built-in kind shares.
#[derive(Clone, Debug, PartialEq)]
pub struct Common {
    /// Iterations of an iterative workload.
    pub iterations: usize,
    /// Input partitions (part files of the generated dataset).
    pub partitions: usize,
    /// The storage level of the reused dataset (`NONE`: not persisted).
    pub persist: StorageLevel,
    /// Seeds the generated data.
    pub seed: u64,
    /// Where the generated input's blocks go (`writer`, `replication`).
    pub placement: datasets::Placement,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            iterations: 5,
            partitions: 8,
            persist: StorageLevel::MEMORY_ONLY,
            seed: 0,
            placement: datasets::Placement::default(),
        }
    }
}

/// A workload and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// Fits a logistic regression by gradient descent over generated points.
    LogisticRegression(logistic_regression::LrParams),
    /// Clusters generated points with k-means.
    KMeans(kmeans::KMeansParams),
    /// Ranks the vertices of a generated power-law graph.
    PageRank(pagerank::PageRankParams),
    /// Counts the words of generated text.
    WordCount(wordcount::WordCountParams),
    /// Finds the most influential callers of one plan in generated call records.
    CallRecordsTopK(call_records::CallRecordsParams),
    /// A lineage written in the scenario file.
    Pipeline(pipeline::PipelineSpec),
    /// A recorded application (an event log) run again on the scenario's cluster.
    Replay(replay::ReplayParams),
}

impl Workload {
    /// The workload's kind name, as scenario files spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Workload::LogisticRegression(_) => "logistic_regression",
            Workload::KMeans(_) => "kmeans",
            Workload::PageRank(_) => "pagerank",
            Workload::WordCount(_) => "wordcount",
            Workload::CallRecordsTopK(_) => "call_records_top_k",
            Workload::Pipeline(_) => "pipeline",
            Workload::Replay(_) => "replay",
        }
    }

    /// The storage levels the workload persists at, each with the scenario key that sets it.
    pub fn persisted_levels(&self) -> Vec<(String, StorageLevel)> {
        let common = match self {
            Workload::LogisticRegression(p) => &p.common,
            Workload::KMeans(p) => &p.common,
            Workload::PageRank(p) => &p.common,
            Workload::WordCount(p) => &p.common,
            Workload::CallRecordsTopK(p) => &p.common,
            Workload::Pipeline(p) => {
                return p
                    .rdds
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        r.persist.map(|l| (format!("workload.rdd[{i}].persist"), l))
                    })
                    .collect()
            }
            Workload::Replay(_) => return Vec::new(),
        };
        vec![("workload.persist".into(), common.persist)]
    }

    /// How many iterations the workload runs (`IterationEnd`s it posts, and the most an
    /// `iteration N` fault trigger can name); 0 for a workload that does not iterate.
    pub fn iterations(&self) -> usize {
        match self {
            Workload::LogisticRegression(p) => p.common.iterations,
            Workload::KMeans(p) => p.common.iterations,
            Workload::PageRank(p) => p.common.iterations,
            Workload::Replay(p) => p.app.jobs.len(),
            _ => 0,
        }
    }

    /// Gives the workload's input the run's seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        match &mut self {
            Workload::LogisticRegression(p) => p.common.seed = seed,
            Workload::KMeans(p) => p.common.seed = seed,
            Workload::PageRank(p) => p.common.seed = seed,
            Workload::WordCount(p) => p.common.seed = seed,
            Workload::CallRecordsTopK(p) => p.common.seed = seed,
            Workload::Pipeline(p) => p.seed = seed,
            // A replay's times are recorded, not drawn.
            Workload::Replay(_) => {}
        }
        self
    }

    /// Whether the MapReduce baseline runs this kind.
    pub fn runs_on_mapreduce(&self) -> bool {
        MAPREDUCE_KINDS.contains(&self.kind())
    }

    /// Runs the workload on `ctx`, as the engine of `ctx` runs it (the MapReduce baseline
    /// with `mr`'s settings). A kind the baseline does not run fails there.
    pub fn run_on(&self, ctx: &Context, mr: &MapReduceConfig) -> Result<WorkloadOutput, JobError> {
        if ctx.engine() == Engine::Spark {
            return self.run(ctx);
        }
        match self {
            Workload::LogisticRegression(p) => mapreduce::logistic_regression(ctx, mr, p),
            Workload::KMeans(p) => mapreduce::kmeans(ctx, mr, p),
            Workload::PageRank(p) => mapreduce::pagerank(ctx, mr, p),
            Workload::WordCount(p) => mapreduce::wordcount(ctx, mr, p),
            other => Err(JobError::InvalidRdd(format!(
                "the MapReduce baseline does not run {}: it runs {}",
                other.kind(),
                MAPREDUCE_KINDS.join(", ")
            ))),
        }
    }

    /// Runs the workload on `ctx` with the Spark-style engine.
    pub fn run(&self, ctx: &Context) -> Result<WorkloadOutput, JobError> {
        match self {
            Workload::LogisticRegression(p) => logistic_regression::run(ctx, p),
            Workload::KMeans(p) => kmeans::run(ctx, p),
            Workload::PageRank(p) => pagerank::run(ctx, p),
            Workload::WordCount(p) => wordcount::run(ctx, p),
            Workload::CallRecordsTopK(p) => call_records::run(ctx, p),
            Workload::Pipeline(p) => pipeline::run(ctx, p),
            Workload::Replay(p) => replay::run(ctx, p),
        }
    }
}

/// 8 hex digits of the stable hash of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("{:08x}", stable_hash(bytes) as u32)
}

/// The digest of floating-point answers, each rounded to 9 significant digits.
pub fn float_digest(values: impl IntoIterator<Item = f64>) -> String {
    let text: String = values.into_iter().map(|v| format!("{v:.8e};")).collect();
    digest(text.as_bytes())
}

/// Runs `iteration` for each iteration `1..=n`, posting `IterationEnd` with its time.
pub(crate) fn iterate(
    ctx: &Context,
    n: usize,
    mut iteration: impl FnMut(usize) -> Result<(), JobError>,
) -> Result<(), JobError> {
    for i in 1..=n {
        let start = ctx.now_us();
        ctx.iteration_started(i);
        iteration(i)?;
        let end = ctx.now_us();
        ctx.post(EventKind::IterationEnd {
            engine: ctx.engine().name().into(),
            iteration: i,
            duration_us: end.saturating_sub(start),
        });
    }
    Ok(())
}

/// Writes a dataset into the run's DFS.
pub(crate) fn write_input(ctx: &Context, d: &datasets::Dataset, seed: u64) -> Result<(), JobError> {
    d.write(&ctx.dfs(), seed)
        .map(|_| ())
        .map_err(|e| JobError::Io(e.to_string()))
}

/// Reads a dataset back as an RDD of lines.
pub(crate) fn read_input(
    ctx: &Context,
    d: &datasets::Dataset,
) -> Result<crate::Rdd<String>, JobError> {
    ctx.text_file(d.path())
        .map_err(|e| JobError::Io(e.to_string()))
}

//! Ready-made workloads: the jobs scenarios run.
//!
//! Each workload builds its input from a seed, runs through a [`Context`], posts an
//! `IterationEnd` per iteration when it iterates, and returns a [`WorkloadOutput`]: a short
//! human answer and a digest of the exact answer, which is the same whatever the cluster, clock
//! or fault plan (sums are combined in partition order). This module does not know about
//! scenario files; it is what they point at.

pub mod logistic_regression;
pub mod wordcount;

use crate::rdd::stable_hash;
use crate::scheduler::JobError;
use crate::Context;

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

/// A workload and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// Counts the words of generated text files.
    WordCount(wordcount::WordCountParams),
    /// Fits a logistic regression by gradient descent over generated points.
    LogisticRegression(logistic_regression::LrParams),
}

impl Workload {
    /// The workload's kind name, as scenario files spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Workload::WordCount(_) => "wordcount",
            Workload::LogisticRegression(_) => "logistic_regression",
        }
    }

    /// Gives the workload's input the run's seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        match &mut self {
            Workload::WordCount(p) => p.seed = seed,
            Workload::LogisticRegression(p) => p.seed = seed,
        }
        self
    }

    /// Runs the workload on `ctx`.
    pub fn run(&self, ctx: &Context) -> Result<WorkloadOutput, JobError> {
        match self {
            Workload::WordCount(p) => wordcount::run(ctx, p),
            Workload::LogisticRegression(p) => logistic_regression::run(ctx, p),
        }
    }
}

/// 8 hex digits of the stable hash of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("{:08x}", stable_hash(bytes) as u32)
}

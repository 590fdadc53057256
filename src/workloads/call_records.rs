//! The call-records example: keep one plan's calls, cache them, count them, build the caller
//! → receiver graph and find the K most influential callers (those who call the most distinct
//! people).
//!
//! Records are `id,caller,receiver,plan,call_type,duration,time,date` lines in the DFS. The
//! filtered calls are persisted: the count (job 0) caches them, and the graph is built from
//! the cache. Influence is the number of distinct receivers; ties go to the caller whose name
//! sorts first.

use super::datasets::{Dataset, Generator};
use super::{digest, read_input, write_input, Common, WorkloadOutput};
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;
use serde::{Deserialize, Serialize};

/// Parameters of the example.
#[derive(Clone, Debug, PartialEq)]
pub struct CallRecordsParams {
    pub records: usize,
    pub users: usize,
    /// The plan whose calls are kept.
    pub plan: String,
    pub top_k: usize,
    pub common: Common,
}

impl Default for CallRecordsParams {
    fn default() -> Self {
        CallRecordsParams {
            records: 50_000,
            users: 2_000,
            plan: "PlanA".into(),
            top_k: 5,
            common: Common::default(),
        }
    }
}

/// One call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: u64,
    pub caller: String,
    pub receiver: String,
    pub plan: String,
    pub call_type: String,
    pub duration: u32,
}

/// Parses a call record line (`None` if it is malformed).
pub fn parse_call(line: &str) -> Option<Call> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() < 6 {
        return None;
    }
    Some(Call {
        id: f[0].parse().ok()?,
        caller: f[1].to_string(),
        receiver: f[2].to_string(),
        plan: f[3].to_string(),
        call_type: f[4].to_string(),
        duration: f[5].parse().ok()?,
    })
}

/// The call records, as they are written into the DFS.
pub fn input(p: &CallRecordsParams) -> Dataset {
    Dataset {
        name: "calls".into(),
        generator: Generator::CallRecords {
            records: p.records as u64,
            users: p.users.max(2) as u64,
        },
        partitions: p.common.partitions,
        placement: p.common.placement.clone(),
    }
}

/// Runs the example; the answer is the top callers and their reach.
pub fn run(ctx: &Context, p: &CallRecordsParams) -> Result<WorkloadOutput, JobError> {
    let input = input(p);
    write_input(ctx, &input, p.common.seed)?;
    let plan = p.plan.clone();
    let mut calls = read_input(ctx, &input)?
        .flat_map(|l| parse_call(l))
        .filter(move |c| c.plan == plan);
    if p.common.persist != StorageLevel::NONE {
        calls = calls.persist(p.common.persist);
    }
    let n = calls.count()?;
    let reach = calls
        .map(|c| (c.caller.clone(), c.receiver.clone()))
        .distinct()
        .map(|(caller, _)| (caller.clone(), 1u64))
        .reduce_by_key(|a, b| a + b);
    // Most receivers first, then by name: one sort key, ascending.
    let ranked = reach
        .map(|(caller, k)| ((u64::MAX - k, caller.clone()), *k))
        .sort_by_key(true)?;
    let top = ranked.take(p.top_k)?;
    let shown: Vec<String> = top
        .iter()
        .map(|((_, caller), k)| format!("{caller} ({k})"))
        .collect();
    let exact: String = top
        .iter()
        .map(|((_, caller), k)| format!("{caller}:{k};"))
        .collect();
    Ok(WorkloadOutput {
        result: format!(
            "{n} {} calls; most influential: {}",
            p.plan,
            shown.join(", ")
        ),
        digest: digest(format!("{n};{exact}").as_bytes()),
        lineage: ranked.lineage_string(),
    })
}

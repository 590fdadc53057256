//! Replay: a recorded application (an event log, ember's or Apache Spark's) run again on the
//! scenario's cluster, on the virtual clock, to ask "and with twice the executors?".
//!
//! Each recorded job runs again as a job of the same stage graph: a stage is an RDD with the
//! stage's partition count whose task sleeps for the recorded attempt's duration
//! ([`TaskContext::sleep`]), and a shuffle map stage writes a shuffle that the stages reading
//! it read, so ember's own DAG scheduler cuts the same stages, skips those whose shuffle is
//! there, and recomputes what a lost executor held; its task scheduler places the tasks on the
//! scenario's executors. An attempt that failed in its own code fails again, with its error.
//! Executors that joined or were lost while jobs ran join and are lost again at the same time
//! into the same job, as faults of the run's plan (`add_executor`, `kill_executor`). Every recorded job is one iteration (`IterationEnd`), so `ember
//! compare` sets the jobs' times side by side. What is replayed is the schedule, not the
//! computation: records, cached blocks and bytes are not (a task's recorded time includes its
//! reads). The recorded application is [`recorded`]'s fold; the scenario around it is
//! `scenario::replay`'s.

pub mod recorded;

pub use recorded::{RecordedApp, RecordedStage};

use super::{digest, iterate, WorkloadOutput};
use crate::events::TaskEndReason;
use crate::faults::{Fault, FaultKind, Trigger};
use crate::rdd::Partitioner;
use crate::scheduler::JobError;
use crate::task_context::TaskContext;
use crate::{Context, Rdd};
use recorded::MembershipChange;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The parameters of a replay: the recorded application, and the log it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayParams {
    /// The event log, as the scenario names it.
    pub log: String,
    /// What the log recorded.
    pub app: Arc<RecordedApp>,
}

/// A replayed stage's records: one key per partition of the shuffle it writes.
type Keys = Rdd<(u32, u8)>;

/// Replays every recorded job in order. A job that failed in the recording may fail again
/// (the replay goes on); one that succeeded must succeed.
pub fn run(ctx: &Context, p: &ReplayParams) -> Result<WorkloadOutput, JobError> {
    let app = &p.app;
    // Recorded hosts → the replay's, in order (wrapped round when it has fewer).
    let mut hosts: Vec<String> = Vec::new();
    for e in ctx.executors() {
        if !hosts.contains(&e.host) {
            hosts.push(e.host);
        }
    }
    let host_map = app
        .hosts()
        .into_iter()
        .enumerate()
        .filter_map(|(i, h)| Some((h, hosts.get(i % hosts.len().max(1))?.clone())))
        .collect();
    let mut graph = Graph {
        ctx,
        app,
        shuffles: BTreeMap::new(),
        host_map,
    };
    let mut members = Members::new(ctx, app);
    let mut outcomes = Vec::with_capacity(app.jobs.len());
    iterate(ctx, app.jobs.len(), |i| {
        let job = &app.jobs[i - 1];
        members.schedule(ctx, app, i - 1);
        let rdd = graph.stage(job.result_stage, 0)?;
        match rdd.count() {
            Ok(_) => outcomes.push(true),
            Err(_) if !job.succeeded => outcomes.push(false),
            Err(e) => return Err(e),
        }
        // The driver's own time in the job, as recorded (it does not change with the
        // cluster), after its tasks: the times into the job of the changes above stay theirs.
        ctx.driver_sleep(job.driver_us);
        Ok(())
    })?;
    let failed = outcomes.iter().filter(|ok| !**ok).count();
    let text: String = outcomes
        .iter()
        .map(|ok| if *ok { 's' } else { 'f' })
        .collect();
    Ok(WorkloadOutput {
        result: match failed {
            0 => format!("{} jobs replayed", outcomes.len()),
            n => format!("{} jobs replayed, {n} failed as recorded", outcomes.len()),
        },
        digest: digest(text.as_bytes()),
        lineage: String::new(),
    })
}

/// The replayed stages, built once per shuffle.
struct Graph<'a> {
    ctx: &'a Context,
    app: &'a RecordedApp,
    /// Per shuffle (or map stage, when the log does not say which shuffle it wrote), the
    /// shuffled RDD its readers read.
    shuffles: BTreeMap<(bool, usize), Keys>,
    /// A recorded host → the replay's.
    host_map: BTreeMap<String, String>,
}

impl Graph<'_> {
    /// Stage `stage`'s RDD, whose partitions each emit `outputs` keys (a map stage's, for the
    /// shuffle it writes).
    fn stage(&mut self, stage: usize, outputs: usize) -> Result<Keys, JobError> {
        let rec = Arc::new(self.app.stages.get(&stage).cloned().unwrap_or_default());
        let n = rec.tasks.max(1);
        let mut input: Option<Keys> = None;
        // A parent stage is made before its child (a smaller id, as in Spark): what claims
        // otherwise is not followed, so a damaged log cannot loop.
        for &parent in rec.parents.iter().filter(|p| **p < stage) {
            let read = self.shuffled(parent, n)?;
            input = Some(match input {
                None => read,
                // Co-partitioned, so the cogroup is narrow: one stage reads both shuffles.
                Some(r) => r.cogroup(&read).map(|(k, _)| (*k, 0u8)),
            });
        }
        let input = match input {
            Some(r) => r,
            // A stage that reads no shuffle: its partitions prefer the hosts they preferred.
            None if !rec.preferred.is_empty() => self.ctx.make_rdd(
                (0..n)
                    .map(|p| {
                        let hosts = rec.preferred.get(&p).map_or(Vec::new(), |h| {
                            h.iter()
                                .filter_map(|h| self.host_map.get(h).cloned())
                                .collect()
                        });
                        ((p as u32, 0u8), hosts)
                    })
                    .collect(),
            ),
            None => self
                .ctx
                .parallelize((0..n as u32).map(|i| (i, 0u8)).collect(), n),
        };
        let keys = Arc::new(one_key_per_partition(outputs)?);
        let name = format!("recorded stage {stage}");
        let replayed = input.map_partitions_with_index(move |partition, records| {
            records.count();
            let attempt = TaskContext::get().map(|tc| {
                let a = rec.attempt(tc.stage_attempt(), partition, tc.attempt_number());
                tc.sleep(std::time::Duration::from_micros(a.duration_us));
                a
            });
            match (attempt, TaskContext::get()) {
                // As the recorded attempt did: its task fails with its error.
                (Some(a), _) if a.reason == TaskEndReason::Exception => {
                    panic!("{}", a.error.as_deref().unwrap_or("failed as recorded"))
                }
                // Its executor was lost while it ran: it ends the executor it runs on.
                (Some(a), Some(tc)) if a.halts => tc.halt_executor(1),
                _ => {}
            }
            keys.iter().map(|k| (*k, 0u8)).collect::<Vec<_>>()
        });
        Ok(replayed.set_name(&name))
    }

    /// The shuffle map stage `stage` writes, read into `reduces` partitions.
    fn shuffled(&mut self, stage: usize, reduces: usize) -> Result<Keys, JobError> {
        let key = match self.app.stages.get(&stage).and_then(|s| s.shuffle) {
            Some(shuffle) => (true, shuffle),
            None => (false, stage),
        };
        if let Some(r) = self.shuffles.get(&key) {
            return Ok(r.clone());
        }
        let part = Partitioner::hash(reduces).map_err(|e| JobError::InvalidRdd(e.to_string()))?;
        let r = self.stage(stage, reduces)?.partition_by(part);
        self.shuffles.insert(key, r.clone());
        Ok(r)
    }
}

/// A key for each of `n` hash partitions (none for 0), so that every map task writes a block
/// to every reduce partition: each reducer then reads from every map output, as the recorded
/// ones did (an empty block is never fetched, so a lost one would fail no fetch).
fn one_key_per_partition(n: usize) -> Result<Vec<u32>, JobError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let part = Partitioner::hash(n).map_err(|e| JobError::InvalidRdd(e.to_string()))?;
    let mut keys: Vec<Option<u32>> = vec![None; n];
    let mut left = n;
    let mut k = 0u32;
    while left > 0 && k < u32::MAX {
        let slot = &mut keys[part.partition_of(&k)];
        if slot.is_none() {
            *slot = Some(k);
            left -= 1;
        }
        k += 1;
    }
    Ok(keys.into_iter().flatten().collect())
}

/// The recorded executors' places in the replay's cluster.
struct Members {
    /// The cluster's executors at the start, by host, in host order.
    hosts: Vec<Vec<usize>>,
    /// Recorded executor → the replay's executor id, for those that joined later.
    joined: BTreeMap<usize, usize>,
    next_id: usize,
    /// Recorded hosts, in order.
    recorded_hosts: Vec<String>,
}

impl Members {
    fn new(ctx: &Context, app: &RecordedApp) -> Members {
        let executors = ctx.executors();
        let mut hosts: Vec<(String, Vec<usize>)> = Vec::new();
        for e in &executors {
            match hosts.iter_mut().find(|(h, _)| *h == e.host) {
                Some((_, ids)) => ids.push(e.id),
                None => hosts.push((e.host.clone(), vec![e.id])),
            }
        }
        Members {
            hosts: hosts.into_iter().map(|(_, ids)| ids).collect(),
            joined: BTreeMap::new(),
            next_id: executors.len(),
            recorded_hosts: app.hosts(),
        }
    }

    /// The replay's executor for recorded executor `i`: the same place on the same host
    /// (wrapped round when the replay's cluster is smaller).
    fn executor_for(&self, app: &RecordedApp, i: usize) -> Option<usize> {
        if let Some(&id) = self.joined.get(&i) {
            return Some(id);
        }
        let rec = app.executors.get(i)?;
        let h = self.host_index(&rec.host);
        let k = app.executors[..i]
            .iter()
            .filter(|e| e.host == rec.host)
            .count();
        let ids = self.hosts.get(h)?;
        ids.get(k % ids.len().max(1)).copied()
    }

    fn host_index(&self, host: &str) -> usize {
        let h = self
            .recorded_hosts
            .iter()
            .position(|x| x == host)
            .unwrap_or(0);
        h % self.hosts.len().max(1)
    }

    /// Adds the membership changes recorded during job `job` (an index into the jobs) to the
    /// run's fault plan, as faults at the same time into the job (a change between jobs, at
    /// its start).
    fn schedule(&mut self, ctx: &Context, app: &RecordedApp, job: usize) {
        let now = ctx.now_us();
        for c in app.changes.iter().filter(|c| c.job == job) {
            // Due at once (a change between jobs), a fault happens before the job is
            // submitted, so the job is planned without what the lost executor held.
            let at = Trigger::Time(now + c.offset_us);
            let kind = match &c.change {
                MembershipChange::Added { executor } => {
                    let host = app
                        .executors
                        .get(*executor)
                        .map_or(0, |e| self.host_index(&e.host));
                    self.joined.insert(*executor, self.next_id);
                    self.next_id += 1;
                    FaultKind::AddExecutor { host, cores: None }
                }
                MembershipChange::Removed { executor, .. } => {
                    match self.executor_for(app, *executor) {
                        Some(executor) => FaultKind::KillExecutor { executor },
                        None => continue,
                    }
                }
            };
            ctx.inject(Fault {
                at,
                kind,
                engine: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reduce_partition_gets_a_key_from_each_map_task() {
        for n in [1, 2, 9, 200] {
            let keys = one_key_per_partition(n).expect("keys");
            let part = Partitioner::hash(n).expect("a partitioner");
            let mut hit: Vec<usize> = keys.iter().map(|k| part.partition_of(k)).collect();
            hit.sort_unstable();
            assert_eq!(hit, (0..n).collect::<Vec<_>>(), "{n} partitions");
        }
        assert!(one_key_per_partition(0).expect("none").is_empty());
    }
}

//! A run as a Chrome / Perfetto trace (the Trace Event Format, `chrome://tracing` and
//! ui.perfetto.dev open it): a process per executor with a thread per core, each task a
//! complete (`X`) slice on the core it ran on, named and coloured by its stage; the driver's
//! jobs and stage attempts as slices of their own; faults, evictions, locality changes,
//! executor losses and lost map outputs as instant (`i`) events.
//!
//! [`ChromeTrace`] takes events one at a time and writes each slice as soon as it ends, so a
//! log of any size streams through it. It reads only events.

use crate::events::{Engine, Event, EventKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// Chrome's reserved colour names, one per stage in turn.
const COLOURS: [&str; 8] = [
    "thread_state_running",
    "rail_response",
    "rail_animation",
    "cq_build_running",
    "rail_load",
    "thread_state_iowait",
    "yellow",
    "olive",
];

/// A task running: its process and lane, and when it started.
struct Running {
    pid: u64,
    lane: usize,
    start: u64,
}

/// The trace being written.
pub struct ChromeTrace<W: Write> {
    out: W,
    first: bool,
    /// Process ids by (engine, executor); the driver of each engine is its own process.
    pids: BTreeMap<(Option<Engine>, String), u64>,
    /// Per process, which core lanes are busy.
    lanes: BTreeMap<u64, Vec<bool>>,
    /// Running tasks: (engine, task) → where and since when.
    running: BTreeMap<(Option<Engine>, usize), Running>,
    /// Jobs and stage attempts open on the driver: start and lane.
    jobs: BTreeMap<(Option<Engine>, usize), (u64, String)>,
    stages: BTreeMap<(Option<Engine>, usize, usize), (u64, usize)>,
    /// Slices written.
    pub slices: usize,
}

impl<W: Write> ChromeTrace<W> {
    /// Starts a trace on `out`.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")?;
        Ok(ChromeTrace {
            out,
            first: true,
            pids: BTreeMap::new(),
            lanes: BTreeMap::new(),
            running: BTreeMap::new(),
            jobs: BTreeMap::new(),
            stages: BTreeMap::new(),
            slices: 0,
        })
    }

    fn write(&mut self, v: Value) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, &v)?;
        Ok(())
    }

    /// The process of `executor` (named on first sight).
    fn pid(&mut self, engine: Option<Engine>, executor: &str) -> std::io::Result<u64> {
        if let Some(p) = self.pids.get(&(engine, executor.to_string())) {
            return Ok(*p);
        }
        let pid = self.pids.len() as u64 + 1;
        self.pids.insert((engine, executor.to_string()), pid);
        let prefix = engine
            .map(|e| format!("{} ", e.title()))
            .unwrap_or_default();
        let name = if executor.is_empty() {
            format!("{prefix}driver: jobs and stages")
        } else {
            format!("{prefix}executor {executor}")
        };
        self.write(json!({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": name}}))?;
        self.write(json!({"name": "process_sort_index", "ph": "M", "pid": pid, "args": {"sort_index": pid}}))?;
        Ok(pid)
    }

    /// The lowest free lane of `pid`, now busy (named on first use).
    fn take_lane(&mut self, pid: u64, name: &str) -> std::io::Result<usize> {
        let lanes = self.lanes.entry(pid).or_default();
        let lane = match lanes.iter().position(|busy| !busy) {
            Some(l) => l,
            None => {
                lanes.push(false);
                let l = lanes.len() - 1;
                let thread = format!("{name} {l}");
                self.write(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": l, "args": {"name": thread}}))?;
                l
            }
        };
        if let Some(b) = self.lanes.get_mut(&pid).and_then(|l| l.get_mut(lane)) {
            *b = true;
        }
        Ok(lane)
    }

    fn free_lane(&mut self, pid: u64, lane: usize) {
        if let Some(b) = self.lanes.get_mut(&pid).and_then(|l| l.get_mut(lane)) {
            *b = false;
        }
    }

    fn instant(&mut self, pid: u64, at: u64, name: String, args: Value) -> std::io::Result<()> {
        self.write(json!({"name": name, "ph": "i", "s": "p", "pid": pid, "tid": 0, "ts": at, "args": args}))
    }

    /// Adds one event.
    pub fn add(&mut self, e: &Event) -> std::io::Result<()> {
        let en = e.engine;
        let at = e.time_us;
        match &e.kind {
            EventKind::ExecutorAdded { executor, .. } => {
                self.pid(en, executor)?;
            }
            EventKind::JobStart { job, action, .. } => {
                self.jobs.insert((en, *job), (at, action.clone()));
            }
            EventKind::JobEnd { job, result, .. } => {
                if let Some((start, action)) = self.jobs.remove(&(en, *job)) {
                    let pid = self.pid(en, "")?;
                    self.write(json!({"name": format!("job {job} ({action})"), "cat": "job", "ph": "X", "pid": pid, "tid": 0, "ts": start, "dur": at.saturating_sub(start), "args": {"result": result}}))?;
                    self.slices += 1;
                }
            }
            EventKind::StageSubmitted { stage, attempt, .. } => {
                let pid = self.pid(en, "")?;
                // Lane 0 is the jobs'; stages take lanes from 1.
                if self.lanes.get(&pid).is_none_or(|l| l.is_empty()) {
                    self.take_lane(pid, "jobs")?;
                }
                let lane = self.take_lane(pid, "stages")?;
                self.stages.insert((en, *stage, *attempt), (at, lane));
            }
            EventKind::StageCompleted {
                stage,
                attempt,
                result,
                ..
            } => {
                if let Some((start, lane)) = self.stages.remove(&(en, *stage, *attempt)) {
                    let pid = self.pid(en, "")?;
                    self.free_lane(pid, lane);
                    self.write(json!({"name": format!("stage {stage}.{attempt}"), "cat": format!("stage {stage}"), "ph": "X", "pid": pid, "tid": lane, "ts": start, "dur": at.saturating_sub(start), "cname": COLOURS[stage % COLOURS.len()], "args": {"result": result}}))?;
                    self.slices += 1;
                }
            }
            EventKind::TaskStart { task, executor, .. } => {
                let pid = self.pid(en, executor)?;
                let lane = self.take_lane(pid, "core")?;
                self.running.insert(
                    (en, *task),
                    Running {
                        pid,
                        lane,
                        start: at,
                    },
                );
            }
            EventKind::TaskEnd {
                task,
                stage,
                attempt,
                partition,
                reason,
                error,
                ..
            } => {
                if let Some(Running { pid, lane, start }) = self.running.remove(&(en, *task)) {
                    self.free_lane(pid, lane);
                    let mut args = json!({"stage": stage, "stage_attempt": attempt, "partition": partition, "reason": reason});
                    if let Some(err) = error {
                        args["error"] = json!(err);
                    }
                    self.write(json!({"name": format!("task {task} · stage {stage}"), "cat": format!("stage {stage}"), "ph": "X", "pid": pid, "tid": lane, "ts": start, "dur": at.saturating_sub(start), "cname": COLOURS[stage % COLOURS.len()], "args": args}))?;
                    self.slices += 1;
                }
            }
            EventKind::BlockEvicted {
                block,
                executor,
                to_disk,
                ..
            } => {
                let pid = self.pid(en, executor)?;
                let name = format!("evicted {block}{}", if *to_disk { " to disk" } else { "" });
                self.instant(pid, at, name, json!({}))?;
            }
            EventKind::PartitionRecomputed {
                rdd,
                partition,
                executor,
                reason,
            } => {
                let pid = self.pid(en, executor)?;
                let name = format!("recomputed rdd_{rdd}_{partition}");
                self.instant(pid, at, name, json!({"reason": reason}))?;
            }
            EventKind::ExecutorRemoved { executor, reason } => {
                let pid = self.pid(en, executor)?;
                self.instant(
                    pid,
                    at,
                    format!("executor {executor} lost"),
                    json!({"reason": reason}),
                )?;
            }
            EventKind::MapOutputsLost {
                shuffle,
                maps,
                executor,
            } => {
                let pid = self.pid(en, executor)?;
                let name = format!("map outputs of shuffle {shuffle} lost");
                self.instant(pid, at, name, json!({"maps": maps}))?;
            }
            EventKind::FaultInjected {
                kind,
                target,
                at: when,
                ..
            } => {
                let pid = self.pid(en, "")?;
                let name = format!("fault: {kind} {target}");
                self.instant(pid, at, name, json!({"at": when}))?;
            }
            EventKind::LocalityChanged {
                stage,
                attempt,
                level,
                ..
            } => {
                let pid = self.pid(en, "")?;
                let name = format!("stage {stage}.{attempt} allows {}", level.name());
                self.instant(pid, at, name, json!({}))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends the trace (tasks still running at the log's end are left out) and returns the
    /// writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

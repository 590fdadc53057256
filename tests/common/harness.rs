//! A bare [`Scheduler`] driven by hand, as Spark's `DAGSchedulerSuite` drives its own: jobs are
//! submitted, offers made and tasks completed (or failed, or their executors lost) by the
//! test, so each test controls exactly which outputs exist and where.

use super::submissions;
use ember::events::{Event, EventKind, EventSink};
use ember::membership::{Membership, NewExecutor};
use ember::rdd::{Dependency, RddNode, ShuffleDependency};
use ember::scheduler::{
    ExecutorLoss, JobOutcome, ResultFunction, Scheduler, SchedulerConfig, StatusUpdate,
    TaskDescription, TaskOutcome,
};
use ember::shuffle::MapStatus;
use ember::storage::MasterRef;
use ember::task_context::{TaskContext, TaskError};
use std::any::Any;
use std::sync::Arc;

/// Never runs: the harness completes tasks itself.
pub struct NoRun;
impl ResultFunction for NoRun {
    fn run(&self, _: &TaskContext, _: usize) -> Result<Box<dyn Any + Send>, TaskError> {
        Err(TaskError::Exception("not run in these tests".into()))
    }
}

pub struct Harness {
    pub sched: Scheduler,
    /// The master storage would keep: the tests say where blocks are.
    pub master: MasterRef,
    pub membership: Membership,
    pub now: u64,
    pub events: Vec<Event>,
    pub hosts: Vec<&'static str>,
}

impl Harness {
    /// One one-core executor per host: exec-0 on hosts[0], ...
    pub fn new(hosts: &[&'static str]) -> Self {
        Self::with_config(hosts, SchedulerConfig::default())
    }

    /// One one-core executor per host, scheduled with `config`.
    pub fn with_config(hosts: &[&'static str], config: SchedulerConfig) -> Self {
        let membership = Membership::new();
        let master = MasterRef::new();
        let mut sched = Scheduler::new(
            config,
            membership.clone(),
            master.clone(),
            EventSink::default(),
        );
        for h in hosts {
            let e = membership.register(0, NewExecutor::new(h, "rack-0", 1, 1 << 30));
            sched.executor_added(e.id, 0);
        }
        Harness {
            sched,
            master,
            membership,
            now: 0,
            events: Vec::new(),
            hosts: hosts.to_vec(),
        }
    }

    pub fn pump(&mut self) {
        self.events.extend(self.sched.drain_events());
    }

    pub fn submit(&mut self, rdd: &Arc<RddNode>, parts: Vec<usize>) -> usize {
        let j = self
            .sched
            .submit_job(self.now, rdd.clone(), parts, Arc::new(NoRun), "collect");
        self.pump();
        j
    }

    /// A full offer round; returns the tasks launched.
    pub fn offer(&mut self) -> Vec<TaskDescription> {
        self.now += 1;
        let t = self.sched.resource_offers(self.now, None);
        self.pump();
        t
    }

    pub fn update(&mut self, t: &TaskDescription, outcome: TaskOutcome) {
        self.now += 1;
        self.sched.status_update(
            self.now,
            StatusUpdate {
                task_id: t.task_id,
                executor: t.executor,
                outcome,
                metrics: Default::default(),
                effects: Default::default(),
                slept_us: 0,
                blocks_read: Vec::new(),
            },
        );
        self.pump();
    }

    /// Completes a map task as if its output were on its executor, with 10 bytes per reduce.
    pub fn complete_map(&mut self, t: &TaskDescription, reduces: usize) {
        let status = MapStatus {
            executor: t.executor,
            host: Arc::from(self.hosts[t.executor]),
            rack: Arc::from("rack-0"),
            sizes: (0..reduces as u32).map(|r| (r, 10)).collect(),
        };
        self.update(t, TaskOutcome::MapOutput(status));
    }

    pub fn complete_result(&mut self, t: &TaskDescription, v: u32) {
        self.update(t, TaskOutcome::Result(Box::new(v)));
    }

    pub fn results(&mut self, job: usize) -> Vec<u32> {
        match self.sched.take_job_outcome(job) {
            Some(JobOutcome::Succeeded(v)) => v
                .into_iter()
                .map(|b| *b.downcast::<u32>().expect("u32"))
                .collect(),
            Some(JobOutcome::Failed(m)) => panic!("job failed: {m}"),
            None => panic!("job {job} has not finished"),
        }
    }

    /// (stage, attempt, partitions) of every StageSubmitted so far.
    pub fn submitted(&self) -> Vec<(usize, usize, Vec<usize>)> {
        submissions(&self.events)
            .into_iter()
            .map(|s| (s.stage, s.attempt, s.partitions))
            .collect()
    }

    pub fn listed(&self, job: usize) -> Vec<usize> {
        self.events
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::JobStart { job: j, stages, .. } if *j == job => {
                    Some(stages.iter().map(|s| s.stage).collect())
                }
                _ => None,
            })
            .expect("JobStart")
    }
}

pub fn shuffle_dep(node: &Arc<RddNode>) -> Arc<ShuffleDependency> {
    node.dependencies()
        .iter()
        .find_map(|d| match d {
            Dependency::Shuffle(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a shuffle dependency")
}

/// Completes map task `t` as if its output were on executor `exec` (hostA is exec-0), with
/// 10 bytes for each of `reduces` reduce partitions (Spark's `makeMapStatus(host, reduces)`).
pub fn complete_map_on(h: &mut Harness, t: &TaskDescription, exec: usize, reduces: usize) {
    let status = MapStatus {
        executor: exec,
        host: Arc::from(h.hosts[exec]),
        rack: Arc::from("rack-0"),
        sizes: (0..reduces as u32).map(|r| (r, 10)).collect(),
    };
    h.update(t, TaskOutcome::MapOutput(status));
}

impl Harness {
    /// Executor `exec` is lost for `loss` (the membership first, as the driver does), with or
    /// without an external shuffle service.
    pub fn lose(&mut self, exec: usize, loss: ExecutorLoss, ess: bool) {
        self.now += 1;
        self.membership.lose(exec, self.now, &loss.message);
        self.sched.executor_lost(self.now, exec, &loss, ess);
        self.pump();
    }

    /// Runs the DAG scheduler's resubmission timer.
    pub fn resubmit(&mut self) {
        let due = self.sched.next_timer().expect("a resubmit is scheduled");
        self.now = due;
        self.sched.on_timer(due);
        self.pump();
    }

    /// The `TaskEnd` reasons posted so far, by task id, in order.
    pub fn task_ends(&self) -> Vec<(usize, ember::events::TaskEndReason)> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TaskEnd { task, reason, .. } => Some((*task, *reason)),
                _ => None,
            })
            .collect()
    }

    /// Fails task `t` with an exception.
    pub fn fail(&mut self, t: &TaskDescription, message: &str) {
        self.update(t, TaskOutcome::Failed(TaskError::Exception(message.into())));
    }

    /// The job's error, if it failed.
    pub fn failure(&mut self, job: usize) -> Option<String> {
        match self.sched.take_job_outcome(job) {
            Some(JobOutcome::Failed(m)) => Some(m),
            _ => None,
        }
    }
}

/// A loss the application did not cause.
pub fn killed(message: &str) -> ExecutorLoss {
    ExecutorLoss {
        message: message.into(),
        caused_by_app: false,
        worker_lost: false,
    }
}

//! Delay scheduling offer by offer, against Spark: the task scheduler is driven directly, with
//! a clock the test moves and offers in a fixed order (Spark's suites override
//! `shuffleOffers` for the same reason), and what it launches and reports is compared with the
//! worked example of the reference (§2.7: three executors on three hosts, one core each, four
//! tasks: t0 cached on e1, t1 and t2 with an input block on h1 and h2, t3 with no preference;
//! waits of 3 s) in both timer-reset modes, and with the SPARK-18886 starvation shape.

use ember::events::{Event, EventKind, EventSink, Locality, LocalityReason};
use ember::membership::{Membership, NewExecutor};
use ember::scheduler::task_scheduler::{TaskScheduler, TaskSet};
use ember::scheduler::task_set_manager::TaskTemplate;
use ember::scheduler::{
    ResultFunction, SchedulerConfig, StatusUpdate, TaskBinary, TaskDescription, TaskLocation,
    TaskOutcome,
};
use ember::shuffle::ShuffleInputs;
use ember::task_context::{TaskContext, TaskError};
use std::any::Any;
use std::sync::Arc;

const MS: u64 = 1_000;

struct Nothing;

impl ResultFunction for Nothing {
    fn run(&self, _: &TaskContext, _: usize) -> Result<Box<dyn Any + Send>, TaskError> {
        Ok(Box::new(()))
    }
}

/// The scheduler, its event stream, and executor names by id.
struct Bench {
    sched: TaskScheduler,
    events: EventSink,
    names: Vec<String>,
}

/// One launch: when, which partition, on which executor, at which level.
type Launch = (u64, usize, String, Locality);

impl Bench {
    /// Executors `(name, host, cores)` registered in this order (which is the offer order),
    /// before any task set, with 3 s waits.
    fn new(executors: &[(&str, &str, u32)], legacy: bool) -> Bench {
        let membership = Membership::new();
        let config = SchedulerConfig {
            locality_wait_process_us: 3_000 * MS,
            locality_wait_node_us: 3_000 * MS,
            locality_wait_rack_us: 3_000 * MS,
            legacy_locality_reset: legacy,
            rack_locality: false,
            ..SchedulerConfig::default()
        };
        let mut sched = TaskScheduler::new(config, membership.clone());
        sched.keep_offer_order();
        let mut names = Vec::new();
        for (name, host, cores) in executors {
            let info = membership.register(0, NewExecutor::new(host, "rack-0", *cores, 1 << 20));
            sched.executor_added(info.id);
            names.push(name.to_string());
        }
        Bench {
            sched,
            events: EventSink::default(),
            names,
        }
    }

    fn id(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .expect("an executor")
    }

    fn submit(&mut self, prefs: Vec<Vec<TaskLocation>>) {
        let tasks = prefs
            .into_iter()
            .enumerate()
            .map(|(partition, prefs)| TaskTemplate { partition, prefs })
            .collect();
        let ts = TaskSet {
            stage_id: 0,
            stage_attempt: 0,
            job_id: 0,
            epoch: 0,
            tasks,
            binary: TaskBinary::Result(Arc::new(Nothing)),
            shuffle_inputs: Arc::new(ShuffleInputs::default()),
        };
        self.sched.submit_task_set(ts, 0);
    }

    /// A round at `ms`: a full offer, or a partial one of `only`'s free cores.
    fn offer(&mut self, ms: u64, only: Option<&str>) -> Vec<TaskDescription> {
        let only = only.map(|n| self.id(n));
        self.sched.resource_offers(ms * MS, only, &mut self.events)
    }

    /// Task `t` ends at `ms`, then its executor's freed core is offered (Spark's partial offer
    /// on `StatusUpdate`).
    fn finish(&mut self, ms: u64, t: &TaskDescription) -> Vec<TaskDescription> {
        let update = StatusUpdate {
            task_id: t.task_id,
            executor: t.executor,
            outcome: TaskOutcome::Result(Box::new(())),
            metrics: Default::default(),
            effects: Default::default(),
            blocks_read: Vec::new(),
        };
        assert!(self.sched.status_update(ms * MS, update).is_some());
        let name = self.names[t.executor].clone();
        self.offer(ms, Some(&name))
    }

    fn launches(&self, ms: u64, tasks: &[TaskDescription]) -> Vec<Launch> {
        tasks
            .iter()
            .map(|t| (ms, t.partition, self.names[t.executor].clone(), t.locality))
            .collect()
    }

    /// The `LocalityChanged` events so far: (ms, level, reason, waited ms).
    fn locality_changes(&self) -> Vec<(u64, Locality, LocalityReason, u64)> {
        self.events
            .drain()
            .iter()
            .filter_map(|e: &Event| match &e.kind {
                EventKind::LocalityChanged {
                    level,
                    reason,
                    waited_us,
                    ..
                } => Some((e.time_us / MS, *level, (*reason)?, waited_us / MS)),
                _ => None,
            })
            .collect()
    }
}

/// The example's cluster, in its offer order e2, e3, e1, and its task set.
fn worked_example(legacy: bool) -> Bench {
    let mut b = Bench::new(&[("e2", "h2", 1), ("e3", "h3", 1), ("e1", "h1", 1)], legacy);
    let e1 = b.id("e1");
    b.submit(vec![
        vec![TaskLocation::ExecutorCache {
            host: "h1".into(),
            executor: e1,
        }],
        vec![TaskLocation::Host("h1".into())],
        vec![TaskLocation::Host("h2".into())],
        vec![],
    ]);
    b
}

use Locality::{Any as ANY, NodeLocal as NODE_LOCAL, ProcessLocal as PROCESS_LOCAL};
use LocalityReason::{NoTasksAtLevel, WaitExpired};

/// Runs the example to t1's launch, with the periodic full rounds each second; returns every
/// launch.
fn run_worked_example(b: &mut Bench) -> Vec<Launch> {
    let first = b.offer(0, None);
    let mut all = b.launches(0, &first);
    let t2 = first
        .iter()
        .find(|t| t.partition == 2)
        .expect("t2 runs")
        .clone();
    let after_t2 = b.finish(1_000, &t2);
    all.extend(b.launches(1_000, &after_t2));
    for ms in [1_000, 2_000, 3_000, 4_000, 5_000] {
        if all.iter().any(|l| l.1 == 1) {
            break;
        }
        let round = b.offer(ms, None);
        all.extend(b.launches(ms, &round));
    }
    all
}

fn launch(ms: u64, partition: usize, exec: &str, level: Locality) -> Launch {
    (ms, partition, exec.to_string(), level)
}

#[test]
fn the_worked_example_launches_t1_on_e2_at_any_after_four_seconds() {
    let mut b = worked_example(false);
    let launches = run_worked_example(&mut b);
    assert_eq!(
        launches,
        vec![
            launch(0, 0, "e1", PROCESS_LOCAL),
            launch(0, 2, "e2", NODE_LOCAL),
            // A task with no preference is logged as PROCESS_LOCAL, as Spark logs it.
            launch(0, 3, "e3", PROCESS_LOCAL),
            launch(4_000, 1, "e2", ANY),
        ]
    );
    // PROCESS_LOCAL runs out at once (t0 was its only task); the reset at the end of round 0
    // goes back to PROCESS_LOCAL, which has no task left, so the level stays NODE_LOCAL and
    // nothing is reported. At 1 s the partial offer re-zeroes the clock (PROCESS_LOCAL is
    // empty again), so NODE_LOCAL's 3 s wait runs out at 4 s, not at 3 s.
    assert_eq!(
        b.locality_changes(),
        vec![
            (0, NODE_LOCAL, NoTasksAtLevel, 0),
            (4_000, ANY, WaitExpired, 3_000),
        ]
    );
}

#[test]
fn the_worked_example_in_legacy_mode_launches_t1_at_three_seconds() {
    let mut b = worked_example(true);
    let launches = run_worked_example(&mut b);
    assert_eq!(launches.last(), Some(&launch(3_000, 1, "e2", ANY)));
    assert_eq!(
        b.locality_changes(),
        vec![
            (0, NODE_LOCAL, NoTasksAtLevel, 0),
            (3_000, ANY, WaitExpired, 3_000),
        ]
    );
}

#[test]
fn in_the_worked_example_t1_goes_node_local_to_e1_when_t0_ends_at_two_and_a_half_seconds() {
    let mut b = worked_example(false);
    let first = b.offer(0, None);
    let t0 = first.iter().find(|t| t.partition == 0).expect("t0").clone();
    let t2 = first.iter().find(|t| t.partition == 2).expect("t2").clone();
    assert!(b.finish(1_000, &t2).is_empty(), "e2 is declined at 1 s");
    assert!(b.offer(2_000, None).is_empty(), "and at 2 s");
    let after_t0 = b.finish(2_500, &t0);
    assert_eq!(
        b.launches(2_500, &after_t0),
        vec![launch(2_500, 1, "e1", NODE_LOCAL)]
    );
    // That launch does not reset the timer (an offer was declined since the last reset), and
    // the level it launched at is the level already allowed: nothing to report.
    assert_eq!(
        b.locality_changes(),
        vec![(0, NODE_LOCAL, NoTasksAtLevel, 0)]
    );
}

/// The SPARK-18886 shape: e1 and e2 on h1 and h2, ten tasks all cached on e1, each running
/// 2 s, full offer rounds every second. Returns every launch until the tasks are all done.
fn starvation(legacy: bool) -> Vec<Launch> {
    let mut b = Bench::new(&[("e1", "h1", 1), ("e2", "h2", 1)], legacy);
    let e1 = b.id("e1");
    let cached = vec![TaskLocation::ExecutorCache {
        host: "h1".into(),
        executor: e1,
    }];
    b.submit(vec![cached; 10]);
    let mut launches = Vec::new();
    let mut running: Vec<(u64, TaskDescription)> = Vec::new();
    let mut ms = 0;
    while launches.len() < 10 && ms <= 60_000 {
        // Completions due now first, each followed by its executor's partial offer; then the
        // periodic full round when one is due.
        let (done, still): (Vec<_>, Vec<_>) = running.into_iter().partition(|(end, _)| *end <= ms);
        running = still;
        let mut started = Vec::new();
        for (_, t) in &done {
            started.extend(b.finish(ms, t));
        }
        if ms % 1_000 == 0 {
            started.extend(b.offer(ms, None));
        }
        launches.extend(b.launches(ms, &started));
        running.extend(started.into_iter().map(|t| (ms + 2_000, t)));
        ms += 500;
    }
    launches
}

#[test]
fn with_the_legacy_reset_tasks_that_prefer_one_executor_starve_the_other() {
    let launches = starvation(true);
    assert_eq!(launches.len(), 10);
    assert!(
        launches.iter().all(|l| l.2 == "e1" && l.3 == PROCESS_LOCAL),
        "every task waits for e1, launched every 2 s before the 3 s wait runs out: {launches:?}"
    );
}

#[test]
fn with_the_current_reset_the_other_executor_takes_tasks_once_the_waits_run_out() {
    let launches = starvation(false);
    let on_e2: Vec<&Launch> = launches.iter().filter(|l| l.2 == "e2").collect();
    // Declined at every round, e2 stops the launches on e1 from resetting the timer: 3 s at
    // PROCESS_LOCAL, 3 s more at NODE_LOCAL (h1 still has tasks), then ANY.
    assert_eq!(on_e2.first().map(|l| (l.0, l.3)), Some((6_000, ANY)));
    assert!(on_e2.len() >= 2, "{launches:?}");
}

#[test]
fn no_bundled_scenario_reports_a_locality_level_it_already_had() {
    use ember::scenario::{bundled, load, run, Overrides, RunOptions};
    use std::collections::BTreeMap;
    let mut reported = 0;
    for name in bundled::names() {
        let sc = load(name, &Overrides::default()).expect("bundled");
        let events = run(&sc, RunOptions::default()).expect("run").events;
        let mut level: BTreeMap<(usize, usize), Locality> = BTreeMap::new();
        for e in &events {
            if let EventKind::LocalityChanged {
                stage,
                attempt,
                level: now,
                ..
            } = &e.kind
            {
                reported += 1;
                let before = level.insert((*stage, *attempt), *now);
                assert_ne!(before, Some(*now), "{name}: {e:?} repeats its level");
            }
        }
    }
    assert!(reported > 0, "some bundled scenario waits for locality");
}

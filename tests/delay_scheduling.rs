//! Delay scheduling offer by offer, against Spark: the task scheduler is driven directly, with
//! a clock the test moves and offers in a fixed order (Spark's suites override
//! `shuffleOffers` for the same reason), and what it launches and reports is compared with the
//! worked example of the reference (§2.7: three executors on three hosts, one core each, four
//! tasks: t0 cached on e1, t1 and t2 with an input block on h1 and h2, t3 with no preference;
//! waits of 3 s) in both timer-reset modes, and with the SPARK-18886 starvation shape.

use ember::events::{Event, EventKind, EventSink, Locality, LocalityReason};
use ember::membership::{Membership, NewExecutor};
use ember::scheduler::task_scheduler::{TaskScheduler, TaskSet};
use ember::scheduler::task_set_manager::{
    ClusterView, LocalityWaits, Offer, TaskSetManager, TaskTemplate,
};
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
        let config = SchedulerConfig {
            locality_wait_process_us: 3_000 * MS,
            locality_wait_node_us: 3_000 * MS,
            locality_wait_rack_us: 3_000 * MS,
            legacy_locality_reset: legacy,
            rack_locality: false,
            ..SchedulerConfig::default()
        };
        Bench::with_config(executors, config)
    }

    fn with_config(executors: &[(&str, &str, u32)], config: SchedulerConfig) -> Bench {
        let membership = Membership::new();
        let mut sched = TaskScheduler::new(config, membership.clone());
        sched.keep_offer_order();
        let mut names = Vec::new();
        for (name, host, cores) in executors {
            let info = membership.register(0, NewExecutor::new(host, "rack-0", *cores, 1 << 20));
            sched.executor_added(info.id, 0, &mut EventSink::default());
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
        self.submit_as(0, 0, 0, prefs, 0);
    }

    /// Submits stage `stage`'s attempt `attempt` for job `job` at `ms`.
    fn submit_as(
        &mut self,
        stage: usize,
        attempt: usize,
        job: usize,
        prefs: Vec<Vec<TaskLocation>>,
        ms: u64,
    ) {
        let tasks = prefs
            .into_iter()
            .enumerate()
            .map(|(partition, prefs)| TaskTemplate { partition, prefs })
            .collect();
        let ts = TaskSet {
            stage_id: stage,
            stage_attempt: attempt,
            job_id: job,
            epoch: 0,
            tasks,
            binary: TaskBinary::Result(Arc::new(Nothing)),
            shuffle_inputs: Arc::new(ShuffleInputs::default()),
        };
        self.sched.submit_task_set(ts, ms * MS, &mut self.events);
    }

    /// A round at `ms`: a full offer, or a partial one of `only`'s free cores.
    fn offer(&mut self, ms: u64, only: Option<&str>) -> Vec<TaskDescription> {
        let only = only.map(|n| self.id(n));
        self.sched.resource_offers(ms * MS, only, &mut self.events)
    }

    /// Task `t` ends at `ms` (no offer follows).
    fn end(&mut self, ms: u64, t: &TaskDescription) {
        let update = StatusUpdate {
            task_id: t.task_id,
            executor: t.executor,
            outcome: TaskOutcome::Result(Box::new(())),
            metrics: Default::default(),
            effects: Default::default(),
            slept_us: 0,
            blocks_read: Vec::new(),
        };
        assert!(self
            .sched
            .status_update(ms * MS, update, &mut self.events)
            .is_some());
    }

    /// Task `t` ends at `ms`, then its executor's freed core is offered (Spark's partial offer
    /// on `StatusUpdate`).
    fn finish(&mut self, ms: u64, t: &TaskDescription) -> Vec<TaskDescription> {
        self.end(ms, t);
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

impl Bench {
    /// The `OfferDeclined` and `LocalityChanged` events so far, in order, in words:
    /// `"4000 e2 declined 4 times since 1000: NODE_LOCAL allowed, ANY offered"` and
    /// `"4000 ANY (wait_expired)"`.
    fn delay_log(&self) -> Vec<String> {
        self.events
            .drain()
            .iter()
            .filter_map(|e: &Event| match &e.kind {
                EventKind::OfferDeclined {
                    executor,
                    allowed,
                    best,
                    count,
                    since_us,
                    ..
                } => {
                    let id: usize = executor.strip_prefix("exec-")?.parse().ok()?;
                    Some(format!(
                        "{} {} declined {count} times since {}: {} allowed, {} offered",
                        e.time_us / MS,
                        self.names[id],
                        since_us / MS,
                        allowed.name(),
                        best.name()
                    ))
                }
                EventKind::LocalityChanged { level, reason, .. } => Some(format!(
                    "{} {} ({})",
                    e.time_us / MS,
                    level.name(),
                    (*reason)?.name()
                )),
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

/// An offer of executor `exec` on `host`, for driving a task set directly.
fn at(exec: usize, host: &str) -> Offer<'_> {
    Offer {
        exec,
        name: "e",
        host,
        rack: None,
    }
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
fn the_worked_example_declines_e2_four_times_in_one_event_posted_when_the_level_moves() {
    let mut b = worked_example(false);
    run_worked_example(&mut b);
    // e2 is free from 1 s: its partial offer at 1 s and the full rounds at 1, 2 and 3 s are
    // declined alike (t1 waits for h1; e2 could only run it at ANY). One event says so, when
    // the wait runs out, just before the level it was declined at ends.
    assert_eq!(
        b.delay_log(),
        vec![
            "0 NODE_LOCAL (no_tasks_at_level)",
            "4000 e2 declined 4 times since 1000: NODE_LOCAL allowed, ANY offered",
            "4000 ANY (wait_expired)",
        ]
    );
}

#[test]
fn a_long_wait_adds_one_declined_event_per_executor_not_one_per_round() {
    // Two free executors on other hosts, a task that wants h0, a 30 s wait, and an offer round
    // every 10 ms: the rounds from 0 to 29.99 s decline each executor 3,000 times, and the log
    // says so in 2 events.
    let config = SchedulerConfig {
        locality_wait_process_us: 30_000 * MS,
        locality_wait_node_us: 30_000 * MS,
        locality_wait_rack_us: 30_000 * MS,
        rack_locality: false,
        ..SchedulerConfig::default()
    };
    let mut b = Bench::with_config(&[("e0", "h0", 1), ("e1", "h1", 1), ("e2", "h2", 1)], config);
    b.submit(vec![vec![TaskLocation::Host("h0".into())]; 2]);
    let first = b.offer(0, None);
    assert_eq!(first.len(), 1, "e0 takes one task; the other waits for h0");
    let mut launched = Vec::new();
    for round in 1..=3_000 {
        launched.extend(b.offer(round * 10, None));
    }
    assert_eq!(launched.len(), 1, "the wait runs out at 30 s");
    assert_eq!(
        b.delay_log(),
        vec![
            "30000 e1 declined 3000 times since 0: NODE_LOCAL allowed, ANY offered",
            "30000 e2 declined 3000 times since 0: NODE_LOCAL allowed, ANY offered",
            "30000 ANY (wait_expired)",
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

/// Tasks cached on executor `e` of host `h`.
fn cached_on(b: &Bench, e: &str, h: &str, n: usize) -> Vec<Vec<TaskLocation>> {
    let executor = b.id(e);
    let at = TaskLocation::ExecutorCache {
        host: h.into(),
        executor,
    };
    vec![vec![at]; n]
}

// Reference §6 case 22, Spark's SPARK-18886 set in TaskSchedulerImplSuite: eight tasks local
// to exec1.

#[test]
fn spark_18886_a_partial_offer_resets_the_timer_while_nothing_was_declined() {
    let mut b = Bench::new(&[("exec1", "h1", 1)], false);
    let tasks = cached_on(&b, "exec1", "h1", 8);
    b.submit(tasks);
    let first = b.offer(0, None);
    assert_eq!(
        b.launches(0, &first),
        vec![launch(0, 0, "exec1", PROCESS_LOCAL)]
    );
    let next = b.finish(2_000, &first[0]);
    assert_eq!(
        b.launches(2_000, &next),
        vec![launch(2_000, 1, "exec1", PROCESS_LOCAL)]
    );
    assert_eq!(
        b.sched.locality_timer(0, 0),
        Some((PROCESS_LOCAL, 2_000 * MS))
    );
}

#[test]
fn spark_18886_b_a_full_offer_with_no_decline_resets_the_timer() {
    let mut b = Bench::new(&[("exec1", "h1", 2)], false);
    let tasks = cached_on(&b, "exec1", "h1", 8);
    b.submit(tasks);
    let first = b.offer(0, None);
    assert_eq!(first.len(), 2);
    for t in &first {
        b.end(2_000, t);
    }
    let round = b.offer(2_500, None);
    assert_eq!(round.len(), 2);
    assert_eq!(
        b.sched.locality_timer(0, 0),
        Some((PROCESS_LOCAL, 2_500 * MS))
    );
}

#[test]
fn spark_18886_d_after_a_decline_local_launches_stop_resetting_and_node_local_comes_after_the_wait()
{
    let mut b = Bench::new(&[("exec1", "h1", 1), ("exec2", "h1", 1)], false);
    let tasks = cached_on(&b, "exec1", "h1", 8);
    b.submit(tasks);
    let first = b.offer(0, None);
    assert_eq!(
        b.launches(0, &first),
        vec![launch(0, 0, "exec1", PROCESS_LOCAL)]
    );
    assert!(b.offer(1_000, None).is_empty(), "exec2 is declined");
    let next = b.finish(2_000, &first[0]);
    assert_eq!(
        b.launches(2_000, &next),
        vec![launch(2_000, 1, "exec1", PROCESS_LOCAL)]
    );
    // The launch at 2 s did not reset the timer: PROCESS_LOCAL's wait ran from 0.
    assert_eq!(b.sched.locality_timer(0, 0), Some((PROCESS_LOCAL, 0)));
    let round = b.offer(3_000, None);
    assert_eq!(
        b.launches(3_000, &round),
        vec![launch(3_000, 2, "exec2", NODE_LOCAL)]
    );
}

// Reference §6 case 18, TaskSetManagerSuite's "basic delay scheduling", offer by offer on one
// task set: tasks {0: exec e1 on h1, 1: e2 on h2, 2: h1 or e2 on h2, 3: none}.

struct Alive;

impl ClusterView for Alive {
    fn executor_alive(&self, e: usize) -> bool {
        e < 2
    }
    fn host_alive(&self, h: &str) -> bool {
        h == "h1" || h == "h2"
    }
    fn rack_alive(&self, _: &str) -> bool {
        false
    }
    fn rack_of(&self, _: &str) -> Option<&str> {
        None
    }
}

#[test]
fn basic_delay_scheduling() {
    let (e1, e2) = (0, 1);
    let cache = |host: &str, executor| TaskLocation::ExecutorCache {
        host: host.into(),
        executor,
    };
    let tasks = vec![
        vec![cache("h1", e1)],
        vec![cache("h2", e2)],
        vec![TaskLocation::Host("h1".into()), cache("h2", e2)],
        vec![],
    ]
    .into_iter()
    .enumerate()
    .map(|(partition, prefs)| TaskTemplate { partition, prefs })
    .collect();
    let waits = LocalityWaits {
        process: 3_000 * MS,
        node: 3_000 * MS,
        rack: 3_000 * MS,
    };
    let mut t = TaskSetManager::new(0, 0, 0, tasks, waits, 4, &Alive, 0);
    let mut ev = EventSink::default();
    let mut offer = |t: &mut TaskSetManager, e: usize, h: &str, max: Locality, ms: u64| {
        let (task, _) = t.resource_offer(at(e, h), max, ms * MS, false, &mut ev);
        task.map(|(i, level)| {
            t.launched(i, i);
            (i, level)
        })
    };
    assert_eq!(offer(&mut t, e1, "h1", ANY, 0), Some((0, PROCESS_LOCAL)));
    assert_eq!(offer(&mut t, e1, "h1", PROCESS_LOCAL, 0), None);
    // After one wait NODE_LOCAL is allowed: a node-local task before a no-preference one.
    assert_eq!(
        offer(&mut t, e1, "h1", NODE_LOCAL, 3_000),
        Some((2, NODE_LOCAL))
    );
    // A more local level is always allowed.
    assert_eq!(
        offer(&mut t, e2, "h2", NODE_LOCAL, 3_000),
        Some((1, PROCESS_LOCAL))
    );
    // A task with no preference needs a NO_PREF offer.
    assert_eq!(offer(&mut t, e2, "h2", NODE_LOCAL, 3_000), None);
    assert_eq!(
        offer(&mut t, e2, "h2", Locality::NoPref, 6_000),
        Some((3, PROCESS_LOCAL))
    );
}

#[test]
fn we_do_not_need_to_delay_scheduling_when_we_only_have_no_pref_tasks_in_the_queue() {
    let tasks = vec![
        TaskTemplate {
            partition: 0,
            prefs: vec![TaskLocation::Host("h1".into())],
        },
        TaskTemplate {
            partition: 1,
            prefs: vec![],
        },
    ];
    let waits = LocalityWaits {
        process: 3_000 * MS,
        node: 3_000 * MS,
        rack: 3_000 * MS,
    };
    let mut t = TaskSetManager::new(0, 0, 0, tasks, waits, 4, &Alive, 0);
    let mut ev = EventSink::default();
    // e2 on h2 at NODE_LOCAL: task 0 wants h1, and its wait has not run out.
    let (task, _) = t.resource_offer(at(1, "h2"), NODE_LOCAL, 0, false, &mut ev);
    assert_eq!(task, None);
    // The same offer at NO_PREF hands out the task with no preference at once.
    let (task, _) = t.resource_offer(at(1, "h2"), Locality::NoPref, 0, false, &mut ev);
    assert_eq!(task, Some((1, PROCESS_LOCAL)));
}

// Reference §6 case 23 (TaskSchedulerImplSuite).

#[test]
fn scheduler_does_not_always_schedule_tasks_on_the_same_workers() {
    let config = SchedulerConfig::default();
    let execs: Vec<(String, String)> = (0..4).map(|i| (format!("e{i}"), format!("h{i}"))).collect();
    let spec: Vec<(&str, &str, u32)> = execs
        .iter()
        .map(|(e, h)| (e.as_str(), h.as_str(), 1))
        .collect();
    let membership = Membership::new();
    let mut sched = TaskScheduler::new(config, membership.clone());
    for (_, h, c) in &spec {
        let info = membership.register(0, NewExecutor::new(h, "rack-0", *c, 1 << 20));
        sched.executor_added(info.id, 0, &mut EventSink::default());
    }
    let mut b = Bench {
        sched,
        events: EventSink::default(),
        names: spec.iter().map(|s| s.0.to_string()).collect(),
    };
    let mut used = std::collections::BTreeSet::new();
    for job in 0..20 {
        b.submit_as(job, 0, job, vec![vec![]], job as u64);
        let t = b.offer(job as u64, None);
        assert_eq!(t.len(), 1);
        used.insert(t[0].executor);
        b.end(job as u64, &t[0]);
    }
    assert!(used.len() > 1, "twenty one-task jobs all went to {used:?}");
}

#[test]
fn scheduler_correctly_accounts_for_multiple_cpus_per_task() {
    let config = SchedulerConfig {
        task_cpus: 2,
        ..SchedulerConfig::default()
    };
    let mut b = Bench::with_config(&[("e1", "h1", 1), ("e2", "h2", 2), ("e3", "h3", 3)], config);
    b.submit(vec![vec![]; 4]);
    let round = b.offer(0, None);
    let mut on: Vec<String> = round.iter().map(|t| b.names[t.executor].clone()).collect();
    on.sort();
    // e1's one core is never offered; e2 and e3 run one two-core task each.
    assert_eq!(on, vec!["e2", "e3"]);
}

#[test]
fn concurrent_attempts_for_the_same_stage_only_have_one_active_taskset() {
    let mut b = Bench::new(&[("e1", "h1", 4)], false);
    b.submit_as(0, 0, 0, vec![vec![]; 2], 0);
    b.submit_as(0, 1, 0, vec![vec![]; 2], 0);
    let round = b.offer(0, None);
    assert_eq!(round.len(), 2);
    assert!(
        round.iter().all(|t| t.stage_attempt == 1),
        "the older attempt is a zombie"
    );
}

/// A word count whose input blocks all sit on host-0 (one writer, one replica) on four hosts of
/// one executor with two cores each, with `locality_wait` as given: the share of input-stage
/// tasks launched NODE_LOCAL or better.
fn scarce_locality_share(wait: &str) -> f64 {
    use ember::scenario::{parse, run, Overrides, RunOptions, Source};
    let text = format!(
        "name = \"scarce\"\ndescription = \"input written by host-0 with one replica\"\n\
         [cluster]\nracks = 1\nhosts_per_rack = 4\nexecutors_per_host = 1\ncores_per_executor = 2\n\
         [scheduler]\nlocality_wait = \"{wait}\"\n\
         [workload]\nkind = \"wordcount\"\npartitions = 16\nlines = 4000\nwriter = \"host-0\"\nreplication = 1\n"
    );
    let src = Source {
        origin: "scarce.toml".into(),
        bytes: text.into_bytes(),
        path: None,
    };
    let sc = parse(&src, &Overrides::default()).expect("scenario");
    let events = run(&sc, RunOptions::default()).expect("run").events;
    let input: Vec<Locality> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskStart {
                stage: 0, locality, ..
            } => Some(*locality),
            _ => None,
        })
        .collect();
    assert_eq!(input.len(), 16);
    let local = input.iter().filter(|l| **l <= NODE_LOCAL).count();
    local as f64 / input.len() as f64
}

#[test]
fn with_scarce_locality_the_wait_keeps_input_tasks_node_local() {
    let none = scarce_locality_share("0s");
    let waited = scarce_locality_share("3s");
    assert!(
        none < 0.5,
        "with no wait {none:.2} of input tasks ran node-local"
    );
    assert!(waited >= 0.9, "with a 3 s wait only {waited:.2} did");
}

#[test]
fn a_writer_with_one_replica_puts_every_block_on_its_host() {
    use ember::dfs::{Dfs, DfsConfig};
    use ember::storage::DiskMedium;
    let hosts: Vec<(String, String)> = (0..4)
        .map(|h| (format!("host-{h}"), "rack-0".to_string()))
        .collect();
    let dfs = Dfs::new(
        DfsConfig {
            block_size: 16,
            ..DfsConfig::default()
        },
        &hosts,
        DiskMedium::Memory,
        std::env::temp_dir(),
        7,
    )
    .expect("dfs");
    let f = dfs
        .write_replicated("x", &[7u8; 100], Some("host-2"), Some(1))
        .expect("write");
    assert!(f.blocks.len() > 1);
    assert!(f
        .blocks
        .iter()
        .all(|b| b.replicas == vec!["host-2".to_string()]));
    let g = dfs
        .write_replicated("y", &[7u8; 100], Some("host-2"), Some(2))
        .expect("write");
    assert!(g
        .blocks
        .iter()
        .all(|b| b.replicas.len() == 2 && b.replicas[0] == "host-2"));
}

#[test]
fn an_executor_registered_on_a_preferred_host_mid_stage_brings_node_local_back() {
    // Every task prefers h1, where no executor runs yet: the only level is ANY.
    let mut b = Bench::new(&[("e0", "h0", 1)], false);
    b.submit(vec![vec![TaskLocation::Host("h1".into())]; 4]);
    assert_eq!(b.sched.locality_timer(0, 0).map(|t| t.0), Some(ANY));
    let first = b.offer(0, None);
    assert_eq!(b.launches(0, &first), vec![launch(0, 0, "e0", ANY)]);
    // An executor registers on h1 at 1 s: NODE_LOCAL is valid again and the set moves to it
    // (SPARK-31837), and e1 takes the next task node-local.
    let info = b
        .sched
        .membership()
        .register(1_000 * MS, NewExecutor::new("h1", "rack-0", 1, 1 << 20));
    b.sched
        .executor_added(info.id, 1_000 * MS, &mut b.events.clone());
    b.names.push("e1".into());
    assert_eq!(b.sched.locality_timer(0, 0).map(|t| t.0), Some(NODE_LOCAL));
    let round = b.offer(1_000, None);
    assert_eq!(
        b.launches(1_000, &round),
        vec![launch(1_000, 1, "e1", NODE_LOCAL)]
    );
    assert_eq!(
        b.locality_changes(),
        vec![(1_000, NODE_LOCAL, LocalityReason::ExecutorsChanged, 1_000)]
    );
}

#[test]
fn spark_18886_c_a_task_set_without_preferences_does_not_starve_one_with_them() {
    let mut b = Bench::new(&[("exec1", "h1", 1), ("exec2", "h1", 1)], false);
    let local = cached_on(&b, "exec1", "h1", 8);
    b.submit_as(1, 1, 0, local, 0);
    b.submit_as(2, 0, 0, vec![vec![]; 8], 0);
    let on_exec1 = b.offer(0, Some("exec1"));
    assert_eq!(
        on_exec1.iter().map(|t| t.stage_id).collect::<Vec<_>>(),
        vec![1]
    );
    // exec2 is declined by stage 1 (PROCESS_LOCAL only, for 3 s) and taken by stage 2.
    let t = b.offer(0, Some("exec2"));
    assert_eq!(t.iter().map(|t| t.stage_id).collect::<Vec<_>>(), vec![2]);
    b.end(2_000, &t[0]);
    let t = b.offer(2_000, Some("exec2"));
    assert_eq!(t.iter().map(|t| t.stage_id).collect::<Vec<_>>(), vec![2]);
    // A full round with no free core launches nothing and resets nothing.
    assert!(b.offer(2_000, None).is_empty());
    // Stage 2's launches did not reset stage 1's timer: at 4 s it takes exec2 NODE_LOCAL.
    b.end(4_000, &t[0]);
    let t = b.offer(4_000, Some("exec2"));
    assert_eq!(
        t.iter()
            .map(|t| (t.stage_id, t.locality))
            .collect::<Vec<_>>(),
        vec![(1, NODE_LOCAL)]
    );
}

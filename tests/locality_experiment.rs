//! The locality experiment of the bundled `delay-scheduling` scenario: what the locality wait
//! buys, and what it costs, measured on the input stage's tasks of the file `input` (the
//! tasks whose preference comes from the RDD labelled `lines`, as `StageSubmitted.preferred`
//! records it). Shares are of those tasks' first launches; times are the virtual clock's.

use ember::events::{Event, EventKind, Locality, PreferenceReason};
use ember::scenario::{load, run, Overrides, RunOptions};
use std::collections::BTreeSet;

/// What a run of `delay-scheduling` did with the input tasks.
struct Outcome {
    input_tasks: usize,
    /// Of them, how many were launched NODE_LOCAL or better.
    local: usize,
    /// When the run ended, µs.
    elapsed_us: u64,
}

impl Outcome {
    fn share(&self) -> f64 {
        self.local as f64 / self.input_tasks as f64
    }
}

fn run_variant(variant: Option<&str>, seed: Option<u64>) -> Outcome {
    let o = Overrides {
        variant: variant.map(str::to_string),
        seed,
        ..Overrides::default()
    };
    let sc = load("delay-scheduling", &o).expect("the bundled scenario");
    let events = run(&sc, RunOptions::default()).expect("it runs").events;
    outcome(&events)
}

fn outcome(events: &[Event]) -> Outcome {
    let lines = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::JobStart { rdds, .. } => rdds
                .iter()
                .find(|r| r.label.as_deref() == Some("lines"))
                .map(|r| r.rdd),
            _ => None,
        })
        .expect("the RDD labelled lines");
    let mut input: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let (mut input_tasks, mut local) = (0, 0);
    for e in events {
        match &e.kind {
            EventKind::StageSubmitted {
                stage, preferred, ..
            } => {
                for p in preferred {
                    if p.rdd == lines && p.why == PreferenceReason::Input {
                        input.insert((*stage, p.partition));
                    }
                }
            }
            EventKind::TaskStart {
                stage,
                partition,
                locality,
                ..
            } if input.contains(&(*stage, *partition)) && seen.insert((*stage, *partition)) => {
                input_tasks += 1;
                if *locality <= Locality::NodeLocal {
                    local += 1;
                }
            }
            _ => {}
        }
    }
    Outcome {
        input_tasks,
        local,
        elapsed_us: events.last().map_or(0, |e| e.time_us),
    }
}

#[test]
fn with_scarce_locality_the_wait_makes_the_input_node_local_and_no_wait_leaves_most_remote() {
    let wait = run_variant(Some("scarce"), None);
    let none = run_variant(Some("scarce-no-wait"), None);
    assert_eq!(wait.input_tasks, 16);
    assert_eq!(none.input_tasks, 16);
    assert!(
        wait.share() >= 0.9,
        "with the 3 s wait {} of 16 are node-local",
        wait.local
    );
    assert!(
        none.share() < 0.5,
        "with no wait {} of 16 are node-local",
        none.local
    );
}

#[test]
fn on_a_busy_cluster_the_wait_buys_locality_for_at_most_a_tenth_more_time() {
    // The delay-scheduling paper's point: short tasks, a cluster whose cores free up one at a
    // time on any host, 2 replicas over 24 hosts.
    for seed in [None, Some(1), Some(3)] {
        let wait = run_variant(None, seed);
        let none = run_variant(Some("no-wait"), seed);
        assert!(
            none.share() < 0.7,
            "seed {seed:?}: with no wait {} of {} are node-local",
            none.local,
            none.input_tasks
        );
        assert!(
            wait.share() >= 0.9,
            "seed {seed:?}: with the wait {} of {} are node-local",
            wait.local,
            wait.input_tasks
        );
        assert!(
            wait.elapsed_us * 10 <= none.elapsed_us * 11,
            "seed {seed:?}: {} µs with the wait, {} µs without",
            wait.elapsed_us,
            none.elapsed_us
        );
    }
}

//! What-if: a run's scenario run again with one more fault at a moment of the run. On the
//! virtual clock the new run is the old one, event for event, up to that moment; the UI plays
//! on from there.

use ember::events::{Event, EventKind, EventRecorder};
use ember::scenario::whatif::{what_if, WhatIfFault};
use ember::scenario::{load, run, Overrides, RunOptions, Scenario};
use ember::tui::app::App;
use ember::tui::state::Log;

fn events_of(sc: &Scenario) -> Vec<Event> {
    let rec = EventRecorder::new();
    let _ = run(
        sc,
        RunOptions {
            listener: Some(Box::new(rec.clone())),
            ..Default::default()
        },
    );
    rec.events()
}

/// An event as the log writes it, without `AppStart`'s name and scenario text (the what-if's differ).
fn line(e: &Event) -> String {
    match &e.kind {
        EventKind::AppStart { clock, seed, .. } => format!("AppStart {clock} {seed}"),
        _ => serde_json::to_string(e).expect("serializes"),
    }
}

fn kill(exec: &str) -> WhatIfFault {
    WhatIfFault {
        kind: "kill_executor",
        target: exec.into(),
        executor: None,
    }
}

#[test]
fn a_what_if_run_is_the_same_as_the_run_it_came_from_up_to_its_moment() {
    let sc = load("tour", &Overrides::default()).expect("tour");
    let before = events_of(&sc);
    for at in [0, 57, 140, before.len() - 2] {
        let (_, w) = what_if(&sc.as_ran_toml(), "virtual", &kill("exec-1"), at).expect("what-if");
        let after = events_of(&w);
        let same = before
            .iter()
            .zip(&after)
            .take_while(|(a, b)| line(a) == line(b))
            .count();
        assert!(same > at, "at {at}: the runs part at event {same}");
        let injected = after
            .iter()
            .position(|e| matches!(&e.kind, EventKind::FaultInjected { at: a, .. } if *a == format!("event {at}")))
            .expect("the what-if's fault");
        assert!(
            injected > at,
            "the fault comes after event {at}, at {injected}"
        );
        assert_eq!(
            same, injected,
            "at {at}: the runs are the same until the fault is injected"
        );
    }
}

#[test]
fn a_what_if_in_the_ui_plays_on_from_its_moment_and_compares_job_times() {
    let sc = load("tour", &Overrides::default()).expect("tour");
    let mut app = App::new(Log::from_events(events_of(&sc)), "tour");
    app.play.playing = false;
    let at = 120;
    app.play.seek(&app.log, at);
    app.start_what_if(kill("exec-3"));
    assert!(app.title.contains("what-if: kill exec-3"), "{}", app.title);
    // Take the new run's events as they come, until it has ended.
    while !app.log.complete {
        if !app.drain() {
            std::thread::yield_now();
        }
    }
    assert_eq!(app.play.cursor(), at, "playback goes on from the moment");
    assert!(app.play.playing);
    assert!(app.log.events.iter().any(
        |e| matches!(&e.kind, EventKind::ExecutorRemoved { executor, .. } if executor == "exec-3")
    ));
    let w = app.what_if.as_ref().expect("the what-if");
    assert_eq!(
        w.baseline.len(),
        4,
        "the first run's four jobs, to compare with"
    );
}

#[test]
fn a_what_if_on_apache_sparks_log_kills_the_executor_in_a_replay_when_its_job_starts() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spark/memory-pressure.json");
    let (_, events) = ember::sparklog::read_log(&path).expect("Spark's log");
    let mut app = App::new(Log::from_events(events), "memory-pressure.json");
    app.recorded = Some(path);
    app.play.playing = false;
    // The moment: inside job 2 (the third JobStart).
    let at = app
        .log
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::JobStart { .. }))
        .nth(2)
        .map(|(i, _)| i + 3)
        .expect("job 2");
    app.play.seek(&app.log, at);
    // Spark's executor "1" (the first to register, on the one host): the replay's exec-0.
    app.start_what_if(kill("1"));
    assert!(app.title.contains("what-if: kill 1"), "{}", app.title);
    let w = app.what_if.as_ref().expect("the what-if");
    assert!(w.text.contains("at = \"job 2\""), "{}", w.text);
    assert!(w.text.contains("target = \"exec-0\""), "{}", w.text);
    while !app.log.complete {
        if !app.drain() {
            std::thread::yield_now();
        }
    }
    let jobs = app
        .log
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::JobEnd { .. }))
        .count();
    assert_eq!(jobs, 6, "every recorded job runs again");
    assert!(app.log.events.iter().any(
        |e| matches!(&e.kind, EventKind::ExecutorRemoved { executor, .. } if executor == "exec-0")
    ));
    // A block cannot be lost in a replay: it stores none.
    let lose = WhatIfFault {
        kind: "lose_block",
        target: "rdd_1_0".into(),
        executor: None,
    };
    assert!(ember::scenario::whatif::replay_what_if(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/spark/memory-pressure.json"),
        &lose,
        0
    )
    .is_err());
}

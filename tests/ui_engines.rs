//! The UI on a log of both engines' runs (`engine = "both"`): the views show one engine's run
//! at a time, `e` switches, and the compare view sets both runs' iterations side by side.

use ember::events::{Engine, Event, EventRecorder};
use ember::scenario::{load, run, Overrides, RunOptions};
use ember::tui::app::App;
use ember::tui::state::Log;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

/// The events of `logistic-regression` run with `sets`, as a log file gives them back.
fn log_of(sets: &[(&str, &str)]) -> Vec<Event> {
    let o = Overrides {
        sets: sets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let sc = load("logistic-regression", &o).expect("bundled");
    let rec = EventRecorder::new();
    run(
        &sc,
        RunOptions {
            listener: Some(Box::new(rec.clone())),
            ..Default::default()
        },
    )
    .expect("runs");
    rec.events()
        .iter()
        .map(|e| {
            let line = serde_json::to_string(e).expect("writes");
            serde_json::from_str(&line).expect("reads back")
        })
        .collect()
}

fn app(events: Vec<Event>) -> App {
    let mut app = App::new(Log::from_events(events), "logistic-regression");
    app.play.playing = false;
    app
}

fn key(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

fn screen(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

#[test]
fn a_run_of_both_engines_shows_one_engine_at_a_time_and_e_switches() {
    let events = log_of(&[("workload.engine", "both")]);
    let of = |engine: Engine| events.iter().filter(|e| e.engine == Some(engine)).count();
    let (spark, mapreduce) = (of(Engine::Spark), of(Engine::MapReduce));
    assert!(spark > 0 && mapreduce > 0);
    let mut a = app(events.clone());
    let iterations = |a: &App| {
        a.log
            .events
            .iter()
            .filter(|e| matches!(e.kind, ember::events::EventKind::IterationEnd { .. }))
            .count()
    };
    // Read back from a log, an `IterationEnd` names its engine in its own field, not a stamp.
    assert_eq!(
        a.log.events.len(),
        spark + 5,
        "the Spark-style run's events alone"
    );
    assert_eq!(iterations(&a), 5);
    a.act(ember::tui::view::Action::ToEnd);
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "│ Spark-style │"), "{s:#?}");
    key(&mut a, 'e');
    assert!(a
        .log
        .events
        .iter()
        .all(|e| e.run_engine(true) == Some(Engine::MapReduce)));
    assert_eq!(iterations(&a), 5);
    assert!(
        a.log.complete,
        "a log read whole is complete on either engine"
    );
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "│ MapReduce │"), "{s:#?}");
    assert!(has(&s, "the MapReduce engine's run"), "{s:#?}");
    // Its jobs are the baseline's: two stages each, from job 0 on.
    key(&mut a, '2');
    a.act(ember::tui::view::Action::ToEnd);
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "2 stages"), "{s:#?}");
    key(&mut a, 'e');
    assert_eq!(a.log.events.len(), spark + 5);
    let _ = mapreduce;
}

#[test]
fn the_compare_view_sets_both_engines_iterations_side_by_side() {
    let mut a = app(log_of(&[("workload.engine", "both")]));
    key(&mut a, '8');
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "8 Compare"), "the tab fits at 80 columns: {s:#?}");
    assert!(has(&s, "Spark-style beside MapReduce"), "{s:#?}");
    let at = s
        .iter()
        .position(|l| l.starts_with("it."))
        .unwrap_or_else(|| panic!("{s:#?}"));
    assert!(s[at].contains("Spark-style") && s[at].contains("MapReduce"));
    // Five iterations, a row each, and the baseline's bars are the longer.
    for i in 1..=5 {
        let row = &s[at + i];
        assert!(row.trim_start().starts_with(&format!("{i} ")), "{s:#?}");
        let bars: Vec<usize> = row
            .split_whitespace()
            .filter(|w| w.starts_with('█') || w.starts_with('▌'))
            .map(|w| w.chars().count())
            .collect();
        assert_eq!(bars.len(), 2, "{row}");
        assert!(bars[1] > bars[0], "{row}");
    }
    // At 30 columns it still draws, cut, and the tab line names the view shown.
    let small = screen(&mut a, 30, 8);
    assert!(small.iter().all(|l| l.chars().count() == 30));
    assert!(small[1].contains("8 Compare of 8"), "{small:#?}");
    // Too short to chart: it says so rather than scrolling nothing.
    let _ = screen(&mut a, 80, 7);
    a.act(ember::tui::view::Action::Down);
    assert!(
        a.message
            .as_deref()
            .is_some_and(|m| m.contains("too short")),
        "{:?}",
        a.message
    );
}

#[test]
fn e_and_e_again_come_back_to_where_the_run_was_left() {
    let mut a = app(log_of(&[("workload.engine", "both")]));
    a.play.seek(&a.log, 40);
    key(&mut a, 'e');
    let other = a.play.cursor();
    key(&mut a, 'e');
    assert_eq!(
        a.play.cursor(),
        40,
        "back where the Spark-style run was left"
    );
    key(&mut a, 'e');
    assert_eq!(a.play.cursor(), other);
}

#[test]
fn a_log_of_one_run_says_there_is_no_other_engine() {
    let mut a = app(log_of(&[]));
    key(&mut a, 'e');
    let s = screen(&mut a, 80, 24);
    assert!(
        has(&s, "Spark-style engine's alone") || has(&s, "this log is one run"),
        "{s:#?}"
    );
    key(&mut a, '8');
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "iteration times of this run"), "{s:#?}");
}

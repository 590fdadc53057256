//! The terminal UI drawn into ratatui's `TestBackend` from the pinned event logs of
//! `tests/golden/`: what each view shows, at 80×24.

use ember::events::log::read_event_log;
use ember::tui::app::App;
use ember::tui::state::Log;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::path::PathBuf;

fn app(name: &str) -> App {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.jsonl"));
    let events = read_event_log(&path).expect("golden log").events;
    let mut app = App::new(Log::from_events(events), name);
    app.play.playing = false;
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// The screen, a line per row.
fn screen(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

#[test]
fn the_lineage_view_colours_rdds_by_stage_and_marks_the_shuffle() {
    let mut a = app("narrow-vs-wide");
    key(&mut a, KeyCode::End);
    if !has(&screen(&mut a, 80, 24), "┆▽ shuffle") {
        // The job does not fit the screen in boxes: the view opened one line per RDD.
        key(&mut a, KeyCode::Char('b'));
    }
    let s = screen(&mut a, 80, 24);
    assert!(
        has(&s, "job 0 (collect, latest) │ stages run: s0 s1"),
        "{s:#?}"
    );
    assert!(has(&s, "┆▽ shuffle  │▼ narrow"), "{s:#?}");
    // The ShuffledRDD's edge from its parent ends in the hollow shuffle arrow.
    assert!(s[3..].iter().any(|l| l.contains('▽')), "{s:#?}");
    // Every RDD of the map stage carries stage 0's tag; the ShuffledRDD starts stage 1.
    assert!(has(&s, "s0"), "{s:#?}");
    // Select up to the top to see the source.
    for _ in 0..20 {
        key(&mut a, KeyCode::Up);
    }
    let top = screen(&mut a, 80, 24);
    assert!(has(&top, "0 lines: text_file"), "{top:#?}");
    assert!(has(&top, "HadoopRDD 6p"), "{top:#?}");
    key(&mut a, KeyCode::PageDown);
    let bottom = screen(&mut a, 80, 24);
    let all = [s, top, bottom].concat();
    assert!(
        has(&all, "ShuffledRDD 3p") || has(&all, "reduce_by_key"),
        "{all:#?}"
    );
}

#[test]
fn the_lineage_view_tags_the_rdds_of_a_skipped_stage_as_skipped() {
    let mut a = app("skipped-stages");
    key(&mut a, KeyCode::End);
    let s = screen(&mut a, 80, 24);
    assert!(
        has(&s, "job 2 (count, latest) │ stages run: s5 │ skipped: s4"),
        "{s:#?}"
    );
    assert!(has(&s, "s4 skipped"), "{s:#?}");
    assert!(has(&s, "s5"), "{s:#?}");
    // Job 0 ran stage 0 for the same RDDs.
    key(&mut a, KeyCode::Char('['));
    key(&mut a, KeyCode::Char('['));
    let s = screen(&mut a, 80, 24);
    assert!(
        has(&s, "job 0 (count, chosen) │ stages run: s0 s1"),
        "{s:#?}"
    );
    assert!(!has(&s, "s0 skipped") && !has(&s, "skipped: s"), "{s:#?}");
}

#[test]
fn the_jobs_view_shows_a_skipped_stage_and_why() {
    let mut a = app("skipped-stages");
    key(&mut a, KeyCode::End);
    a.show_named("Jobs");
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "job 2 (count): 2 stages, 1 skipped"), "{s:#?}");
    assert!(has(&s, "skipped: outputs exist"), "{s:#?}");
    assert!(has(&s, "stage 0 wrote them"), "{s:#?}");
    assert!(has(&s, "done 4/4"), "{s:#?}");
    assert!(has(&s, "✓ job 0"), "{s:#?}");
    // Job 0 ran both stages.
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Up);
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "job 0 (count): 2 stages, 0 skipped"), "{s:#?}");
}

#[test]
fn the_timeline_puts_each_task_on_its_executors_row() {
    let mut a = app("skipped-stages");
    key(&mut a, KeyCode::End);
    a.show_named("Timeline");
    let s = screen(&mut a, 80, 24);
    // Task 0 ran on an executor named in the log: find that row and the bar's label on it.
    let log = &a.log;
    let t0 = log.tasks.iter().find(|t| t.task == 0).unwrap();
    let row = s
        .iter()
        .position(|l| l.starts_with(&t0.executor))
        .expect("the executor's first core row");
    // The cell of task 0's launch on the plot (11 columns of labels, 69 of time).
    let total = log.end_us().max(1) as f64;
    let col = 11 + (t0.start_us as f64 / total * 69.0).floor() as usize;
    let at = |l: &String| l.chars().nth(col).unwrap_or(' ');
    // A bar starts with its locality letter (P N R A), then its label or its body.
    let bar = |c: char| c == '█' || c == '▒' || c.is_ascii_digit() || "PNRA".contains(c);
    assert!(
        s[row..row + 2].iter().any(|l| bar(at(l))),
        "task 0's bar starts at column {col} on {}'s rows: {:#?}",
        t0.executor,
        &s[row..row + 2]
    );
    assert!(has(&s, "|0 µs"), "{s:#?}");
}

#[test]
fn the_events_view_explains_each_event_in_a_sentence() {
    let mut a = app("skipped-stages");
    key(&mut a, KeyCode::End);
    a.show_named("Events");
    key(&mut a, KeyCode::Char('f'));
    let s = screen(&mut a, 120, 30);
    assert!(has(&s, "filter: jobs & stages"), "{s:#?}");
    assert!(
        has(
            &s,
            "stage 4 skipped in job 2: its shuffle's map outputs already exist (stage 0 wrote them)"
        ),
        "{s:#?}"
    );
    assert!(has(&s, "job 2 succeeded"), "{s:#?}");
}

#[test]
fn the_help_overlay_lists_every_key_and_every_view_at_80_by_24() {
    let mut a = app("skipped-stages");
    key(&mut a, KeyCode::Char('?'));
    let s = screen(&mut a, 80, 24);
    for text in [
        "every key",
        "1 Lineage (this view)",
        "space",
        "Home End",
        "fold, unfold iterations",
        "1-8",
    ] {
        assert!(has(&s, text), "{text}: {s:#?}");
    }
    // Each view's help lists its own keys.
    for (view, text) in [
        (2, "z Z"),
        (3, "Enter"),
        (1, "metrics"),
        (5, "select an executor"),
        (6, "earlier, later task set"),
    ] {
        key(&mut a, KeyCode::Esc);
        a.show(view);
        key(&mut a, KeyCode::Char('?'));
        let s = screen(&mut a, 80, 24);
        assert!(has(&s, text), "{text}: {s:#?}");
    }
    key(&mut a, KeyCode::Esc);
    assert!(!has(&screen(&mut a, 80, 24), "every key"));
}

#[test]
fn playback_steps_seeks_and_counts_events() {
    let mut a = app("skipped-stages");
    let n = a.log.events.len();
    assert_eq!(a.play.cursor(), 0);
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Right);
    assert_eq!(a.play.cursor(), 2);
    key(&mut a, KeyCode::Char('j'));
    assert!(matches!(
        a.log.events[a.play.cursor() - 1].kind,
        ember::events::EventKind::JobStart { .. }
    ));
    key(&mut a, KeyCode::Char('t'));
    assert!(matches!(
        a.log.events[a.play.cursor() - 1].kind,
        ember::events::EventKind::TaskStart { .. }
    ));
    key(&mut a, KeyCode::End);
    assert_eq!(a.play.cursor(), n);
    assert!(has(&screen(&mut a, 80, 24), &format!("event {n}/{n}")));
    key(&mut a, KeyCode::Char('g'));
    for c in "1ms".chars() {
        key(&mut a, KeyCode::Char(c));
    }
    key(&mut a, KeyCode::Enter);
    assert!(a.log.events[..a.play.cursor()]
        .iter()
        .all(|e| e.time_us <= 1000));
    assert!(a.play.cursor() < n);
    key(&mut a, KeyCode::Home);
    assert_eq!(a.play.cursor(), 0);
    key(&mut a, KeyCode::Char('q'));
    assert!(a.quit);
}

#[test]
fn every_view_draws_at_the_smallest_size_and_a_large_one() {
    for (w, h) in [(80, 24), (200, 50), (30, 6)] {
        let mut a = app("narrow-vs-wide");
        key(&mut a, KeyCode::End);
        for v in 0..a.view_names().len() {
            a.show(v);
            let s = screen(&mut a, w, h);
            assert!(s[0].contains("■ the end"), "view {v} at {w}x{h}: {s:#?}");
        }
    }
}

/// A run whose second job loses shuffle files: its fetch fails, the map stage reruns for the
/// lost outputs and the result stage is resubmitted.
fn recovery_app() -> App {
    use ember::cluster::ClusterSpec;
    use ember::events::EventRecorder;
    use ember::storage::BlockId;
    let rec = EventRecorder::new();
    let ctx = ember::Context::builder()
        .cluster(ClusterSpec::flat(2, 1))
        .listener(rec.clone())
        .build()
        .unwrap();
    let counts = ctx
        .parallelize((0..600u32).collect(), 6)
        .map(|x| (x % 12, 1u32))
        .reduce_by_key_into(|a, b| a + b, 3);
    counts.collect().unwrap();
    let disk = ctx.disk_store(0).expect("exec-0's disk");
    for map in 0..6 {
        disk.remove(BlockId::ShuffleIndex { shuffle: 0, map });
    }
    counts.collect().unwrap();
    let mut app = App::new(Log::from_events(rec.events()), "recovery");
    app.play.playing = false;
    app
}

#[test]
fn the_jobs_view_shows_a_failed_attempt_then_the_resubmitted_stage() {
    use ember::events::{EventKind, Outcome};
    let mut a = recovery_app();
    let failed = a
        .log
        .events
        .iter()
        .position(|e| {
            matches!(
                e.kind,
                EventKind::StageCompleted {
                    result: Outcome::Failed,
                    ..
                }
            )
        })
        .expect("a stage attempt fails on the lost files");
    a.show_named("Jobs");
    a.play.seek(&a.log, failed + 1);
    let s = screen(&mut a, 100, 30);
    assert!(has(&s, "attempt 0 failed"), "{s:#?}");
    key(&mut a, KeyCode::End);
    let s = screen(&mut a, 100, 30);
    assert!(has(&s, "resubmitted (1) done"), "{s:#?}");
}

#[test]
fn the_storage_view_lists_blocks_least_recently_used_first_and_says_what_each_eviction_made_room_for(
) {
    let mut a = app("lru-eviction");
    key(&mut a, KeyCode::End);
    key(&mut a, KeyCode::Char('5'));
    let s = screen(&mut a, 100, 30);
    assert!(has(&s, "5 Storage"), "{s:#?}");
    assert!(has(&s, "least recently used first:"), "{s:#?}");
    assert!(has(&s, "exec-0") && has(&s, "of 4.0 MiB"), "{s:#?}");
    // The state after the last job agrees with the events: the last eviction on each
    // executor made room for a block of the RDD counted last.
    let st = &a.play.state.storage;
    let ex = &st.executors["exec-0"];
    let last = ex.evictions.back().expect("an eviction");
    assert!(
        has(&s, &format!("last eviction: {} (", last.block)),
        "{s:#?}"
    );
    assert!(has(&s, &format!("for {}", last.for_block)), "{s:#?}");
    // The list starts with the least recently used block, the first an eviction would take.
    assert!(
        has(&s, &format!("least recently used first: {}", ex.lru[0].0)),
        "{s:#?}"
    );
    assert!(has(&s, "computed again"), "{s:#?}");
}

#[test]
fn the_lineage_view_shows_how_much_of_a_persisted_rdd_is_cached_and_recomputed() {
    let mut a = app("lru-eviction");
    key(&mut a, KeyCode::End);
    let s = screen(&mut a, 120, 40);
    // Both persisted RDDs: 8 partitions each, some cached, some computed again.
    let levels: usize = s.iter().map(|l| l.matches("MEMORY_ONLY ").count()).sum();
    assert_eq!(levels, 2, "{s:#?}");
    // The RDD counted last is all in memory; the other kept what its LRU blocks left it.
    assert!(
        has(&s, "MEMORY_ONLY 8/8") && has(&s, "MEMORY_ONLY 2/8"),
        "{s:#?}"
    );
    assert!(has(&s, "↻6"), "{s:#?}");
}

#[test]
fn the_locality_view_shows_what_a_waiting_task_set_waits_for_and_its_declined_offers() {
    // SPARK-18886's shape: every task prefers host-0, whose one core frees every 1.1 s.
    let mut a = app("locality-starvation");
    a.show_named("Locality");
    let log = std::mem::take(&mut a.log);
    a.play.seek_time(&log, 2_000_000);
    a.log = log;
    // Numbers and their units are glued with no-break spaces, so lines do not split them.
    let plain = |s: Vec<String>| -> Vec<String> {
        s.into_iter().map(|l| l.replace('\u{a0}', " ")).collect()
    };
    let s = plain(screen(&mut a, 80, 24));
    assert!(has(&s, "stage 0 of job 0"), "{s:#?}");
    assert!(has(&s, "allowed NODE_LOCAL since 5.0 ms"), "{s:#?}");
    assert!(has(&s, "[NODE_LOCAL 3.00 s]"), "{s:#?}");
    assert!(
        has(
            &s,
            "stage 0 waits at NODE_LOCAL for host-0: 14 of 14 pending"
        ),
        "{s:#?}"
    );
    assert!(has(&s, "host-0 (input, RDD 0) pending"), "{s:#?}");
    // When the wait runs out, the declines of exec-1 are posted, merged.
    let log = std::mem::take(&mut a.log);
    a.play.seek_time(&log, 3_400_000);
    a.log = log;
    let s = screen(&mut a, 80, 24);
    assert!(
        has(
            &s,
            "exec-1 declined ×4 from 5.0 ms: offers RACK_LOCAL, wants NODE_LOCAL"
        ),
        "{s:#?}"
    );
}

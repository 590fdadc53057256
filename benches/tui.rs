//! Criterion benchmarks of the terminal UI (figures go in the issue notes).
//!
//! - `lineage_layout_and_render`: lay out the lineage of a 10-iteration PageRank (78 RDDs) and
//!   paint it into a 200×50 buffer, as the lineage view does when the log grows.
//! - `seek_100k_events`: in a log of over 100,000 events (a job of 50,000 tasks on the virtual
//!   clock), seek from the end to the worst places: just before a snapshot is due, so the
//!   whole gap between two snapshots is re-folded.
//! - `tui_first_frame`: `ember tui` on the default scenario, from process start to its first
//!   frame (drawn off-screen, then the process exits: `EMBER_TUI_EXIT_AFTER_FIRST_FRAME`).

/// The allocator the `ember` binary uses, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use ember::cluster::{Clock, ClusterSpec};
use ember::events::EventRecorder;
use ember::scenario::{load, run, Overrides, RunOptions};
use ember::tui::layout::Ordering;
use ember::tui::lineage::LineageGraph;
use ember::tui::lineage_draw::LineageView;
use ember::tui::playback::{Playback, SNAPSHOT_EVERY};
use ember::tui::state::{Log, UiState};
use ember::Context;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::process::Command;
use std::time::Duration;

fn pagerank_state(iterations: usize) -> UiState {
    let o = Overrides {
        sets: vec![("workload.iterations".into(), iterations.to_string())],
        ..Overrides::default()
    };
    let sc = load("pagerank", &o).expect("bundled");
    let events = run(&sc, RunOptions::default()).expect("run").events;
    UiState::from_events(&events)
}

fn lineage_layout_and_render(c: &mut Criterion) {
    let s = pagerank_state(10);
    let job = s.jobs.last().map(|j| j.job);
    let area = Rect::new(0, 0, 200, 50);
    let mut buf = Buffer::empty(area);
    c.bench_function("lineage_layout_and_render/pagerank_10_iterations", |b| {
        b.iter(|| {
            let g = LineageGraph::build(&s, false, Ordering::Barycenter);
            buf.reset();
            LineageView {
                graph: &g,
                job,
                scroll: (0, 0),
                compact: false,
                selected: None,
            }
            .render(&s, area, &mut buf);
            g.layout.crossings
        })
    });
}

/// A log of over 100,000 events: one job of 50,000 map and reduce tasks, virtual clock.
fn big_log() -> Log {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(100, 4))
        .clock(Clock::Virtual)
        .listener(rec.clone())
        .build()
        .expect("context");
    let pairs = ctx
        .parallelize((0..100_000u64).collect::<Vec<_>>(), 40_000)
        .map(|x| (x % 1_000, 1u64))
        .reduce_by_key_into(|a, b| a + b, 10_000);
    pairs.count().expect("count");
    Log::from_events(rec.events())
}

fn seek_100k_events(c: &mut Criterion) {
    let log = big_log();
    let n = log.events.len();
    assert!(n >= 100_000, "{n} events");
    let mut play = Playback::default();
    play.index(&log);
    // The worst targets: the last event before each snapshot, visited far apart.
    let targets: Vec<usize> = (0..n / SNAPSHOT_EVERY)
        .map(|k| (k * SNAPSHOT_EVERY + SNAPSHOT_EVERY - 1).min(n))
        .rev()
        .collect();
    let mut i = 0;
    c.bench_function(&format!("seek/{n}_events_worst_case"), |b| {
        b.iter(|| {
            play.seek(&log, n);
            play.seek(&log, targets[i % targets.len()]);
            i += 7;
            play.cursor()
        })
    });
}

fn tui_first_frame(c: &mut Criterion) {
    let exe = env!("CARGO_BIN_EXE_ember");
    c.bench_function("tui_first_frame/default_scenario", |b| {
        b.iter(|| {
            let status = Command::new(exe)
                .arg("tui")
                .env("EMBER_TUI_EXIT_AFTER_FIRST_FRAME", "1")
                .status()
                .expect("spawn ember");
            assert!(status.success());
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = lineage_layout_and_render, seek_100k_events, tui_first_frame
}
criterion_main!(benches);

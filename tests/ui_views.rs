//! The terminal UI's views from fixed logs of `tests/golden/` (`ui-*.jsonl`, written once by
//! `ember run SCENARIO --events`): every line that reaches the border ends at a word or in
//! `…`, at 80×24 and 200×50; the lineage opens on the job's sources and picks the form that
//! fits; the storage view explains a refused block with its unroll memory; the executors view
//! and a stage's quantiles are drawn; every key the help lists acts in every view, and keys it
//! does not list change nothing; `NO_COLOR` draws without colours; the README's keys are the
//! tables'.

use ember::events::log::read_event_log;
use ember::events::EventKind;
use ember::tui::app::App;
use ember::tui::registry::{keys_table, views};
use ember::tui::state::Log;
use ember::tui::theme;
use ember::tui::view::GLOBAL;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;
use std::path::PathBuf;

const LOGS: [&str; 4] = [
    "ui-pagerank",
    "ui-storage-levels",
    "ui-failed",
    "ui-execution-memory",
];

fn app(name: &str) -> App {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.jsonl"));
    let events = read_event_log(&path).expect("fixed log").events;
    let mut app = App::new(Log::from_events(events), name);
    app.play.playing = false;
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    t.backend().buffer().clone()
}

/// The screen, a line per row.
fn screen(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let buf = draw(app, w, h);
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

/// Rows whose last cell holds text: text that reached the border without ending in `…` (a
/// line of text that fits leaves the last column blank; a drawing may reach it with lines and
/// blocks, but a box's text cut there is marked `…` too).
fn cut_rows(s: &[String]) -> Vec<&String> {
    let drawing = |c: char| matches!(c as u32, 0x2190..=0x21FF | 0x2500..=0x25FF | 0x2700..=0x27BF);
    s.iter()
        .filter(|l| {
            l.chars()
                .last()
                .is_some_and(|c| c != ' ' && c != '…' && !drawing(c))
        })
        .collect()
}

/// Moves playback to just after the first event that `pred` matches.
fn seek_to(a: &mut App, pred: impl Fn(&EventKind) -> bool) {
    let i = a
        .log
        .events
        .iter()
        .position(|e| pred(&e.kind))
        .expect("the event");
    let log = std::mem::take(&mut a.log);
    a.play.seek(&log, i + 1);
    a.log = log;
}

#[test]
fn every_line_that_reaches_the_border_ends_at_a_word_or_in_an_ellipsis() {
    for name in LOGS {
        for (w, h) in [(80, 24), (200, 50)] {
            let mut a = app(name);
            let n = a.log.events.len();
            for at in [n / 3, n] {
                let log = std::mem::take(&mut a.log);
                a.play.seek(&log, at);
                a.log = log;
                for v in 0..a.view_names().len() {
                    a.show(v);
                    let mut screens = vec![screen(&mut a, w, h)];
                    // The other form of the lineage, the metrics of the jobs view, the help.
                    if v < 2 {
                        key(&mut a, KeyCode::Char(if v == 0 { 'b' } else { 'm' }));
                        screens.push(screen(&mut a, w, h));
                        key(&mut a, KeyCode::Char(if v == 0 { 'b' } else { 'm' }));
                    }
                    key(&mut a, KeyCode::Char('?'));
                    screens.push(screen(&mut a, w, h));
                    key(&mut a, KeyCode::Esc);
                    for s in screens {
                        let cut = cut_rows(&s);
                        assert!(
                            cut.is_empty(),
                            "{name} view {v} at {w}x{h}, event {at}: cut mid-word: {cut:#?}\n{s:#?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_lineage_of_pageranks_first_job_shows_its_source_and_fits_one_screen_in_lines() {
    let mut a = app("ui-pagerank");
    seek_to(&mut a, |k| matches!(k, EventKind::JobEnd { job: 0, .. }));
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "job 0 (count, latest)"), "{s:#?}");
    // The boxes do not fit 21 rows: one line per RDD, the source at the top.
    assert!(has(&s, "0 text_file  HadoopRDD 8p"), "{s:#?}");
    assert!(!has(&s, "╭"), "one line per RDD: {s:#?}");
    assert!(!has(&s, "more"), "the job fits one screen: {s:#?}");
    let job = a.play.state.job(0).unwrap();
    for r in &job.rdds {
        let op = &a.play.state.rdds[r].op;
        assert!(has(&s, &format!(" {r} {op} ")), "RDD {r}: {s:#?}");
    }
    // In boxes, the view opens on the source too.
    key(&mut a, KeyCode::Char('b'));
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "╭ 0 text_file"), "{s:#?}");
    assert!(has(&s, "↓ more"), "{s:#?}");
    // At the end, the last job shown opens on its sources (the top of its lineage), and a
    // job chosen with [ opens on its own.
    key(&mut a, KeyCode::End);
    key(&mut a, KeyCode::Char('b'));
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "job 5 (collect, latest)"), "{s:#?}");
    assert!(has(&s, " 0 text_file"), "{s:#?}");
}

#[test]
fn the_selected_rdd_moves_with_the_arrows_and_says_what_it_reads() {
    let mut a = app("ui-pagerank");
    key(&mut a, KeyCode::End);
    key(&mut a, KeyCode::Down);
    let m = a.message.clone().unwrap_or_default();
    assert!(m.starts_with("RDD 0 text_file"), "{m}");
    key(&mut a, KeyCode::Down);
    let m = a.message.clone().unwrap_or_default();
    assert!(m.contains("reads 0 (narrow)"), "{m}");
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Up);
    assert!(a
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("first RDD"));
}

#[test]
fn the_storage_view_explains_a_block_not_stored_by_its_unroll_memory() {
    let mut a = app("ui-storage-levels");
    key(&mut a, KeyCode::End);
    a.show_named("Storage");
    for (w, h) in [(80, 24), (200, 50)] {
        let s = screen(&mut a, w, h);
        let all = s.join("\n").replace('\u{a0}', " ");
        assert!(all.contains("used, yet not stored: no room to"), "{s:#?}");
        assert!(all.contains("unroll needed 1.0 MiB)"), "{s:#?}");
    }
}

#[test]
fn the_storage_view_shows_what_a_shuffle_read_asks_of_execution_memory() {
    let mut a = app("ui-execution-memory");
    // Just after the eviction execution memory made: the reduce task runs.
    seek_to(&mut a, |k| matches!(k, EventKind::BlockEvicted { .. }));
    a.show_named("Storage");
    let s = screen(&mut a, 80, 24);
    let all = s.join("\n").replace('\u{a0}', " ");
    assert!(
        all.contains("execution memory: 1 task reading a shuffle asked for 1.7 MiB"),
        "{s:#?}"
    );
    assert!(all.contains("block to get room"), "{s:#?}");
}

#[test]
fn the_executors_view_draws_each_executors_tasks_memory_and_shuffle() {
    let mut a = app("ui-pagerank");
    key(&mut a, KeyCode::End);
    a.show_named("Executors");
    let s = screen(&mut a, 80, 24);
    assert!(has(&s, "executor cores  run  done  fail"), "{s:#?}");
    assert!(has(&s, "sh.rd  sh.wr"), "{s:#?}");
    let st = &a.play.state;
    let tally = ember::tui::executors::tally(&a.log, st.applied);
    for e in st.executors.iter() {
        let x = &tally[&e.name];
        let row = s.iter().find(|l| l.starts_with(&format!(" {} ", e.name)));
        let row = row.unwrap_or_else(|| panic!("{}: {s:#?}", e.name));
        assert!(
            row.contains(&format!(" {} ", x.tasks_succeeded)),
            "{row}: {x:?}"
        );
    }
    let done: usize = tally.values().map(|x| x.tasks_succeeded).sum();
    let failed: usize = tally.values().map(|x| x.tasks_failed).sum();
    assert_eq!(
        done + failed,
        st.tasks_ended,
        "every task that ended is in a row"
    );
    assert!(has(&s, " all "), "{s:#?}");
    key(&mut a, KeyCode::Down);
    let s = screen(&mut a, 80, 24);
    let all = s.join("\n").replace('\u{a0}', " ");
    assert!(all.contains("exec-1 on host-1"), "{s:#?}");
}

#[test]
fn the_jobs_view_draws_a_stages_quantiles_and_the_parts_of_a_tasks_time() {
    let mut a = app("ui-pagerank");
    key(&mut a, KeyCode::End);
    a.show_named("Jobs");
    key(&mut a, KeyCode::Char('m'));
    for (w, h) in [(80, 24), (200, 50)] {
        let s = screen(&mut a, w, h);
        assert!(has(&s, "summary of 8 successful tasks"), "{s:#?}");
        for text in [
            "min   25th median   75th    max",
            "task time",
            "sched.delay",
            "compute",
            "shuf.read B",
            "median task:",
            "the run's cost model",
        ] {
            assert!(has(&s, text), "{text}: {s:#?}");
        }
    }
    // Another stage: the job's first (skipped here: none of its tasks ran in this job).
    key(&mut a, KeyCode::Char('N'));
    assert!(a
        .message
        .as_deref()
        .unwrap_or_default()
        .starts_with("stage "));
}

#[test]
fn a_replayed_failed_run_says_so_in_the_footer_and_the_jobs_view_says_why() {
    let mut a = app("ui-failed");
    key(&mut a, KeyCode::End);
    a.message = None;
    a.show_named("Jobs");
    let s = screen(&mut a, 80, 24);
    assert!(s[23].contains("the run failed: Job aborted"), "{s:#?}");
    assert!(s[0].contains("✗ failed"), "{s:#?}");
    let all = s.join(" ");
    assert!(all.contains("failed: Job"), "{s:#?}");
    assert!(all.contains("aborted due to stage failure"), "{s:#?}");
}

#[test]
fn the_header_keeps_a_long_name() {
    let mut a = app("ui-pagerank");
    a.title = "a-rather-long-event-log-name-from-a-folder.jsonl".into();
    let s = screen(&mut a, 80, 24);
    assert!(s[0].contains("a-rather-long"), "{s:#?}");
    assert!(s[0].contains("event 0/426"), "{s:#?}");
}

/// A state where every view has something to act on: the middle of PageRank's run.
fn middle() -> App {
    let mut a = app("ui-pagerank");
    let n = a.log.events.len();
    let log = std::mem::take(&mut a.log);
    a.play.seek(&log, n / 2);
    a.log = log;
    a
}

#[test]
fn every_key_the_help_lists_acts_in_every_view_and_no_other_key_does() {
    let names = middle().view_names();
    let all_keys: Vec<KeyCode> = (' '..='~')
        .map(KeyCode::Char)
        .chain([
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Insert,
            KeyCode::F(1),
        ])
        .collect();
    for (v, view) in views().iter().enumerate() {
        let listed: Vec<KeyCode> = view
            .keys()
            .iter()
            .chain(GLOBAL)
            .flat_map(|b| b.keys.iter().map(|k| k.0))
            .collect();
        // The help overlay of the view lists each binding's keys.
        let mut a = middle();
        a.show(v);
        key(&mut a, KeyCode::Char('?'));
        let help = screen(&mut a, 80, 24);
        for b in view.keys().iter().chain(GLOBAL) {
            assert!(has(&help, b.label), "{}: {} {help:#?}", names[v], b.label);
        }
        for code in &all_keys {
            let mut a = middle();
            a.show(v);
            // A first frame, as the UI draws before any key.
            screen(&mut a, 80, 24);
            let before = a.fingerprint();
            a.message = None;
            key(&mut a, *code);
            let acted = a.fingerprint() != before || a.message.is_some();
            if listed.contains(code) {
                assert!(acted, "{}: {code:?} did nothing and said nothing", names[v]);
                // Again, from where it left the view: it still acts or says why not.
                if a.prompt.is_none() && !a.quit && !a.help {
                    let before = a.fingerprint();
                    a.message = None;
                    screen(&mut a, 80, 24);
                    key(&mut a, *code);
                    let acted = a.fingerprint() != before || a.message.is_some();
                    assert!(acted, "{}: {code:?} twice did nothing", names[v]);
                }
            } else {
                // An unlisted key changes nothing; it may only say so.
                let said_nothing_happened = a
                    .message
                    .as_deref()
                    .is_none_or(|m| m.contains("does nothing in the"));
                assert!(
                    a.fingerprint() == before && said_nothing_happened,
                    "{}: {code:?} is not listed, yet acted ({:?})",
                    names[v],
                    a.message
                );
            }
        }
    }
}

#[test]
fn no_color_draws_every_view_without_colours_and_tells_stages_by_their_labels() {
    let mut a = app("ui-pagerank");
    theme::set_plain(true);
    key(&mut a, KeyCode::End);
    for v in 0..a.view_names().len() {
        a.show(v);
        let buf = draw(&mut a, 100, 30);
        for c in buf.content() {
            assert!(
                c.fg == Color::Reset && c.bg == Color::Reset,
                "view {v}: a coloured cell {c:?}"
            );
        }
    }
    a.show(0);
    let s = screen(&mut a, 100, 30);
    assert!(has(&s, "stages run: s63"), "{s:#?}");
    theme::set_plain(false);
}

#[test]
fn the_readme_lists_the_keys_of_the_tables() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let table = keys_table();
    assert!(
        readme.contains(&table),
        "README.md's keys table is not the tables' (update it to):\n{table}"
    );
}

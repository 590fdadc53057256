//! The event log round-trips: what is written replays to the same events; a log cut mid-line
//! replays up to its last whole line; a malformed line is an error naming its line number.

use ember::events::log::{read_event_log, EventLogError};
use ember::events::{Event, EventKind, EventRecorder};
use ember::Context;
use std::path::PathBuf;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ember-log-{}-{name}", std::process::id()))
}

/// A small run with two jobs and a shuffle, logged to `path`; returns the events it posted.
fn logged_run(path: &PathBuf) -> Vec<Event> {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .event_log(path)
        .listener(rec.clone())
        .build()
        .expect("context");
    let counts = ctx
        .parallelize((0..100u32).collect(), 4)
        .map(|x| (x % 7, 1u32))
        .reduce_by_key_into(|a, b| a + b, 3);
    counts.collect().expect("collect");
    counts.count().expect("count");
    ctx.stop(ember::events::AppResult::Succeeded);
    drop(counts);
    drop(ctx);
    rec.events()
}

#[test]
fn every_event_log_written_replays_to_the_same_events() {
    let path = temp("roundtrip.jsonl");
    let events = logged_run(&path);
    let read = read_event_log(&path).expect("read").events;
    assert_eq!(read, events);
    assert!(matches!(
        read.first().map(|e| &e.kind),
        Some(EventKind::AppStart { .. })
    ));
    assert!(matches!(
        read.last().map(|e| &e.kind),
        Some(EventKind::AppEnd { .. })
    ));
    assert!(read
        .iter()
        .any(|e| matches!(e.kind, EventKind::TaskEnd { .. })));
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_log_cut_mid_line_replays_up_to_its_last_whole_line() {
    let path = temp("cut.jsonl");
    let events = logged_run(&path);
    let text = std::fs::read_to_string(&path).expect("log");
    let lines: Vec<&str> = text.lines().collect();
    // Cut in the middle of line 10.
    let keep: usize = lines[..9].iter().map(|l| l.len() + 1).sum::<usize>() + lines[9].len() / 2;
    std::fs::write(&path, &text.as_bytes()[..keep]).expect("write");
    let read = read_event_log(&path).expect("a cut log still replays");
    assert!(read.cut_short);
    assert_eq!(read.events, events[..9].to_vec());
    let _ = std::fs::remove_file(path);
}

#[test]
fn unknown_events_and_garbage_lines_are_skipped_with_one_warning_per_kind() {
    let path = temp("bad.jsonl");
    let events = logged_run(&path);
    let text = std::fs::read_to_string(&path).expect("log");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = "{\"event\":\"TaskStart\",\"time_us\":\"soon\"}".into();
    lines.insert(
        4,
        "{\"event\":\"SparkListenerFuture\",\"time_us\":1}".into(),
    );
    lines.insert(
        5,
        "{\"event\":\"SparkListenerFuture\",\"time_us\":2}".into(),
    );
    lines.insert(6, "this line is not JSON".into());
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    let read = read_event_log(&path).expect("the log replays without its bad lines");
    assert_eq!(
        read.events.len(),
        events.len() - 1,
        "only the malformed event is lost"
    );
    let said: Vec<String> = read.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(said.len(), 3, "one warning per kind: {said:?}");
    assert!(
        said[0]
            .starts_with("1 line (a malformed \"TaskStart\" event) skipped, the first at line 3"),
        "{said:?}"
    );
    assert!(said[1].starts_with("2 lines (an event \"SparkListenerFuture\" this version does not know) skipped, the first at line 5"), "{said:?}");
    assert!(
        said[2].starts_with("1 line (not JSON) skipped, the first at line 7"),
        "{said:?}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_log_with_no_valid_line_is_an_error_naming_its_first_line() {
    let path = temp("garbage.jsonl");
    std::fs::write(&path, "garbage\n{\"event\":\"Nope\"}\n").expect("write");
    match read_event_log(&path) {
        Err(EventLogError::Malformed { line, .. }) => assert_eq!(line, 1),
        other => panic!("expected an error, got {other:?}"),
    }
    let message = read_event_log(&path).expect_err("error").to_string();
    assert!(
        message.contains(&format!("{}:1:", path.display())),
        "{message}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn readers_ignore_fields_they_do_not_know() {
    let path = temp("extra.jsonl");
    std::fs::write(
        &path,
        "{\"event\":\"AppEnd\",\"time_us\":5,\"result\":\"succeeded\",\"from_the_future\":[1,2]}\n",
    )
    .expect("write");
    let read = read_event_log(&path).expect("read").events;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].time_us, 5);
    let _ = std::fs::remove_file(path);
}

mod replay {
    use ember::events::log::parse_event_log;
    use ember::events::summary::RunSummary;
    use ember::tui::app::{App, View};
    use ember::tui::state::Log;
    use proptest::prelude::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::path::{Path, PathBuf};

    fn golden(name: &str) -> String {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(format!("{name}.jsonl"));
        std::fs::read_to_string(p).expect("golden log")
    }

    #[derive(Clone, Debug)]
    enum Cut {
        DropLine(usize),
        SwapLines(usize, usize),
        Truncate(usize),
        Renumber(usize, u64),
        Rename(usize, u8),
        Garbage(usize),
    }

    fn apply(text: &str, cuts: &[Cut]) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let names = [
            "TaskEnd",
            "JobStart",
            "StageSkipped",
            "AppEnd",
            "StageCompleted",
            "Nope",
        ];
        for c in cuts {
            let n = lines.len().max(1);
            match c {
                Cut::DropLine(i) if !lines.is_empty() => {
                    lines.remove(i % n);
                }
                Cut::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
                Cut::Truncate(at) => {
                    let all = lines.join("\n");
                    let at = at % (all.len() + 1);
                    let cut = all
                        .char_indices()
                        .map(|(i, _)| i)
                        .take_while(|i| *i <= at)
                        .last()
                        .unwrap_or(0);
                    lines = all[..cut].lines().map(str::to_string).collect();
                }
                Cut::Renumber(i, v) if !lines.is_empty() => {
                    let l = &mut lines[i % n];
                    if let Some(p) = l.find(|c: char| c.is_ascii_digit()) {
                        let end = p + l[p..]
                            .find(|c: char| !c.is_ascii_digit())
                            .unwrap_or(l.len() - p);
                        l.replace_range(p..end, &v.to_string());
                    }
                }
                Cut::Rename(i, k) if !lines.is_empty() => {
                    let l = &mut lines[i % n];
                    if let Some(p) = l.find("\"event\":\"") {
                        let s = p + 9;
                        if let Some(e) = l[s..].find('"') {
                            l.replace_range(s..s + e, names[*k as usize % names.len()]);
                        }
                    }
                }
                Cut::Garbage(i) => lines.insert(i % n, "{\"event\":}".into()),
                _ => {}
            }
        }
        lines.join("\n") + "\n"
    }

    fn cut() -> impl Strategy<Value = Cut> {
        prop_oneof![
            any::<usize>().prop_map(Cut::DropLine),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Cut::SwapLines(a, b)),
            any::<usize>().prop_map(Cut::Truncate),
            (
                any::<usize>(),
                prop_oneof![Just(0u64), Just(u64::MAX), Just(7), Just(1 << 40)]
            )
                .prop_map(|(i, v)| Cut::Renumber(i, v)),
            (any::<usize>(), any::<u8>()).prop_map(|(i, k)| Cut::Rename(i, k)),
            any::<usize>().prop_map(Cut::Garbage),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

        #[test]
        fn a_mutated_event_log_never_panics_the_replay(
            which in 0..3usize,
            cuts in prop::collection::vec(cut(), 1..5),
            steps in prop::collection::vec(0usize..1000, 0..6),
        ) {
            let name = ["skipped-stages", "narrow-vs-wide", "lineage-and-laziness"][which];
            let text = apply(&golden(name), &cuts);
            // Refused (a malformed line) or replayed: never a panic.
            if let Ok(events) = parse_event_log(&text, Path::new("mutated.jsonl")).map(|l| l.events) {
                let _ = RunSummary::from_events(&events);
                let mut app = App::new(Log::from_events(events), "mutated");
                app.play.playing = false;
                let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
                for s in steps {
                    let log = &app.log;
                    let n = log.events.len();
                    app.play.seek(log, s % (n + 1));
                    for v in View::ALL {
                        app.view = v;
                        t.draw(|f| app.draw(f)).unwrap();
                    }
                }
            }
        }
    }
}

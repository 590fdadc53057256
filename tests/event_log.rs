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
    ctx.stop("succeeded");
    drop(counts);
    drop(ctx);
    rec.events()
}

#[test]
fn every_event_log_written_replays_to_the_same_events() {
    let path = temp("roundtrip.jsonl");
    let events = logged_run(&path);
    let read = read_event_log(&path).expect("read");
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
    assert_eq!(read, events[..9].to_vec());
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_malformed_line_is_an_error_naming_its_line_number() {
    let path = temp("bad.jsonl");
    logged_run(&path);
    let text = std::fs::read_to_string(&path).expect("log");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = "{\"event\":\"TaskStart\",\"time_us\":\"soon\"}".into();
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    match read_event_log(&path) {
        Err(EventLogError::Malformed { line, .. }) => assert_eq!(line, 3),
        other => panic!("expected a malformed-line error, got {other:?}"),
    }
    let message = read_event_log(&path).expect_err("error").to_string();
    assert!(
        message.contains(&format!("{}:3:", path.display())),
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
    let read = read_event_log(&path).expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].time_us, 5);
    let _ = std::fs::remove_file(path);
}

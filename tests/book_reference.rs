//! The book's reference chapters (`book/src/reference-*.md`) kept true to the program: every
//! key the scenario reader accepts, every event and field of the event log, every command and
//! flag clap defines, and every field of `run --json` must be documented, each in its own
//! section and written in backticks as a file or a command line writes it.
//!
//! What is accepted is read from the program itself, not from a list kept here: the scenario
//! tables from their serde types (a small `Deserializer` records the fields each struct asks
//! for), the event names from serde's "unknown variant" message, the flags from the binary's
//! `--help`. A key, event, field or flag added to the code without a line in the book fails here.

use ember::events::summary::RunSummary;
use ember::events::{Event, EventKind, RddInfo, StageInfo, TaskMetrics};
use ember::scenario::spec::ScenarioFile;
use ember::scenario::{self, Overrides, RunOptions};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess};
use serde::de::{Deserialize, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::Command;

// ----- the chapters ---------------------------------------------------------------------------

const COMMAND_LINE: &str = "reference-command-line.md";
const SCENARIO_FILES: &str = "reference-scenario-files.md";
const EVENT_LOG: &str = "reference-event-log.md";

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src")
}

fn chapter(name: &str) -> String {
    let path = book_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A line of a chapter, and whether it is inside a fenced code block.
fn prose_lines(text: &str) -> Vec<(&str, bool)> {
    let mut fenced = false;
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
                return (l, true);
            }
            (l, fenced)
        })
        .collect()
}

/// The heading level and text of a line (`## `[cluster]`` is 2 and `` `[cluster]` ``).
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 || !line[level..].starts_with(' ') {
        return None;
    }
    Some((level, line[level..].trim()))
}

/// The text under the heading whose text is exactly `title`, up to the next heading of the same
/// or a higher level (its subsections included).
fn section(text: &str, title: &str) -> Option<String> {
    let lines = prose_lines(text);
    let start = lines
        .iter()
        .position(|(l, fenced)| !fenced && heading(l).is_some_and(|(_, t)| t == title))?;
    let (level, _) = heading(lines[start].0)?;
    let mut out = String::new();
    for (l, fenced) in &lines[start + 1..] {
        if !fenced && heading(l).is_some_and(|(n, _)| n <= level) {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    Some(out)
}

fn section_or_panic(file: &str, title: &str) -> String {
    section(&chapter(file), title)
        .unwrap_or_else(|| panic!("{file} has no section headed exactly {title:?}"))
}

/// Every code span (`...`) of the prose of `text`, outside fenced code blocks.
fn code_spans(text: &str) -> Vec<String> {
    prose_lines(text)
        .into_iter()
        .filter(|(_, fenced)| !fenced)
        .flat_map(|(l, _)| {
            l.split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s.to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether `name` is written in backticks in `text` as a file or a command line writes it:
/// `storage_memory`, `[cluster]`, `[[workload.rdd]]`, `"locality.ANY"`, `field N`,
/// `--events FILE`, `--set KEY=VALUE`.
fn documented(text: &str, name: &str) -> bool {
    code_spans(text).iter().any(|span| {
        let t = span.trim_matches(|c| c == '[' || c == ']' || c == '"');
        t == name
            || t.ends_with(&format!(".{name}"))
            || t.starts_with(&format!("{name} "))
            || t.starts_with(&format!("{name}="))
    })
}

fn missing_from(text: &str, names: impl IntoIterator<Item = String>) -> Vec<String> {
    names.into_iter().filter(|n| !documented(text, n)).collect()
}

// ----- introspecting serde types ----------------------------------------------------------------

/// Why the recorder could not go on.
#[derive(Debug)]
struct Stop(String);

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Stop(msg.to_string())
    }
}

/// Struct name -> the field names serde reads for it (renames applied: `fn`, `fault`).
type Fields = BTreeMap<&'static str, &'static [&'static str]>;

/// A `Deserializer` that makes up a value of any type and records, on the way, the fields of
/// every struct it is asked for. It hands each struct all its fields, goes into every `Option`
/// (`Some`) and every sequence (one element), so nested tables are reached; maps are empty.
#[derive(Clone, Copy)]
struct Recorder<'a> {
    seen: &'a RefCell<Fields>,
    depth: usize,
}

impl<'a> Recorder<'a> {
    fn deeper(self) -> Result<Self, Stop> {
        if self.depth > 32 {
            return Err(Stop("the types nest more than 32 deep".into()));
        }
        Ok(Recorder {
            seen: self.seen,
            depth: self.depth + 1,
        })
    }
}

/// A visitor's `expecting` text, to make up a value for a type that asks for "any" value.
struct Expecting<'v, 'de, V>(&'v V, PhantomData<&'de ()>);

impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, 'de, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}

struct StructFields<'a> {
    rec: Recorder<'a>,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> MapAccess<'de> for StructFields<'_> {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        match self.fields.get(self.next) {
            Some(f) => seed
                .deserialize(de::value::StrDeserializer::<Stop>::new(f))
                .map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        self.next += 1;
        seed.deserialize(self.rec.deeper()?)
    }
}

struct NoEntries;

impl<'de> MapAccess<'de> for NoEntries {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, Stop> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, Stop> {
        Err(Stop("a map with no entries has no values".into()))
    }
}

struct Elements<'a> {
    rec: Recorder<'a>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Elements<'_> {
    type Error = Stop;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Stop> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.rec.deeper()?).map(Some)
    }
}

macro_rules! number {
    ($($method:ident => $visit:ident($($v:expr)?)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
            visitor.$visit($($v)?)
        })*
    };
}

impl<'de> Deserializer<'de> for Recorder<'_> {
    type Error = Stop;

    /// Only the unit types of scenario files (`Size`, `Duration`, `Bandwidth`) ask for any
    /// value; each says what it expects with an example ("a size such as \"64 MiB\""), which
    /// is handed back to it.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        let expecting = Expecting(&visitor, PhantomData).to_string();
        match expecting.split('"').nth(1) {
            Some(example) => {
                let example = example.to_string();
                visitor.visit_str(&example)
            }
            None => Err(Stop(format!(
                "cannot make up a value for {expecting:?}: teach the recorder this type"
            ))),
        }
    }

    number!(
        deserialize_bool => visit_bool(true),
        deserialize_i8 => visit_i64(1),
        deserialize_i16 => visit_i64(1),
        deserialize_i32 => visit_i64(1),
        deserialize_i64 => visit_i64(1),
        deserialize_u8 => visit_u64(1),
        deserialize_u16 => visit_u64(1),
        deserialize_u32 => visit_u64(1),
        deserialize_u64 => visit_u64(1),
        deserialize_f32 => visit_f64(1.0),
        deserialize_f64 => visit_f64(1.0),
        deserialize_char => visit_char('x'),
        deserialize_str => visit_str("x"),
        deserialize_string => visit_str("x"),
        deserialize_identifier => visit_str("x"),
        deserialize_bytes => visit_bytes(b"x"),
        deserialize_byte_buf => visit_bytes(b"x"),
        deserialize_unit => visit_unit(),
        deserialize_ignored_any => visit_unit(),
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_some(self.deeper()?)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self.deeper()?)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_seq(Elements { rec: self, left: 1 })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_seq(Elements {
            rec: self,
            left: len,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_seq(Elements {
            rec: self,
            left: len,
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_map(NoEntries)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.seen.borrow_mut().insert(name, fields);
        visitor.visit_map(StructFields {
            rec: self,
            fields,
            next: 0,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        // A field that names one of a few words (`kind = "shuffle"`): its first word.
        use serde::de::IntoDeserializer;
        let first = variants
            .first()
            .ok_or_else(|| Stop(format!("enum {name} has no variant")))?;
        visitor.visit_enum((*first).into_deserializer())
    }
}

/// The fields of every struct `T` is made of, `T` included.
fn struct_fields<T: for<'de> Deserialize<'de>>() -> Fields {
    let seen = RefCell::new(Fields::new());
    let made = T::deserialize(Recorder {
        seen: &seen,
        depth: 0,
    });
    if let Err(e) = made {
        panic!(
            "the recorder could not walk {}: {e}",
            std::any::type_name::<T>()
        );
    }
    seen.into_inner()
}

/// The names in backticks after "expected" in a serde message: "unknown variant `x`, expected
/// one of `a`, `b`" gives a and b.
fn expected_names(message: &str) -> Vec<String> {
    let after = message.split_once("expected").map_or("", |(_, rest)| rest);
    after
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

// ----- scenario files ---------------------------------------------------------------------------

/// The section of the scenario chapter that documents each table type of `spec`.
const TABLE_SECTIONS: &[(&str, &str)] = &[
    ("ScenarioFile", "Top-level keys"),
    ("ClusterTable", "`[cluster]`"),
    ("SchedulerTable", "`[scheduler]`"),
    ("DfsTable", "`[dfs]`"),
    ("CostTable", "`[cost]`"),
    ("WorkloadTable", "`[workload]`"),
    ("DatasetTable", "`[[workload.dataset]]`"),
    ("RddTable", "`[[workload.rdd]]`"),
    ("ActionTable", "`[[workload.action]]`"),
    ("MapReduceTable", "`[mapreduce]`"),
    ("FaultTable", "`[[fault]]`"),
    ("VariantTable", "`[[variant]]`"),
    ("PaperTable", "`[paper]`"),
];

#[test]
fn every_key_the_scenario_reader_accepts_is_documented() {
    let tables = struct_fields::<ScenarioFile>();
    for (name, _) in TABLE_SECTIONS {
        assert!(
            tables.contains_key(name),
            "the recorder never reached {name}: it no longer walks every table ({:?})",
            tables.keys()
        );
    }
    let text = chapter(SCENARIO_FILES);
    let mut missing = Vec::new();
    for (table, fields) in &tables {
        let Some((_, title)) = TABLE_SECTIONS.iter().find(|(t, _)| t == table) else {
            panic!("spec has a new table type {table} (keys {fields:?}): give it a section in {SCENARIO_FILES} and a line in TABLE_SECTIONS");
        };
        let body = section(&text, title)
            .unwrap_or_else(|| panic!("{SCENARIO_FILES} has no section headed {title:?}"));
        for key in missing_from(&body, fields.iter().map(|f| f.to_string())) {
            missing.push(format!("{table}: `{key}` (under {title})"));
        }
    }
    assert!(
        missing.is_empty(),
        "keys the scenario reader accepts that {SCENARIO_FILES} does not document:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_expect_key_is_documented() {
    let body = section_or_panic(SCENARIO_FILES, "`[expect]`");
    let missing = missing_from(
        &body,
        ember::events::summary::RunSummary::expect_keys()
            .iter()
            .map(|k| k.to_string()),
    );
    assert!(
        missing.is_empty(),
        "[expect] keys not documented under `[expect]`: {missing:?}"
    );
}

/// A scenario file with `workload` as its `[workload]` table, read as the program reads it;
/// the error's text, if it is refused.
fn refusal(workload: &str) -> String {
    let text = format!("name = \"probe\"\ndescription = \"probe\"\n\n[workload]\n{workload}");
    let path = std::env::temp_dir().join(format!(
        "ember-book-reference-{}-{}.toml",
        std::process::id(),
        stable_name(workload)
    ));
    std::fs::write(&path, text).expect("write a probe scenario");
    let out = scenario::load(&path.to_string_lossy(), &Overrides::default());
    let _ = std::fs::remove_file(&path);
    match out {
        Ok(_) => panic!("the probe scenario was accepted:\n{workload}"),
        Err(e) => e.to_string(),
    }
}

fn stable_name(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

/// The list after `marker` in `message`: "the kinds are a, b, c" gives a, b, c.
fn listed_after(message: &str, marker: &str) -> Vec<String> {
    let rest = message
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in {message:?}"))
        .1;
    let rest = rest.split(['(', ';']).next().unwrap_or(rest);
    rest.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_workload_kind_operation_function_and_fault_is_documented() {
    let text = chapter(SCENARIO_FILES);
    let under = |title: &str| {
        section(&text, title).unwrap_or_else(|| panic!("{SCENARIO_FILES}: no section {title:?}"))
    };
    let mut missing = Vec::new();
    let mut check = |title: &str, what: &str, names: Vec<String>| {
        assert!(!names.is_empty(), "found no {what} to check");
        for n in missing_from(&under(title), names) {
            missing.push(format!("{what} `{n}` (under {title})"));
        }
    };

    let kinds = listed_after(&refusal("kind = \"zzz\"\n"), "the kinds are ");
    check("`[workload]`", "workload kind", kinds);

    let ops = listed_after(
        &refusal("kind = \"pipeline\"\n[[workload.rdd]]\nid = \"a\"\nop = \"zzz\"\n"),
        "the operations are ",
    );
    check("`[[workload.rdd]]`", "operation", ops);

    let source = "kind = \"pipeline\"\n[[workload.dataset]]\nname = \"d\"\ngenerator = \"range\"\n[[workload.rdd]]\nid = \"a\"\nop = \"text_file\"\ndataset = \"d\"\n";
    let actions = listed_after(
        &refusal(&format!(
            "{source}[[workload.action]]\nop = \"zzz\"\nrdd = \"a\"\n"
        )),
        "the actions are ",
    );
    check("`[[workload.action]]`", "action", actions);

    let generators = listed_after(
        &refusal("kind = \"pipeline\"\n[[workload.dataset]]\nname = \"d\"\ngenerator = \"zzz\"\n"),
        "the generators are ",
    );
    check("`[[workload.dataset]]`", "generator", generators);

    let functions = ember::workloads::pipeline::vocab::VOCABULARY
        .iter()
        .map(|(_, name, _)| name.split(' ').next().unwrap_or_default().to_string())
        .collect();
    check("Functions", "function", functions);

    check(
        "`[[fault]]`",
        "fault kind",
        ember::faults::KINDS.iter().map(|k| k.to_string()).collect(),
    );
    let trigger_error = ember::faults::Trigger::parse("zzz 1").unwrap_err();
    let triggers: Vec<String> = trigger_error
        .split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .filter_map(|(_, t)| t.split(' ').next().map(str::to_string))
        .filter(|t| t != "zzz")
        .collect();
    check("`[[fault]]`", "fault trigger", triggers);

    check(
        "Storage levels",
        "storage level",
        ember::storage::StorageLevel::names()
            .iter()
            .map(|n| n.to_string())
            .collect(),
    );
    assert!(
        missing.is_empty(),
        "values the scenario reader accepts that {SCENARIO_FILES} does not document:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_example_scenarios_in_the_book_are_valid() {
    let text = chapter(SCENARIO_FILES);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    let whole: Vec<&String> = blocks
        .iter()
        .filter(|b| b.contains("\nname = ") || b.starts_with("name = "))
        .filter(|b| b.contains("[workload]"))
        .collect();
    assert!(
        whole.len() >= 2,
        "{SCENARIO_FILES} should show at least two complete example files"
    );
    for (i, b) in whole.iter().enumerate() {
        let path = std::env::temp_dir().join(format!(
            "ember-book-example-{}-{i}.toml",
            std::process::id()
        ));
        std::fs::write(&path, b).expect("write the example");
        let read = scenario::load(&path.to_string_lossy(), &Overrides::default());
        let _ = std::fs::remove_file(&path);
        if let Err(e) = read {
            panic!("an example file of {SCENARIO_FILES} is not a valid scenario: {e}\n{b}");
        }
    }
}

// ----- the event log ----------------------------------------------------------------------------

/// Every event name, from serde's message for a name it does not know.
fn event_names() -> Vec<String> {
    let e = serde_json::from_str::<EventKind>(r#"{"event":"NoSuchEvent"}"#)
        .expect_err("NoSuchEvent is not an event");
    let names = expected_names(&e.to_string());
    assert!(
        names.len() > 10,
        "could not read the event names from serde's message: {e}"
    );
    names
}

/// The fields an event of kind `name` must have, found by asking serde: it names the first
/// missing field, which is then given a value of a type it accepts, until the event reads.
fn required_fields(name: &str) -> Vec<String> {
    let candidates = [
        serde_json::json!(0),
        serde_json::json!("x"),
        serde_json::json!(false),
        serde_json::json!([]),
        serde_json::json!({}),
    ];
    let mut obj = serde_json::Map::new();
    obj.insert("event".into(), name.into());
    let mut fields: Vec<String> = Vec::new();
    let mut tried = 0;
    for _ in 0..500 {
        let err = match serde_json::from_value::<EventKind>(serde_json::Value::Object(obj.clone()))
        {
            Ok(_) => return fields,
            Err(e) => e.to_string(),
        };
        if let Some(rest) = err.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or_default().to_string();
            fields.push(field.clone());
            tried = 0;
            obj.insert(field, candidates[0].clone());
            continue;
        }
        // Only the field just given can be at fault: the others were read last time.
        let field = fields
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {err}"));
        let value = if err.starts_with("unknown variant") {
            let first = expected_names(&err).into_iter().next();
            serde_json::Value::String(first.unwrap_or_else(|| panic!("{name}: {err}")))
        } else {
            tried += 1;
            candidates
                .get(tried)
                .cloned()
                .unwrap_or_else(|| panic!("{name}.{field}: no value of a simple type fits: {err}"))
        };
        obj.insert(field, value);
    }
    panic!("{name}: could not make up an event");
}

/// The fields each event of some real runs has (optional ones included, when written).
fn fields_in_real_logs() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // narrow-vs-wide: RDD labels; lru-eviction: evictions, recomputations, blocks_read;
    // pagerank-checkpoint: checkpoints and skipped stages.
    for name in ["narrow-vs-wide", "lru-eviction", "pagerank-checkpoint"] {
        let sc =
            scenario::load(name, &Overrides::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let report =
            scenario::run(&sc, RunOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        for e in &report.events {
            let v = serde_json::to_value(e).expect("an event serializes");
            let obj = v.as_object().expect("an event is an object");
            let kind = obj["event"]
                .as_str()
                .expect("event is a string")
                .to_string();
            out.entry(kind).or_default().extend(
                obj.keys()
                    .filter(|k| *k != "event" && *k != "time_us")
                    .cloned(),
            );
        }
    }
    out
}

#[test]
fn every_event_kind_is_listed() {
    let text = chapter(EVENT_LOG);
    let missing: Vec<String> = event_names()
        .into_iter()
        .filter(|n| section(&text, &format!("`{n}`")).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "events with no section headed `Name` in {EVENT_LOG}: {missing:?}"
    );
    let format = section(&text, "The format").expect("a section on the format");
    for field in ["event", "time_us"] {
        assert!(
            documented(&format, field),
            "the format section names `{field}`"
        );
    }
}

#[test]
fn every_field_of_every_event_is_documented() {
    let text = chapter(EVENT_LOG);
    let mut fields: BTreeMap<String, BTreeSet<String>> = event_names()
        .into_iter()
        .map(|n| {
            let f = required_fields(&n).into_iter().collect();
            (n, f)
        })
        .collect();
    for (event, seen) in fields_in_real_logs() {
        fields.entry(event).or_default().extend(seen);
    }
    let mut missing = Vec::new();
    for (event, names) in &fields {
        let Some(body) = section(&text, &format!("`{event}`")) else {
            missing.push(format!("{event}: no section"));
            continue;
        };
        for f in missing_from(&body, names.iter().cloned()) {
            missing.push(format!("{event}.{f}"));
        }
    }
    assert!(
        missing.is_empty(),
        "event fields {EVENT_LOG} does not document in the event's section:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_field_of_rdd_info_stage_info_and_task_metrics_is_documented() {
    let text = chapter(EVENT_LOG);
    let mut structs = struct_fields::<RddInfo>();
    structs.extend(struct_fields::<StageInfo>());
    structs.extend(struct_fields::<TaskMetrics>());
    // An RDD's parents are documented inside RddInfo's section.
    let titles = [
        ("RddInfo", "`RddInfo`"),
        ("ParentInfo", "`RddInfo`"),
        ("StageInfo", "`StageInfo`"),
        ("TaskMetrics", "`TaskMetrics`"),
    ];
    let mut missing = Vec::new();
    for (name, fields) in &structs {
        let Some((_, title)) = titles.iter().find(|(n, _)| n == name) else {
            panic!("{name} is now part of RddInfo, StageInfo or TaskMetrics: document it in {EVENT_LOG} and add it here");
        };
        let body = section(&text, title)
            .unwrap_or_else(|| panic!("{EVENT_LOG} has no section headed {title:?}"));
        for f in missing_from(&body, fields.iter().map(|f| f.to_string())) {
            missing.push(format!("{name}.{f} (under {title})"));
        }
    }
    assert!(
        missing.is_empty(),
        "fields {EVENT_LOG} does not document:\n{}",
        missing.join("\n")
    );
}

// ----- the command line -------------------------------------------------------------------------

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember");
    assert!(
        out.status.success(),
        "ember {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The lines of a `--help` text under the heading `title` (`Commands:`, `Options:`).
fn help_block<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| l.trim() != title)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// The long flags a `--help` text lists as options (not those its descriptions mention).
fn flags(help_text: &str) -> Vec<String> {
    help_block(help_text, "Options:")
        .into_iter()
        .filter(|l| l.trim_start().starts_with('-'))
        .filter_map(|l| {
            l.split_whitespace().find(|w| w.starts_with("--")).map(|w| {
                w.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect()
            })
        })
        .collect()
}

#[test]
fn every_subcommand_and_flag_is_documented() {
    let text = chapter(COMMAND_LINE);
    let top = help(&["--help"]);
    let commands: Vec<String> = help_block(&top, "Commands:")
        .into_iter()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(
        commands.len() >= 4,
        "could not read the commands from --help:\n{top}"
    );
    let mut missing = Vec::new();
    let everywhere = ["--help", "--version"];
    for f in flags(&top) {
        if !documented(&text, &f) {
            missing.push(format!("ember {f}"));
        }
    }
    for c in &commands {
        let title = format!("`ember {c}`");
        let Some(body) = section(&text, &title) else {
            missing.push(format!("ember {c}: no section headed {title}"));
            continue;
        };
        for f in flags(&help(&[c.as_str(), "--help"])) {
            let ok = if everywhere.contains(&f.as_str()) {
                documented(&text, &f)
            } else {
                documented(&body, &f)
            };
            if !ok {
                missing.push(format!("ember {c} {f}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "commands and flags {COMMAND_LINE} does not document (each flag in its command's section):\n{}",
        missing.join("\n")
    );
}

/// Every key of a JSON value's objects, nested ones included (`job_details[].stages[]`).
fn json_keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                json_keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_field_of_run_json_is_documented() {
    let sc = scenario::load("skipped-stages", &Overrides::default()).expect("a bundled scenario");
    let mut events = scenario::run(&sc, RunOptions::default())
        .expect("it runs")
        .events;
    // What this run does not show: an iteration, and a failure with its reason.
    for line in [
        r#"{"event":"IterationEnd","engine":"spark","iteration":1,"duration_us":5,"time_us":1}"#,
        r#"{"event":"AppEnd","result":"failed","error":"a reason","time_us":2}"#,
    ] {
        events.push(serde_json::from_str::<Event>(line).expect("a valid event"));
    }
    let summary = serde_json::to_value(RunSummary::from_events(&events)).expect("serializes");
    let mut keys = BTreeSet::new();
    json_keys(&summary, &mut keys);
    let body = section_or_panic(COMMAND_LINE, "The `--json` object");
    let missing = missing_from(&body, keys);
    assert!(
        missing.is_empty(),
        "fields of `run --json` not documented under \"The `--json` object\": {missing:?}"
    );
}

// ----- the book ---------------------------------------------------------------------------------

#[test]
fn each_reference_chapter_is_in_summary() {
    let summary = chapter("SUMMARY.md");
    let reference = section(&summary, "Reference").expect("SUMMARY.md has a # Reference part");
    for file in [COMMAND_LINE, SCENARIO_FILES, EVENT_LOG] {
        assert!(
            reference.contains(&format!("]({file})")),
            "SUMMARY.md's Reference part lists {file}"
        );
    }
}

/// mdBook's id for a heading: lower case, spaces to dashes, other punctuation dropped.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

#[test]
fn links_between_the_reference_chapters_point_at_headings_that_exist() {
    let mut broken = Vec::new();
    for file in [COMMAND_LINE, SCENARIO_FILES, EVENT_LOG] {
        let text = chapter(file);
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap_or_default();
            if target.contains("://") {
                continue;
            }
            let (page, id) = target.split_once('#').unwrap_or((target, ""));
            let page = if page.is_empty() { file } else { page };
            let Ok(linked) = std::fs::read_to_string(book_dir().join(page)) else {
                broken.push(format!("{file}: {target} (no such page)"));
                continue;
            };
            let ids: Vec<String> = prose_lines(&linked)
                .into_iter()
                .filter(|(_, fenced)| !fenced)
                .filter_map(|(l, _)| heading(l).map(|(_, t)| anchor(t)))
                .collect();
            if !id.is_empty() && !ids.iter().any(|a| a == id) {
                broken.push(format!("{file}: {target} (no such heading)"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:?}");
}

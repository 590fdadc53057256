//! `[expect]`: what a run must show, checked against its summary, and written back from an
//! observed run (`ember check --run --bless`) with the file's formatting and comments kept.

use crate::events::summary::RunSummary;
use std::collections::BTreeMap;
use toml_edit::{value, DocumentMut, Item, Table};

/// An expectation a run did not meet.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub key: String,
    pub expected: String,
    pub observed: String,
}

fn same(expected: &toml::Value, observed: &serde_json::Value) -> bool {
    match (expected, observed) {
        (toml::Value::Integer(e), serde_json::Value::Number(o)) => o.as_i64() == Some(*e),
        (toml::Value::Float(e), serde_json::Value::Number(o)) => o.as_f64() == Some(*e),
        (toml::Value::String(e), serde_json::Value::String(o)) => e == o,
        (toml::Value::Boolean(e), serde_json::Value::Bool(o)) => e == o,
        (toml::Value::Array(e), serde_json::Value::Array(o)) => {
            e.len() == o.len() && e.iter().zip(o).all(|(a, b)| same(a, b))
        }
        _ => false,
    }
}

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// The expectations `summary` does not meet.
pub fn check(summary: &RunSummary, expect: &BTreeMap<String, toml::Value>) -> Vec<Mismatch> {
    expect
        .iter()
        .filter_map(|(key, want)| {
            let got = summary.get(key);
            match &got {
                Some(g) if same(want, g) => None,
                _ => Some(Mismatch {
                    key: key.clone(),
                    expected: want.to_string(),
                    observed: got.as_ref().map_or("nothing".into(), show),
                }),
            }
        })
        .collect()
}

/// Whether the value of `key` depends on timing: on the wall clock, which task finishes first
/// decides where tasks run and so which blocks fit where, and times are real. Such keys are
/// checked on the virtual clock only.
pub fn depends_on_timing(key: &str) -> bool {
    key == "elapsed_us"
        || key.starts_with("locality.")
        || matches!(
            key,
            "blocks_stored" | "blocks_evicted" | "blocks_not_stored" | "partitions_recomputed"
        )
}

/// Whether the value of `key` depends on timing on the wall clock in a run with a fault plan
/// or speculation: everything but the jobs, the faults injected and the answer.
pub fn depends_on_a_plans_timing(key: &str) -> bool {
    !matches!(key, "jobs" | "faults_injected" | "result_digest")
}

/// The keys a bless writes when `[expect]` names none.
pub const DEFAULT_KEYS: &[&str] = &["jobs", "stages", "stages_skipped", "tasks", "result_digest"];

fn observed_item(summary: &RunSummary, key: &str) -> Option<toml_edit::Value> {
    json_to_toml(&summary.get(key)?)
}

fn json_to_toml(v: &serde_json::Value) -> Option<toml_edit::Value> {
    Some(match v {
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64()?.into(),
        },
        serde_json::Value::String(s) => s.into(),
        serde_json::Value::Bool(b) => (*b).into(),
        serde_json::Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for i in items {
                a.push(json_to_toml(i)?);
            }
            toml_edit::Value::Array(a)
        }
        _ => return None,
    })
}

/// `text` with the observed values written into `[expect]` (for `variant` = `None`) or into
/// that variant's `expect`. Keys the table already names are updated; an empty or missing
/// `[expect]` gets [`DEFAULT_KEYS`]. A variant's `expect` gets the keys it names, and every
/// key it would inherit from `[expect]` (`merged` holds both) whose observed value differs.
/// The [expect] a variant of `text` runs against: the base's, overlaid with the variant's.
fn current_merged(text: &str, variant: &str) -> Option<BTreeMap<String, toml::Value>> {
    let t: toml::Table = toml::from_str(text).ok()?;
    let mut out: BTreeMap<String, toml::Value> = t
        .get("expect")
        .and_then(|e| e.as_table())
        .map(|e| e.clone().into_iter().collect())
        .unwrap_or_default();
    let own = t
        .get("variant")?
        .as_array()?
        .iter()
        .filter_map(|v| v.as_table())
        .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(variant))?
        .get("expect")
        .and_then(|e| e.as_table())
        .cloned()
        .unwrap_or_default();
    out.extend(own);
    Some(out)
}

pub fn bless(
    text: &str,
    variant: Option<&str>,
    merged: &BTreeMap<String, toml::Value>,
    summary: &RunSummary,
) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    match variant {
        None => {
            if !doc.contains_key("expect") {
                doc.insert("expect", Item::Table(Table::new()));
            }
            let t = doc["expect"]
                .as_table_mut()
                .ok_or("[expect] is not a table")?;
            let mut keys: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
            if keys.is_empty() {
                keys = DEFAULT_KEYS.iter().map(|k| k.to_string()).collect();
            }
            for k in keys {
                if let Some(v) = observed_item(summary, &k) {
                    t[&k] = value(v);
                }
            }
        }
        Some(name) => {
            let vs = doc["variant"]
                .as_array_of_tables_mut()
                .ok_or("no [[variant]] tables")?;
            let v = vs
                .iter_mut()
                .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
                .ok_or_else(|| format!("no variant {name:?}"))?;
            // What the variant inherits is the base's [expect] as the text has it now (the
            // base may have just been blessed), under the variant's own.
            let current = current_merged(text, name).unwrap_or_else(|| merged.clone());
            let differs: Vec<String> = current
                .iter()
                .filter(|(k, want)| !summary.get(k).is_some_and(|got| same(want, &got)))
                .map(|(k, _)| k.clone())
                .collect();
            if !v.contains_key("expect") {
                v.insert("expect", value(toml_edit::InlineTable::new()));
            }
            if let Some(e) = v.get_mut("expect").and_then(|e| e.as_inline_table_mut()) {
                let mut keys: Vec<String> = e.iter().map(|(k, _)| k.to_string()).collect();
                keys.extend(differs);
                for k in keys {
                    if let Some(val) = observed_item(summary, &k) {
                        e.insert(&k, val);
                    }
                }
            } else if let Some(e) = v.get_mut("expect").and_then(|e| e.as_table_mut()) {
                let mut keys: Vec<String> = e.iter().map(|(k, _)| k.to_string()).collect();
                keys.extend(differs);
                for k in keys {
                    if let Some(val) = observed_item(summary, &k) {
                        e[&k] = value(val);
                    }
                }
            }
        }
    }
    Ok(doc.to_string())
}

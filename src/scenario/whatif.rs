//! What-if: a run's scenario with one more fault, at a moment of the run.
//!
//! A log that carries its scenario (`AppStart`'s `scenario`, the TOML as it ran) can be run
//! again with a fault added to its plan as `at = "event N"`: on the virtual clock a run is the
//! same event for event until its N-th event, so the new run shares the old one's past and
//! differs from that moment on. This module writes the new scenario (its text, to run and to
//! save as a file); running it and showing it are the UI's.

use super::{parse, Overrides, Scenario, ScenarioError, Source};

/// The fault a what-if adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIfFault {
    /// `kill_executor`, `lose_block`, ... (CONTRACTS §2).
    pub kind: &'static str,
    pub target: String,
    /// `lose_block`'s `executor`: only that copy.
    pub executor: Option<String>,
}

impl WhatIfFault {
    /// In words: `kill exec-2`, `lose rdd_3_1 on exec-0`.
    pub fn describe(&self) -> String {
        let verb = match self.kind {
            "kill_executor" => "kill",
            "lose_block" => "lose",
            other => other,
        };
        match &self.executor {
            Some(e) => format!("{verb} {} on {e}", self.target),
            None => format!("{verb} {}", self.target),
        }
    }
}

/// Why a what-if cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// The log does not say which scenario made it.
    #[error("a what-if runs the log's scenario again, and this log does not carry one (AppStart has no scenario)")]
    NoScenario,
    /// Only the virtual clock replays a run event for event.
    #[error("a what-if needs the virtual clock, where a run is the same event for event; this run was on the {0} clock")]
    Clock(String),
    /// The new scenario is not valid (its text could not be read or checked).
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The scenario text could not be read as TOML.
    #[error("the log's scenario: {0}")]
    Toml(String),
    /// What a replay of a log without its scenario cannot do.
    #[error("{0}")]
    Replay(String),
}

/// The scenario `as_ran` (TOML) with `fault` added as `at = "event {after}"`: its text and the
/// scenario, ready to run.
pub fn what_if(
    as_ran: &str,
    clock: &str,
    fault: &WhatIfFault,
    after: usize,
) -> Result<(String, Scenario), WhatIfError> {
    if clock != "virtual" {
        return Err(WhatIfError::Clock(clock.to_string()));
    }
    let mut doc: toml::Table = as_ran
        .parse()
        .map_err(|e: toml::de::Error| WhatIfError::Toml(e.message().to_string()))?;
    // Its own name, and what it is; what the run it came from expected is not its.
    let name = doc
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("run")
        .to_string();
    let description = doc
        .get("description")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    doc.insert("name".into(), format!("{name}-what-if-{after}").into());
    doc.insert(
        "description".into(),
        format!(
            "{description} (what-if: {} after event {after})",
            fault.describe()
        )
        .into(),
    );
    doc.remove("expect");
    doc.remove("variant");
    doc.remove("paper");
    let mut t = toml::Table::new();
    t.insert("at".into(), format!("event {after}").into());
    t.insert("kind".into(), fault.kind.into());
    t.insert("target".into(), fault.target.clone().into());
    if let Some(e) = &fault.executor {
        t.insert("executor".into(), e.clone().into());
    }
    let faults = doc
        .entry("fault")
        .or_insert_with(|| toml::Value::Array(Vec::new()));
    if let toml::Value::Array(a) = faults {
        a.push(toml::Value::Table(t));
    }
    let text = toml::to_string(&doc).map_err(|e| WhatIfError::Toml(e.to_string()))?;
    let source = Source {
        origin: "what-if".into(),
        bytes: text.clone().into_bytes(),
        path: None,
    };
    let sc = parse(&source, &Overrides::default())?;
    Ok((text, sc))
}

/// A what-if on a log that does not carry its scenario (Apache Spark's): its application
/// replayed ([`super::replay`]) with `fault` when its `job`-th recorded job (from 0) is
/// submitted, the moments a replay shares with its recording being its jobs. Only an
/// executor can be killed: a replay stores no blocks. `fault.target` is the executor as the
/// log names it.
pub fn replay_what_if(
    log: &std::path::Path,
    fault: &WhatIfFault,
    job: usize,
) -> Result<(String, Scenario), WhatIfError> {
    if fault.kind != "kill_executor" {
        return Err(WhatIfError::Replay(
            "a replay of this log stores no blocks: only killing an executor (x in the executors view) makes a what-if of it".into(),
        ));
    }
    let (source, app) = super::replay::source(log).map_err(WhatIfError::Replay)?;
    let i = app
        .executors
        .iter()
        .position(|e| e.id == fault.target)
        .filter(|i| *i < app.initial.max(1))
        .ok_or_else(|| {
            WhatIfError::Replay(format!(
                "executor {} was not there when the first job started, so the replay has no place for it",
                fault.target
            ))
        })?;
    // The replay's cluster numbers executors host by host, as the log's hosts first appear.
    let hosts = app.hosts();
    let host = &app.executors[i].host;
    let h = hosts.iter().position(|x| x == host).unwrap_or(0);
    let k = app.executors[..i]
        .iter()
        .filter(|e| e.host == *host)
        .count();
    let per_host = hosts
        .iter()
        .map(|x| {
            app.executors[..app.initial.max(1)]
                .iter()
                .filter(|e| e.host == *x)
                .count()
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let target = crate::membership::executor_name(h * per_host + k);
    let text = String::from_utf8_lossy(&source.bytes).into_owned();
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| WhatIfError::Toml(e.message().to_string()))?;
    let name = doc
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("replay")
        .to_string();
    doc.insert("name".into(), format!("{name}-what-if-job-{job}").into());
    let mut t = toml::Table::new();
    t.insert("at".into(), format!("job {job}").into());
    t.insert("kind".into(), "kill_executor".into());
    t.insert("target".into(), target.into());
    doc.insert(
        "fault".into(),
        toml::Value::Array(vec![toml::Value::Table(t)]),
    );
    let text = toml::to_string(&doc).map_err(|e| WhatIfError::Toml(e.to_string()))?;
    let source = Source {
        origin: "what-if".into(),
        bytes: text.clone().into_bytes(),
        path: None,
    };
    let sc = parse(&source, &Overrides::default())?;
    Ok((text, sc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_fault_at_the_event_and_refuses_the_wall_clock() {
        let sc = super::super::load("tour", &Overrides::default()).expect("tour");
        let kill = WhatIfFault {
            kind: "kill_executor",
            target: "exec-1".into(),
            executor: None,
        };
        let (text, w) = what_if(&sc.as_ran_toml(), "virtual", &kill, 40).expect("what-if");
        assert!(text.contains("at = \"event 40\""), "{text}");
        assert!(text.contains("name = \"tour-what-if-40\""), "{text}");
        assert!(!text.contains("[expect]"), "{text}");
        assert_eq!(w.faults.len(), sc.faults.len() + 1);
        assert!(matches!(
            what_if(&sc.as_ran_toml(), "wall", &kill, 40),
            Err(WhatIfError::Clock(_))
        ));
        assert_eq!(kill.describe(), "kill exec-1");
    }
}

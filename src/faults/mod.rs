//! Fault plans (CONTRACTS §2 `[[fault]]`): when a fault happens and what it does.
//!
//! This module owns the typed plan: [`Trigger`] (`time 2s`, `iteration 6`, `job 3`,
//! `stage 4`, `task 17`, `event 120`) and [`FaultKind`] with its target, parsed and checked
//! against the cluster's names, and the [`FaultInjector`] that watches a run for the
//! triggers. What a fault does to the cluster is the driver's business
//! (`cluster::faults`): there a fault is one more driver event, in order with task
//! completions on the run's clock.

mod inject;
pub use inject::{FaultInjector, FaultWatch};

use crate::storage::BlockId;
use crate::units::parse_duration;
use std::fmt;

/// When a fault happens.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// At this time on the run's clock, µs.
    Time(u64),
    /// When iteration N starts (from 1).
    Iteration(usize),
    /// When job N is submitted.
    Job(usize),
    /// When stage N is first submitted.
    Stage(usize),
    /// When task N launches.
    Task(usize),
    /// Right after the N-th event of the run's log (from 0): how a what-if made at a playback
    /// moment is saved. Virtual clock only.
    Event(usize),
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Time(us) => {
                write!(f, "time {}", crate::units::format_duration(*us as f64))
            }
            Trigger::Iteration(n) => write!(f, "iteration {n}"),
            Trigger::Job(n) => write!(f, "job {n}"),
            Trigger::Stage(n) => write!(f, "stage {n}"),
            Trigger::Task(n) => write!(f, "task {n}"),
            Trigger::Event(n) => write!(f, "event {n}"),
        }
    }
}

impl Trigger {
    /// Parses `time D`, `iteration N`, `job N`, `stage N` or `task N`.
    ///
    /// ```
    /// use ember::faults::Trigger;
    /// assert_eq!(Trigger::parse("iteration 6"), Ok(Trigger::Iteration(6)));
    /// assert_eq!(Trigger::parse("time 1.5s"), Ok(Trigger::Time(1_500_000)));
    /// assert!(Trigger::parse("when it rains").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Trigger, String> {
        let bad = || {
            format!(
                "{s:?} is not a trigger: write \"time 2s\", \"iteration N\", \"job N\", \"stage N\", \"task N\" or \"event N\""
            )
        };
        let (word, arg) = s.trim().split_once(' ').ok_or_else(bad)?;
        let arg = arg.trim();
        let n = || arg.parse::<usize>().map_err(|_| bad());
        Ok(match word {
            "time" => Trigger::Time(
                parse_duration(arg)
                    .map_err(|e| format!("{s:?}: {e}"))?
                    .round() as u64,
            ),
            "iteration" => {
                let i = n()?;
                if i == 0 {
                    return Err(format!("{s:?}: iterations count from 1"));
                }
                Trigger::Iteration(i)
            }
            "job" => Trigger::Job(n()?),
            "stage" => Trigger::Stage(n()?),
            "task" => Trigger::Task(n()?),
            "event" => Trigger::Event(n()?),
            _ => return Err(bad()),
        })
    }
}

/// What a fault does, and to what.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    KillExecutor {
        executor: usize,
    },
    HangExecutor {
        executor: usize,
    },
    KillHost {
        host: usize,
    },
    LoseBlock {
        block: BlockId,
        executor: Option<usize>,
    },
    LoseMapOutput {
        shuffle: usize,
        map: usize,
    },
    FailTask {
        stage: usize,
        partition: usize,
        times: u32,
    },
    SlowExecutor {
        executor: usize,
        factor: f64,
    },
    AddExecutor {
        host: usize,
        cores: Option<u32>,
    },
}

impl FaultKind {
    /// The kind's name, as a scenario writes it.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::KillExecutor { .. } => "kill_executor",
            FaultKind::HangExecutor { .. } => "hang_executor",
            FaultKind::KillHost { .. } => "kill_host",
            FaultKind::LoseBlock { .. } => "lose_block",
            FaultKind::LoseMapOutput { .. } => "lose_map_output",
            FaultKind::FailTask { .. } => "fail_task",
            FaultKind::SlowExecutor { .. } => "slow_executor",
            FaultKind::AddExecutor { .. } => "add_executor",
        }
    }

    /// The target, as a scenario writes it (`exec-2`, `rdd_3_1`, `shuffle 0 map 4`).
    pub fn target(&self) -> String {
        match self {
            FaultKind::KillExecutor { executor }
            | FaultKind::HangExecutor { executor }
            | FaultKind::SlowExecutor { executor, .. } => {
                crate::membership::executor_name(*executor)
            }
            FaultKind::KillHost { host } | FaultKind::AddExecutor { host, .. } => {
                crate::membership::host_name(*host)
            }
            FaultKind::LoseBlock { block, .. } => block.to_string(),
            FaultKind::LoseMapOutput { shuffle, map } => format!("shuffle {shuffle} map {map}"),
            FaultKind::FailTask {
                stage, partition, ..
            } => format!("stage {stage} partition {partition}"),
        }
    }
}

/// One fault of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub at: Trigger,
    pub kind: FaultKind,
    /// In a run of both engines, the one engine whose run it is for (`None`: each engine's).
    pub engine: Option<crate::events::Engine>,
}

/// The kind names a scenario may use.
pub const KINDS: &[&str] = &[
    "kill_executor",
    "hang_executor",
    "kill_host",
    "lose_block",
    "lose_map_output",
    "fail_task",
    "slow_executor",
    "add_executor",
];

/// The cluster's size, to check targets against.
#[derive(Clone, Copy, Debug)]
pub struct ClusterSize {
    pub executors: usize,
    pub hosts: usize,
}

/// A fault's fields as a scenario writes them.
#[derive(Clone, Debug, Default)]
pub struct FaultFields<'a> {
    pub at: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub target: Option<&'a str>,
    pub executor: Option<&'a str>,
    pub times: Option<u64>,
    pub factor: Option<f64>,
    pub cores: Option<u64>,
}

/// A problem with a fault: the field at fault and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for FaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn numbered(s: &str, prefix: &str, count: usize, what: &str) -> Result<usize, String> {
    let n: usize = s
        .strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{s:?} is not {what} name (\"{prefix}N\")"))?;
    if n >= count {
        return Err(format!(
            "there is no {s} (the cluster has {prefix}0 to {prefix}{})",
            count.saturating_sub(1)
        ));
    }
    Ok(n)
}

/// Parses and checks one fault.
pub fn parse_fault(f: &FaultFields<'_>, size: ClusterSize) -> Result<Fault, FaultError> {
    let err = |field: &'static str, message: String| FaultError { field, message };
    let at = Trigger::parse(f.at.ok_or_else(|| err("at", "a fault needs at = \"...\"".into()))?)
        .map_err(|m| err("at", m))?;
    let kind = f
        .kind
        .ok_or_else(|| err("kind", "a fault needs a kind".into()))?;
    let target = f
        .target
        .ok_or_else(|| err("target", format!("a {kind} fault needs a target")))?;
    let only = |field: &'static str, set: bool, kinds: &str| {
        if set && !kinds.split(',').any(|k| k == kind) {
            Err(err(
                field,
                format!("{field} does not apply to a {kind} fault"),
            ))
        } else {
            Ok(())
        }
    };
    only("executor", f.executor.is_some(), "lose_block")?;
    only("times", f.times.is_some(), "fail_task")?;
    only("factor", f.factor.is_some(), "slow_executor")?;
    only("cores", f.cores.is_some(), "add_executor")?;
    let exec = |s: &str| numbered(s, "exec-", size.executors, "an executor");
    let host = |s: &str| numbered(s, "host-", size.hosts, "a host");
    let kind = match kind {
        "kill_executor" => FaultKind::KillExecutor {
            executor: exec(target).map_err(|m| err("target", m))?,
        },
        "hang_executor" => FaultKind::HangExecutor {
            executor: exec(target).map_err(|m| err("target", m))?,
        },
        "kill_host" => FaultKind::KillHost {
            host: host(target).map_err(|m| err("target", m))?,
        },
        "lose_block" => {
            let block: BlockId = target
                .parse()
                .map_err(|e: crate::storage::BadBlockId| err("target", e.to_string()))?;
            if block.as_rdd().is_none() {
                return Err(err(
                    "target",
                    format!("{target:?}: lose_block names an RDD block, rdd_<rdd>_<partition>"),
                ));
            }
            FaultKind::LoseBlock {
                block,
                executor: f
                    .executor
                    .map(|e| exec(e).map_err(|m| err("executor", m)))
                    .transpose()?,
            }
        }
        "lose_map_output" => {
            let bad = || err("target", format!("{target:?} is not \"shuffle S map M\""));
            let w: Vec<&str> = target.split_whitespace().collect();
            if w.len() != 4 || w[0] != "shuffle" || w[2] != "map" {
                return Err(bad());
            }
            FaultKind::LoseMapOutput {
                shuffle: w[1].parse().map_err(|_| bad())?,
                map: w[3].parse().map_err(|_| bad())?,
            }
        }
        "fail_task" => {
            let bad = || {
                err(
                    "target",
                    format!("{target:?} is not \"stage S partition P\""),
                )
            };
            let w: Vec<&str> = target.split_whitespace().collect();
            if w.len() != 4 || w[0] != "stage" || w[2] != "partition" {
                return Err(bad());
            }
            FaultKind::FailTask {
                stage: w[1].parse().map_err(|_| bad())?,
                partition: w[3].parse().map_err(|_| bad())?,
                times: match f.times {
                    Some(0) => return Err(err("times", "must be at least 1".into())),
                    Some(t) => t.min(u32::MAX as u64) as u32,
                    None => 1,
                },
            }
        }
        "slow_executor" => FaultKind::SlowExecutor {
            executor: exec(target).map_err(|m| err("target", m))?,
            factor: match f.factor {
                Some(x) if !(x > 0.0 && x.is_finite()) => {
                    return Err(err("factor", "must be a positive number".into()))
                }
                Some(x) => x,
                None => 5.0,
            },
        },
        "add_executor" => FaultKind::AddExecutor {
            host: host(target).map_err(|m| err("target", m))?,
            cores: match f.cores {
                Some(0) => return Err(err("cores", "must be at least 1".into())),
                Some(c) => Some(c.min(1024) as u32),
                None => None,
            },
        },
        other => {
            return Err(err(
                "kind",
                format!(
                    "unknown fault kind {other:?}; the kinds are {}",
                    KINDS.join(", ")
                ),
            ))
        }
    };
    Ok(Fault {
        at,
        kind,
        engine: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: ClusterSize = ClusterSize {
        executors: 4,
        hosts: 2,
    };

    fn fields<'a>(kind: &'a str, target: &'a str) -> FaultFields<'a> {
        FaultFields {
            at: Some("job 1"),
            kind: Some(kind),
            target: Some(target),
            ..Default::default()
        }
    }

    #[test]
    fn targets_are_checked_against_the_cluster() {
        assert_eq!(
            parse_fault(&fields("kill_executor", "exec-3"), SIZE)
                .unwrap()
                .kind,
            FaultKind::KillExecutor { executor: 3 }
        );
        let e = parse_fault(&fields("kill_executor", "exec-4"), SIZE).unwrap_err();
        assert_eq!(e.field, "target");
        assert!(e.message.contains("exec-0 to exec-3"), "{e}");
        assert!(parse_fault(&fields("kill_host", "host-2"), SIZE).is_err());
        assert!(parse_fault(&fields("lose_block", "shuffle_0_1_2"), SIZE).is_err());
        assert_eq!(
            parse_fault(&fields("fail_task", "stage 2 partition 5"), SIZE)
                .unwrap()
                .kind,
            FaultKind::FailTask {
                stage: 2,
                partition: 5,
                times: 1
            }
        );
        let mut f = fields("kill_executor", "exec-1");
        f.factor = Some(2.0);
        assert_eq!(parse_fault(&f, SIZE).unwrap_err().field, "factor");
        let mut f = fields("meteor", "exec-1");
        f.at = Some("job 1");
        assert!(parse_fault(&f, SIZE)
            .unwrap_err()
            .message
            .contains("kill_executor"));
    }
}

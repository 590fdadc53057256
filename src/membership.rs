//! Cluster membership: the one registry of racks, hosts and executors that every part of the
//! driver and the executors reads, and the only place executors are named.
//!
//! Spark spreads this knowledge over `CoarseGrainedSchedulerBackend.executorDataMap` (cores,
//! liveness), `TaskSchedulerImpl`'s `hostToExecutors` and `hostsByRack` (locality), the
//! `BlockManagerMaster`'s list of block managers and the DAG scheduler's epochs. ember keeps
//! the facts in one [`Roster`] behind a shared [`Membership`] handle: the task scheduler reads
//! hosts, racks and liveness from it, storage and the transfer service read where an executor
//! lives, the events name executors through it. It owns who is in the cluster and since when;
//! it does not own an executor's free cores (the task scheduler's), its blocks (storage's) or
//! its threads (the backend's). Executors register and are lost while jobs run: the driver
//! loop changes the roster, and everything reading it sees the change at once.
//!
//! ```
//! use ember::membership::{Membership, NewExecutor};
//! let m = Membership::new();
//! let e = m.register(0, NewExecutor::new("host-0", "rack-0", 2, 1 << 20));
//! assert_eq!(e.name, "exec-0");
//! m.lose(e.id, 5_000, "killed");
//! assert!(!m.read().is_alive(e.id));
//! assert_eq!(m.name(e.id), "exec-0");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What an executor registers with: where it runs and what it brings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewExecutor {
    pub host: String,
    pub rack: String,
    pub cores: u32,
    /// Its unified (storage and execution) memory, bytes.
    pub storage_memory: u64,
    /// The name it goes by; `None`: `exec-<id>`, as a scenario's cluster names them.
    pub name: Option<String>,
}

impl NewExecutor {
    /// An executor on `host` in `rack`, named by its id.
    pub fn new(host: &str, rack: &str, cores: u32, storage_memory: u64) -> Self {
        NewExecutor {
            host: host.to_string(),
            rack: rack.to_string(),
            cores,
            storage_memory,
            name: None,
        }
    }
}

/// An executor as the cluster knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorInfo {
    /// Dense, from 0, in registration order.
    pub id: usize,
    pub name: String,
    pub host: String,
    pub rack: String,
    pub cores: u32,
    pub storage_memory: u64,
    /// When it registered, µs on the run's clock.
    pub registered_us: u64,
    /// When it was lost, and why; `None` while it is alive.
    pub lost: Option<(u64, String)>,
}

impl ExecutorInfo {
    /// Whether it is still in the cluster.
    pub fn alive(&self) -> bool {
        self.lost.is_none()
    }
}

/// The facts: every executor that ever registered, and the hosts they live on.
#[derive(Default, Debug)]
pub struct Roster {
    executors: Vec<ExecutorInfo>,
    /// Host → (its rack, the live executors on it).
    hosts: BTreeMap<String, (String, BTreeSet<usize>)>,
    /// Rack → how many live executors it has.
    racks: BTreeMap<String, usize>,
}

/// The name a scenario's cluster gives executor `id` (`exec-N`), the name of an executor the
/// roster does not know (a report naming an id that never registered) too.
pub fn executor_name(id: usize) -> String {
    format!("exec-{id}")
}

/// The name of host `h` in a scenario's cluster: `host-N` (hosts are numbered rack by rack).
pub fn host_name(h: usize) -> String {
    format!("host-{h}")
}

fn default_name(id: usize) -> String {
    executor_name(id)
}

impl Roster {
    /// Executor `id`, alive or lost.
    pub fn get(&self, id: usize) -> Option<&ExecutorInfo> {
        self.executors.get(id)
    }

    /// Executor `id`'s name (`exec-<id>` for an id that never registered).
    pub fn name(&self, id: usize) -> String {
        self.get(id)
            .map(|e| e.name.clone())
            .unwrap_or_else(|| default_name(id))
    }

    /// Executor `id`'s host, if it registered.
    pub fn host(&self, id: usize) -> Option<&str> {
        self.get(id).map(|e| e.host.as_str())
    }

    /// Executor `id`'s rack, if it registered.
    pub fn rack(&self, id: usize) -> Option<&str> {
        self.get(id).map(|e| e.rack.as_str())
    }

    /// Whether executor `id` registered and is not lost.
    pub fn is_alive(&self, id: usize) -> bool {
        self.get(id).is_some_and(ExecutorInfo::alive)
    }

    /// Whether `host` has a live executor.
    pub fn host_alive(&self, host: &str) -> bool {
        self.hosts.get(host).is_some_and(|(_, e)| !e.is_empty())
    }

    /// Whether `rack` has a live executor.
    pub fn rack_alive(&self, rack: &str) -> bool {
        self.racks.get(rack).is_some_and(|n| *n > 0)
    }

    /// The rack of `host`, if any executor ever registered on it.
    pub fn rack_of(&self, host: &str) -> Option<&str> {
        self.hosts.get(host).map(|(r, _)| r.as_str())
    }

    /// Every executor that ever registered, in id order.
    pub fn executors(&self) -> impl Iterator<Item = &ExecutorInfo> {
        self.executors.iter()
    }

    /// The live executors, in id order.
    pub fn alive(&self) -> impl Iterator<Item = &ExecutorInfo> {
        self.executors.iter().filter(|e| e.alive())
    }

    /// The live executors on `host`, in id order.
    pub fn executors_on_host(&self, host: &str) -> impl Iterator<Item = usize> + '_ {
        self.hosts
            .get(host)
            .into_iter()
            .flat_map(|(_, e)| e.iter().copied())
    }

    fn register(&mut self, at_us: u64, new: NewExecutor) -> ExecutorInfo {
        let id = self.executors.len();
        let info = ExecutorInfo {
            id,
            name: new.name.unwrap_or_else(|| default_name(id)),
            host: new.host,
            rack: new.rack,
            cores: new.cores,
            storage_memory: new.storage_memory,
            registered_us: at_us,
            lost: None,
        };
        self.hosts
            .entry(info.host.clone())
            .or_insert_with(|| (info.rack.clone(), BTreeSet::new()))
            .1
            .insert(id);
        *self.racks.entry(info.rack.clone()).or_default() += 1;
        self.executors.push(info.clone());
        info
    }

    fn lose(&mut self, id: usize, at_us: u64, reason: &str) -> Option<ExecutorInfo> {
        let e = self.executors.get_mut(id).filter(|e| e.alive())?;
        e.lost = Some((at_us, reason.to_string()));
        let e = e.clone();
        if let Some((_, on_host)) = self.hosts.get_mut(&e.host) {
            on_host.remove(&id);
        }
        if let Some(n) = self.racks.get_mut(&e.rack) {
            *n = n.saturating_sub(1);
        }
        Some(e)
    }
}

/// A shared handle on the cluster's [`Roster`]: cloning it shares the roster.
#[derive(Clone, Default, Debug)]
pub struct Membership(Arc<RwLock<Roster>>);

impl Membership {
    /// An empty cluster.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the roster (hold the guard for a whole decision, not across one).
    pub fn read(&self) -> RwLockReadGuard<'_, Roster> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Roster> {
        self.0.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers an executor at `at_us`: it gets the next id, and its name.
    pub fn register(&self, at_us: u64, new: NewExecutor) -> ExecutorInfo {
        self.write().register(at_us, new)
    }

    /// Executor `id` is lost at `at_us`, for `reason`; returns it, or `None` if it was not
    /// alive.
    pub fn lose(&self, id: usize, at_us: u64, reason: &str) -> Option<ExecutorInfo> {
        self.write().lose(id, at_us, reason)
    }

    /// Executor `id`'s name; see [`Roster::name`].
    pub fn name(&self, id: usize) -> String {
        self.read().name(id)
    }

    /// Executor `id`, alive or lost.
    pub fn get(&self, id: usize) -> Option<ExecutorInfo> {
        self.read().get(id).cloned()
    }

    /// Every executor that ever registered, in id order.
    pub fn executors(&self) -> Vec<ExecutorInfo> {
        self.read().executors().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_alive_while_any_of_its_executors_is() {
        let m = Membership::new();
        let a = m.register(0, NewExecutor::new("host-0", "rack-0", 1, 1));
        let b = m.register(0, NewExecutor::new("host-0", "rack-0", 1, 1));
        m.lose(a.id, 10, "gone");
        assert!(m.read().host_alive("host-0"));
        assert!(m.read().rack_alive("rack-0"));
        m.lose(b.id, 20, "gone");
        assert!(!m.read().host_alive("host-0"));
        assert!(!m.read().rack_alive("rack-0"));
        assert_eq!(m.read().rack_of("host-0"), Some("rack-0"));
    }

    #[test]
    fn an_executor_is_lost_once_and_keeps_its_name_and_times() {
        let m = Membership::new();
        let e = m.register(7, NewExecutor::new("h", "r", 1, 1));
        assert!(m.lose(e.id, 9, "first").is_some());
        assert!(m.lose(e.id, 11, "again").is_none());
        let e = m.get(e.id).unwrap();
        assert_eq!((e.registered_us, e.lost), (7, Some((9, "first".into()))));
        assert_eq!(m.name(e.id), "exec-0");
    }

    #[test]
    fn a_registered_name_is_kept_and_unknown_ids_get_the_default_name() {
        let m = Membership::new();
        let mut n = NewExecutor::new("h", "r", 1, 1);
        n.name = Some("driver".into());
        let e = m.register(0, n);
        assert_eq!(m.name(e.id), "driver");
        assert_eq!(m.name(42), "exec-42");
    }
}

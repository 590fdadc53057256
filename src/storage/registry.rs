//! [`BlockManagers`]: every executor's [`BlockManager`], as the cluster reaches them: a task
//! that misses a block locally fetches it from another executor that holds it, the nearest
//! first (same host, then same rack, then the rest, as Spark's `sortLocations` orders them).

use super::{BlockId, BlockManager};
use std::sync::{Arc, RwLock};

struct Entry {
    manager: Arc<BlockManager>,
    host: String,
    rack: String,
    alive: bool,
}

/// How far a remote block is from a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distance {
    SameHost,
    SameRack,
    OtherRack,
}

/// Every executor's block manager, by executor id.
#[derive(Default)]
pub struct BlockManagers {
    entries: RwLock<Vec<Option<Entry>>>,
}

impl BlockManagers {
    /// No executors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers executor `id`'s block manager.
    pub fn register(&self, id: usize, host: &str, rack: &str, manager: Arc<BlockManager>) {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if e.len() <= id {
            e.resize_with(id + 1, || None);
        }
        e[id] = Some(Entry {
            manager,
            host: host.to_string(),
            rack: rack.to_string(),
            alive: true,
        });
    }

    /// Executor `id` is gone, and its blocks with it.
    pub fn lost(&self, id: usize) {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if let Some(Some(x)) = e.get_mut(id) {
            x.alive = false;
        }
    }

    /// Executor `id`'s block manager, if it is alive.
    pub fn get(&self, id: usize) -> Option<Arc<BlockManager>> {
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        e.get(id)
            .and_then(|x| x.as_ref())
            .filter(|x| x.alive)
            .map(|x| x.manager.clone())
    }

    /// Every live block manager, in executor order.
    pub fn all(&self) -> Vec<Arc<BlockManager>> {
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        e.iter()
            .flatten()
            .filter(|x| x.alive)
            .map(|x| x.manager.clone())
            .collect()
    }

    /// The live executors other than `reader` that hold `block`, nearest first, each with its
    /// distance from `reader`.
    pub fn holders(&self, block: BlockId, reader: usize) -> Vec<(Arc<BlockManager>, Distance)> {
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let Some(Some(me)) = e.get(reader) else {
            return Vec::new();
        };
        let mut out: Vec<(usize, Distance, Arc<BlockManager>)> = e
            .iter()
            .enumerate()
            .filter_map(|(id, x)| x.as_ref().map(|x| (id, x)))
            .filter(|(id, x)| *id != reader && x.alive && x.manager.contains(&block))
            .map(|(id, x)| {
                let d = if x.host == me.host {
                    Distance::SameHost
                } else if x.rack == me.rack {
                    Distance::SameRack
                } else {
                    Distance::OtherRack
                };
                (id, d, x.manager.clone())
            })
            .collect();
        out.sort_by_key(|(id, d, _)| (*d as u8, *id));
        out.into_iter().map(|(_, d, m)| (m, d)).collect()
    }

    /// The executors a replica of a block stored on `from` may go to: other live executors,
    /// those on other hosts first (each group in id order; the caller shuffles them).
    pub fn replica_candidates(&self, from: usize) -> (Vec<usize>, Vec<usize>) {
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let host = e
            .get(from)
            .and_then(|x| x.as_ref())
            .map(|x| x.host.clone())
            .unwrap_or_default();
        let mut other_hosts = Vec::new();
        let mut same_host = Vec::new();
        for (id, x) in e.iter().enumerate() {
            if let Some(x) = x {
                if id != from && x.alive {
                    if x.host == host {
                        same_host.push(id);
                    } else {
                        other_hosts.push(id);
                    }
                }
            }
        }
        (other_hosts, same_host)
    }
}

//! [`BlockManagers`]: every executor's [`BlockManager`], as the cluster reaches them: a task
//! that misses a block locally fetches it from another executor that holds it, the nearest
//! first (same host, then same rack, then the rest, as Spark's `sortLocations` orders them).
//! Where each executor lives is the [`Membership`]'s to say; this registry holds the managers.

use super::{BlockId, BlockManager};
use crate::membership::Membership;
use std::sync::{Arc, RwLock};

struct Entry {
    manager: Arc<BlockManager>,
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
    membership: Membership,
}

impl BlockManagers {
    /// No block managers yet, for the executors of `membership`.
    pub fn new(membership: Membership) -> Self {
        BlockManagers {
            entries: RwLock::default(),
            membership,
        }
    }

    /// Registers executor `id`'s block manager.
    pub fn register(&self, id: usize, manager: Arc<BlockManager>) {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if e.len() <= id {
            e.resize_with(id + 1, || None);
        }
        e[id] = Some(Entry {
            manager,
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
        let roster = self.membership.read();
        let (Some(me), Some(_)) = (roster.get(reader), e.get(reader).and_then(|x| x.as_ref()))
        else {
            return Vec::new();
        };
        let mut out: Vec<(usize, Distance, Arc<BlockManager>)> = e
            .iter()
            .enumerate()
            .filter_map(|(id, x)| x.as_ref().map(|x| (id, x)))
            .filter(|(id, x)| *id != reader && x.alive && x.manager.contains(&block))
            .map(|(id, x)| {
                let (host, rack) = (roster.host(id), roster.rack(id));
                let d = if host == Some(me.host.as_str()) {
                    Distance::SameHost
                } else if rack == Some(me.rack.as_str()) {
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
        let roster = self.membership.read();
        let host = roster.host(from);
        let mut other_hosts = Vec::new();
        let mut same_host = Vec::new();
        for (id, x) in e.iter().enumerate() {
            if let Some(x) = x {
                if id != from && x.alive {
                    if roster.host(id) == host {
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

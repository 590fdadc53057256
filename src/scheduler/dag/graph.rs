//! The stage graph: cutting a lineage into stages in Spark's order, and where partitions are
//! (cache-aware missing parents, preferred locations). Part of the [`DagScheduler`].

use super::{ptr_eq, DagScheduler};
use crate::events::{
    DependencyKind, ParentInfo, PreferenceReason, RddInfo, StageInfo, StageKind as EventStageKind,
    SubmitReason,
};
use crate::lineage::{Dependency, RddId, RddNode, ShuffleDependency, ShuffleId};
use crate::scheduler::stage::{Stage, StageKind};
use crate::scheduler::TaskLocation;
use crate::storage::{BlockId, StorageLevel};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

impl DagScheduler {
    // ----- building the stage graph ----------------------------------------------------------

    /// Gives ids to the shuffles of a lineage in the order Spark creates its shuffle
    /// dependencies: `eagerlyComputePartitionsForRddAndAncestors` asks each RDD for its
    /// dependencies, visiting parents depth first, last dependency first.
    pub(super) fn assign_shuffle_ids(&mut self, rdd: &Arc<RddNode>) {
        spark_walk(rdd, |r, next| {
            for dep in r.dependencies().iter() {
                if let Dependency::Shuffle(s) = dep {
                    s.assign_id(&mut self.next_shuffle_id);
                }
                next.push(dep.rdd().clone());
            }
        });
    }

    /// Spark's `getShuffleDependenciesAndResourceProfiles`: the shuffle dependencies reached
    /// from `rdd` through narrow edges only, in the order a depth-first walk meets them.
    pub(super) fn direct_shuffle_deps(rdd: &Arc<RddNode>) -> Vec<Arc<ShuffleDependency>> {
        let mut parents: Vec<Arc<ShuffleDependency>> = Vec::new();
        spark_walk(rdd, |r, next| {
            for dep in r.dependencies().iter() {
                match dep {
                    Dependency::Shuffle(s) if !parents.iter().any(|p| ptr_eq(p, s)) => {
                        parents.push(s.clone())
                    }
                    Dependency::Shuffle(_) => {}
                    narrow => next.push(narrow.rdd().clone()),
                }
            }
        });
        parents
    }

    pub(super) fn shuffle_id(&mut self, dep: &ShuffleDependency) -> ShuffleId {
        dep.assign_id(&mut self.next_shuffle_id)
    }

    pub(super) fn get_or_create_parent_stages(
        &mut self,
        rdd: &Arc<RddNode>,
        job: usize,
    ) -> Vec<usize> {
        Self::direct_shuffle_deps(rdd)
            .iter()
            .map(|d| self.get_or_create_shuffle_map_stage(d, job))
            .collect()
    }

    /// Spark's `getMissingAncestorShuffleDependencies`: unregistered shuffles above `rdd`,
    /// deepest first.
    pub(super) fn missing_ancestor_shuffle_deps(
        &mut self,
        rdd: &Arc<RddNode>,
    ) -> Vec<Arc<ShuffleDependency>> {
        let mut ancestors: VecDeque<Arc<ShuffleDependency>> = VecDeque::new();
        spark_walk(rdd, |r, next| {
            for d in Self::direct_shuffle_deps(r) {
                let sid = self.shuffle_id(&d);
                if !self.shuffle_to_stage.contains_key(&sid) {
                    next.push(d.rdd.clone());
                    ancestors.push_front(d);
                }
            }
        });
        ancestors.into()
    }

    pub(super) fn get_or_create_shuffle_map_stage(
        &mut self,
        dep: &Arc<ShuffleDependency>,
        job: usize,
    ) -> usize {
        let sid = self.shuffle_id(dep);
        if let Some(s) = self.shuffle_to_stage.get(&sid) {
            return *s;
        }
        for anc in self.missing_ancestor_shuffle_deps(&dep.rdd) {
            let aid = self.shuffle_id(&anc);
            if !self.shuffle_to_stage.contains_key(&aid) {
                self.create_shuffle_map_stage(&anc, job);
            }
        }
        self.create_shuffle_map_stage(dep, job)
    }

    pub(super) fn create_shuffle_map_stage(
        &mut self,
        dep: &Arc<ShuffleDependency>,
        job: usize,
    ) -> usize {
        let sid = self.shuffle_id(dep);
        let parents = self.get_or_create_parent_stages(&dep.rdd, job);
        let id = self.next_stage_id;
        self.next_stage_id += 1;
        self.add_children(id, &parents);
        self.stages.insert(
            id,
            Stage {
                id,
                rdd: dep.rdd.clone(),
                num_tasks: dep.num_maps(),
                parents,
                first_job_id: job,
                job_ids: BTreeSet::new(),
                kind: StageKind::ShuffleMap {
                    dep: dep.clone(),
                    map_stage_jobs: Vec::new(),
                },
                next_attempt: 0,
                latest_attempt: 0,
                failed_attempt_ids: BTreeSet::new(),
                pending_partitions: BTreeSet::new(),
                next_reason: SubmitReason::New,
            },
        );
        self.shuffle_to_stage.insert(sid, id);
        self.register_job_on_stage(job, id);
        if !self.tracker.contains(sid) {
            self.tracker
                .register_shuffle(sid, dep.num_maps(), dep.num_reduces());
        }
        id
    }

    /// Spark's `updateJobIdStageIdMaps`: the job needs this stage and all its ancestors. As
    /// in Spark, a stage that already has the job is not walked again (so a stage graph with
    /// many paths to one stage is walked once).
    pub(super) fn register_job_on_stage(&mut self, job: usize, stage: usize) {
        let mut todo = vec![stage];
        while let Some(s) = todo.pop() {
            if let Some(st) = self.stages.get_mut(&s) {
                if !st.job_ids.insert(job) {
                    continue;
                }
                self.job_to_stages.entry(job).or_default().insert(s);
                todo.extend(st.parents.iter().copied());
            }
        }
    }

    /// A stage as `JobStart` lists it.
    pub fn stage_info(&self, id: usize) -> Option<StageInfo> {
        let s = self.stages.get(&id)?;
        Some(StageInfo {
            stage: id,
            kind: if s.is_shuffle_map() {
                EventStageKind::ShuffleMap
            } else {
                EventStageKind::Result
            },
            rdd: s.rdd.id(),
            rdds: stage_rdds(&s.rdd),
            parents: s.parents.clone(),
            shuffle: s.shuffle_dep().and_then(|d| d.shuffle_id()),
            tasks: s.num_tasks,
        })
    }

    // ----- cache awareness -------------------------------------------------------------------

    /// Where each partition of `rdd` is cached, memoized until the next `clear_cache_locs`;
    /// `None` for an RDD that is not persisted (nothing of it is cached).
    pub(super) fn cache_locations(&mut self, rdd: &RddNode) -> Option<&[Vec<usize>]> {
        if rdd.storage_level() == StorageLevel::NONE {
            return None;
        }
        if !self.cache_locs.contains_key(&rdd.id()) {
            let locs: Vec<Vec<usize>> = self.master.with(|m| {
                (0..rdd.num_partitions())
                    .map(|p| {
                        m.locations(BlockId::Rdd {
                            rdd: rdd.id(),
                            partition: p,
                        })
                    })
                    .collect()
            });
            self.cache_locs.insert(rdd.id(), locs);
        }
        self.cache_locs.get(&rdd.id()).map(Vec::as_slice)
    }

    /// Whether some partition of `rdd` is cached nowhere (always, for an RDD not persisted).
    fn has_uncached_partition(&mut self, rdd: &RddNode) -> bool {
        self.cache_locations(rdd)
            .is_none_or(|l| l.iter().any(Vec::is_empty))
    }

    /// Forgets memoized cache locations (Spark's `clearCacheLocs`).
    pub fn clear_cache_locs(&mut self) {
        self.cache_locs.clear();
    }

    /// Spark's `getMissingParentStages`: parent map stages whose output is not all there. An
    /// RDD whose partitions are all cached hides everything above it.
    pub(super) fn missing_parent_stages(&mut self, stage: usize) -> Vec<usize> {
        let Some(s) = self.stages.get(&stage) else {
            return Vec::new();
        };
        let (root, job) = (s.rdd.clone(), s.first_job_id);
        let mut missing = BTreeSet::new();
        let mut visited = BTreeSet::new();
        let mut waiting = vec![root];
        while let Some(r) = waiting.pop() {
            if !visited.insert(r.id()) {
                continue;
            }
            if !self.has_uncached_partition(&r) {
                continue;
            }
            for dep in r.dependencies().iter() {
                match dep {
                    Dependency::Shuffle(d) => {
                        let ms = self.get_or_create_shuffle_map_stage(d, job);
                        let sid = self.shuffle_id(d);
                        if !self.tracker.is_available(sid) {
                            missing.insert(ms);
                        }
                    }
                    narrow => waiting.push(narrow.rdd().clone()),
                }
            }
        }
        missing.into_iter().collect()
    }

    /// Where partition `p` of `rdd` would rather run, as a task computing it would be told
    /// (Spark's public `DAGScheduler.getPreferredLocs`), with why, and how many (RDD,
    /// partition) pairs the search visited: with a lineage that reaches one RDD by many paths
    /// (nested self-joins), each pair is still visited once.
    pub fn get_preferred_locs(&mut self, rdd: &Arc<RddNode>, p: usize) -> PreferredLocs {
        let mut visited = BTreeSet::new();
        let found = self.preferred_locs(rdd, p, &mut visited);
        PreferredLocs {
            locations: found.as_ref().map(|f| f.locs.clone()).unwrap_or_default(),
            why: found.as_ref().map(|f| (f.why, f.rdd)),
            visited: visited.len(),
        }
    }

    /// Spark's `getPreferredLocs`: cached copies first, then the RDD's own preferences (an
    /// input block's replica hosts, or for a `ShuffledRDD` the hosts holding at least 20% of
    /// the partition's shuffle input), then the first narrow parent that has any. Spark's
    /// recursion is a depth-first search that stops at the first answer; this is the same
    /// search over an explicit stack, so a lineage of any depth is searched. `visited` keeps
    /// each (RDD, partition) to one visit, which is what keeps nested self-unions linear.
    pub(super) fn preferred_locs(
        &mut self,
        rdd: &Arc<RddNode>,
        p: usize,
        visited: &mut BTreeSet<(RddId, usize)>,
    ) -> Option<Preferred> {
        let mut todo: Vec<(Arc<RddNode>, usize)> = vec![(rdd.clone(), p)];
        while let Some((rdd, p)) = todo.pop() {
            if !visited.insert((rdd.id(), p)) {
                continue;
            }
            let found = |locs: Vec<TaskLocation>, names: Vec<Arc<str>>, why| Preferred {
                names: if names.is_empty() {
                    locs.iter()
                        .map(|l| match l {
                            TaskLocation::Host(h) | TaskLocation::ExecutorCache { host: h, .. } => {
                                h.clone()
                            }
                        })
                        .collect()
                } else {
                    names
                },
                locs,
                why,
                rdd: rdd.id(),
            };
            let cached = self
                .cache_locations(&rdd)
                .and_then(|l| l.get(p).cloned())
                .unwrap_or_default();
            if !cached.is_empty() {
                let roster = self.membership.read();
                let (mut locs, mut names) = (Vec::new(), Vec::new());
                for e in cached {
                    if let Some(h) = roster.host(e) {
                        // Spark's `ExecutorCacheTaskLocation.toString`.
                        names.push(Arc::from(format!("executor_{h}_{}", roster.name(e))));
                        locs.push(TaskLocation::ExecutorCache {
                            host: Arc::from(h),
                            executor: e,
                        });
                    }
                }
                return Some(found(locs, names, PreferenceReason::Cached));
            }
            let own = rdd.preferred_locations(p);
            if !own.is_empty() {
                let why = if rdd.is_checkpointed() {
                    PreferenceReason::Checkpoint
                } else {
                    PreferenceReason::Input
                };
                return Some(found(own, Vec::new(), why));
            }
            if rdd.prefers_map_output_hosts() {
                let deps = rdd.dependencies();
                let first = deps.first().and_then(|d| match d {
                    Dependency::Shuffle(s) => s.shuffle_id(),
                    _ => None,
                });
                if let Some(sid) = first {
                    let hosts = self.tracker.largest_output_hosts(sid, p);
                    if !hosts.is_empty() {
                        let locs = hosts
                            .iter()
                            .map(|h| TaskLocation::Host(h.clone()))
                            .collect();
                        return Some(found(locs, Vec::new(), PreferenceReason::ShuffleOutput));
                    }
                }
            }
            // The first narrow parent is searched (all the way up) before the second.
            let first = todo.len();
            for dep in rdd.dependencies().iter().filter(|d| !d.is_shuffle()) {
                for pp in dep.narrow_parents(p) {
                    todo.push((dep.rdd().clone(), pp));
                }
            }
            todo[first..].reverse();
        }
        None
    }
}

/// The answer of [`DagScheduler::get_preferred_locs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferredLocs {
    /// Where it would rather run (empty: no preference).
    pub locations: Vec<TaskLocation>,
    /// Why, and the RDD whose partition gave the preference.
    pub why: Option<(PreferenceReason, RddId)>,
    /// How many (RDD, partition) pairs the search visited.
    pub visited: usize,
}

/// Where a task would rather run, why, and which RDD's partition said so.
pub(crate) struct Preferred {
    pub locs: Vec<TaskLocation>,
    /// The locations in Spark's string form (`TaskLocation.toString`): a host, or
    /// `executor_<host>_<executor>` for a cached copy.
    pub names: Vec<Arc<str>>,
    pub why: PreferenceReason,
    pub rdd: RddId,
}

/// Spark's traversal idiom (a `ListBuffer` used as a stack): each RDD is visited once, and what
/// a visit adds is prepended, so the last RDD added is the next visited. The order matters: it
/// decides which shuffles get the smaller ids.
fn spark_walk(root: &Arc<RddNode>, mut visit: impl FnMut(&Arc<RddNode>, &mut Vec<Arc<RddNode>>)) {
    let mut visited = BTreeSet::new();
    let mut waiting: VecDeque<Arc<RddNode>> = VecDeque::from([root.clone()]);
    let mut next = Vec::new();
    while let Some(r) = waiting.pop_front() {
        if !visited.insert(r.id()) {
            continue;
        }
        visit(&r, &mut next);
        for n in next.drain(..) {
            waiting.push_front(n);
        }
    }
}

/// The RDDs a stage pipelines: its RDD and every ancestor reached through narrow edges.
pub fn stage_rdds(rdd: &Arc<RddNode>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![rdd.clone()];
    while let Some(r) = todo.pop() {
        if seen.insert(r.id()) {
            for d in r.dependencies().iter() {
                if !d.is_shuffle() {
                    todo.push(d.rdd().clone());
                }
            }
        }
    }
    seen.into_iter().collect()
}

/// Every RDD of a lineage, by id, as `JobStart` lists them.
pub fn rdd_infos(rdd: &Arc<RddNode>) -> Vec<RddInfo> {
    let mut seen: BTreeMap<usize, RddInfo> = BTreeMap::new();
    let mut todo = vec![rdd.clone()];
    while let Some(r) = todo.pop() {
        if seen.contains_key(&r.id()) {
            continue;
        }
        let parents = r
            .dependencies()
            .iter()
            .map(|d| ParentInfo {
                rdd: d.rdd().id(),
                kind: if d.is_shuffle() {
                    DependencyKind::Shuffle
                } else {
                    DependencyKind::Narrow
                },
                shuffle: match d {
                    Dependency::Shuffle(s) => s.shuffle_id(),
                    _ => None,
                },
            })
            .collect();
        seen.insert(
            r.id(),
            RddInfo {
                rdd: r.id(),
                name: r.name().to_string(),
                op: r.op().to_string(),
                partitions: r.num_partitions(),
                storage: r.storage_level().name().to_string(),
                parents,
                label: r.label(),
            },
        );
        for d in r.dependencies().iter() {
            todo.push(d.rdd().clone());
        }
    }
    seen.into_values().collect()
}

//! [`UnifiedMemoryManager`]: how one executor's unified memory is split between storage
//! (cached blocks, unroll buffers) and execution (shuffle and aggregation buffers), as Spark's
//! `UnifiedMemoryManager` splits it (reference §3.7).
//!
//! `M` (the scenario's `storage_memory`: Spark's `spark.memory.fraction` of the heap) is shared
//! by two pools whose sizes always add up to `M`. Storage starts with `R = M × 0.5`
//! (`spark.memory.storageFraction`), execution with the rest, and each borrows the other's
//! free memory. Execution may also take back what storage borrowed, evicting cached blocks, but
//! never below `R`; storage never evicts execution memory.
//!
//! This type only counts bytes: which blocks to evict is the [`MemoryStore`]'s choice, so the
//! acquire methods take the eviction as a closure. ember's tasks reserve execution memory for
//! the shuffle data they aggregate when they are launched (see `BlockManager`); Spark's
//! per-task fairness (each of N tasks may hold at most 1/N of the pool, and waits below 1/2N)
//! is not modelled: a request is granted what is free, and a task never waits for memory.
//!
//! [`MemoryStore`]: super::memory_store::MemoryStore

/// Spark's `spark.memory.storageFraction` default.
pub const STORAGE_FRACTION: f64 = 0.5;

/// The two pools of one executor's unified memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnifiedMemoryManager {
    /// `M`: storage and execution together.
    max: u64,
    /// `R`: the storage region execution cannot evict.
    storage_region: u64,
    storage_pool: u64,
    storage_used: u64,
    execution_used: u64,
}

impl UnifiedMemoryManager {
    /// A manager of `max` bytes, storage starting at `max × STORAGE_FRACTION`.
    pub fn new(max: u64) -> Self {
        let region = (max as f64 * STORAGE_FRACTION) as u64;
        UnifiedMemoryManager {
            max,
            storage_region: region,
            storage_pool: region,
            storage_used: 0,
            execution_used: 0,
        }
    }

    /// `M`.
    pub fn max(&self) -> u64 {
        self.max
    }
    /// `R`, the storage region protected from execution.
    pub fn storage_region(&self) -> u64 {
        self.storage_region
    }
    /// Bytes of storage in use (cached blocks and unroll reservations).
    pub fn storage_used(&self) -> u64 {
        self.storage_used
    }
    /// Bytes of execution memory in use.
    pub fn execution_used(&self) -> u64 {
        self.execution_used
    }
    /// The storage pool's size now.
    pub fn storage_pool(&self) -> u64 {
        self.storage_pool
    }
    fn execution_pool(&self) -> u64 {
        self.max - self.storage_pool
    }
    /// Storage memory free in its pool.
    pub fn storage_free(&self) -> u64 {
        self.storage_pool - self.storage_used
    }
    /// The most storage could ever hold now: `M` less what execution uses.
    pub fn max_storage(&self) -> u64 {
        self.max - self.execution_used
    }

    /// Acquires `n` bytes of storage (a cached block, or a step of an unroll). Borrows free
    /// execution memory first; then `evict(shortfall)` may free cached blocks, and returns what
    /// it freed (all or nothing, by the store's rules). Succeeds iff `n` then fits.
    pub fn acquire_storage(&mut self, n: u64, evict: impl FnOnce(u64) -> u64) -> bool {
        if n > self.max_storage() {
            return false;
        }
        if n > self.storage_free() {
            let execution_free = self.execution_pool() - self.execution_used;
            let borrow = execution_free.min(n - self.storage_free());
            self.storage_pool += borrow;
        }
        if n > self.storage_free() {
            let freed = evict(n - self.storage_free());
            self.storage_used -= freed.min(self.storage_used);
        }
        if n <= self.storage_free() {
            self.storage_used += n;
            true
        } else {
            false
        }
    }

    /// Releases `n` bytes of storage (a block dropped, or an unroll's excess).
    pub fn release_storage(&mut self, n: u64) {
        self.storage_used -= n.min(self.storage_used);
    }

    /// Acquires up to `n` bytes of execution memory, reclaiming storage's free memory first and
    /// then, through `evict(amount)`, cached blocks beyond `R`. Returns the bytes granted.
    pub fn acquire_execution(&mut self, n: u64, evict: impl FnOnce(u64) -> u64) -> u64 {
        let execution_free = self.execution_pool() - self.execution_used;
        if n > execution_free {
            // What storage can give back: its free memory, or what it grew past R.
            let reclaimable = self
                .storage_free()
                .max(self.storage_pool.saturating_sub(self.storage_region));
            let want = (n - execution_free).min(reclaimable);
            // Spark's `freeSpaceToShrinkPool`: free memory first, then evictions; all that
            // eviction frees moves to execution, even past what was asked.
            let free = self.storage_free();
            let mut taken = want.min(free);
            if want > free {
                let freed = evict(want - free).min(self.storage_used);
                self.storage_used -= freed;
                taken += freed;
            }
            self.storage_pool -= taken.min(self.storage_pool);
        }
        let granted = n.min(self.execution_pool() - self.execution_used);
        self.execution_used += granted;
        granted
    }

    /// Releases `n` bytes of execution memory.
    pub fn release_execution(&mut self, n: u64) {
        self.execution_used -= n.min(self.execution_used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_borrows_free_execution_memory_and_can_fill_all_of_m() {
        let mut m = UnifiedMemoryManager::new(1000);
        assert_eq!(m.storage_pool(), 500);
        assert!(m.acquire_storage(800, |_| 0));
        assert_eq!(m.storage_pool(), 800);
        assert!(m.acquire_storage(200, |_| 0));
        assert!(
            !m.acquire_storage(1, |_| 0),
            "M is full and nothing may be evicted"
        );
    }

    #[test]
    fn a_request_larger_than_m_fails_without_evicting() {
        let mut m = UnifiedMemoryManager::new(1000);
        let mut asked = false;
        assert!(!m.acquire_storage(1001, |_| {
            asked = true;
            0
        }));
        assert!(!asked);
    }

    #[test]
    fn storage_evicts_for_the_shortfall_only() {
        let mut m = UnifiedMemoryManager::new(1000);
        assert!(m.acquire_storage(900, |_| 0));
        let mut asked = 0;
        assert!(m.acquire_storage(300, |need| {
            asked = need;
            300
        }));
        assert_eq!(asked, 200, "100 were free");
        assert_eq!(m.storage_used(), 900);
    }

    #[test]
    fn execution_evicts_storage_only_down_to_the_storage_region() {
        let mut m = UnifiedMemoryManager::new(1000);
        assert!(m.acquire_storage(900, |_| 0));
        // Storage grew to 900, 400 past R = 500: execution may take those back.
        let mut asked = 0;
        let got = m.acquire_execution(600, |need| {
            asked = need;
            need
        });
        assert_eq!(asked, 400, "down to R, no further");
        assert_eq!(got, 500, "100 were free, 400 reclaimed");
        assert_eq!(m.storage_pool(), 500);
        m.release_execution(got);
        assert_eq!(m.execution_used(), 0);
    }

    #[test]
    fn storage_never_evicts_execution_memory() {
        let mut m = UnifiedMemoryManager::new(1000);
        assert_eq!(m.acquire_execution(700, |_| 0), 700);
        assert!(!m.acquire_storage(400, |_| 0), "only 300 left");
        assert!(m.acquire_storage(300, |_| 0));
    }
}

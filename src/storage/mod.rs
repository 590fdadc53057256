//! Storage: what an RDD asks to keep, and (in the storage step) the block managers that keep it.
//!
//! For now this module owns only [`StorageLevel`], Spark's description of where and how a
//! persisted RDD's partitions are kept. `persist`/`cache` record a level in the lineage; the
//! `BlockManager`, `MemoryStore` and `DiskStore` that honour it arrive with the storage step,
//! behind the `Rdd::iterator` hook and the DAG scheduler's cache-location hook.

use std::fmt;

/// Spark's `StorageLevel`: whether a persisted RDD's blocks go to memory, to disk, or both,
/// deserialized or not, and how many replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StorageLevel {
    pub use_disk: bool,
    pub use_memory: bool,
    pub use_off_heap: bool,
    pub deserialized: bool,
    pub replication: u8,
}

impl StorageLevel {
    pub const NONE: StorageLevel = StorageLevel::new(false, false, false, false, 1);
    pub const DISK_ONLY: StorageLevel = StorageLevel::new(true, false, false, false, 1);
    pub const DISK_ONLY_2: StorageLevel = StorageLevel::new(true, false, false, false, 2);
    pub const DISK_ONLY_3: StorageLevel = StorageLevel::new(true, false, false, false, 3);
    pub const MEMORY_ONLY: StorageLevel = StorageLevel::new(false, true, false, true, 1);
    pub const MEMORY_ONLY_2: StorageLevel = StorageLevel::new(false, true, false, true, 2);
    pub const MEMORY_ONLY_SER: StorageLevel = StorageLevel::new(false, true, false, false, 1);
    pub const MEMORY_ONLY_SER_2: StorageLevel = StorageLevel::new(false, true, false, false, 2);
    pub const MEMORY_AND_DISK: StorageLevel = StorageLevel::new(true, true, false, true, 1);
    pub const MEMORY_AND_DISK_2: StorageLevel = StorageLevel::new(true, true, false, true, 2);
    pub const MEMORY_AND_DISK_SER: StorageLevel = StorageLevel::new(true, true, false, false, 1);
    pub const MEMORY_AND_DISK_SER_2: StorageLevel = StorageLevel::new(true, true, false, false, 2);
    pub const OFF_HEAP: StorageLevel = StorageLevel::new(true, true, true, false, 1);

    const NAMED: [(&'static str, StorageLevel); 13] = [
        ("NONE", Self::NONE),
        ("DISK_ONLY", Self::DISK_ONLY),
        ("DISK_ONLY_2", Self::DISK_ONLY_2),
        ("DISK_ONLY_3", Self::DISK_ONLY_3),
        ("MEMORY_ONLY", Self::MEMORY_ONLY),
        ("MEMORY_ONLY_2", Self::MEMORY_ONLY_2),
        ("MEMORY_ONLY_SER", Self::MEMORY_ONLY_SER),
        ("MEMORY_ONLY_SER_2", Self::MEMORY_ONLY_SER_2),
        ("MEMORY_AND_DISK", Self::MEMORY_AND_DISK),
        ("MEMORY_AND_DISK_2", Self::MEMORY_AND_DISK_2),
        ("MEMORY_AND_DISK_SER", Self::MEMORY_AND_DISK_SER),
        ("MEMORY_AND_DISK_SER_2", Self::MEMORY_AND_DISK_SER_2),
        ("OFF_HEAP", Self::OFF_HEAP),
    ];

    const fn new(disk: bool, memory: bool, off_heap: bool, deser: bool, replication: u8) -> Self {
        StorageLevel {
            use_disk: disk,
            use_memory: memory,
            use_off_heap: off_heap,
            deserialized: deser,
            replication,
        }
    }

    /// The level named `name` (Spark's constant names), if there is one.
    ///
    /// ```
    /// use ember::storage::StorageLevel;
    /// assert_eq!(StorageLevel::from_name("MEMORY_ONLY"), Some(StorageLevel::MEMORY_ONLY));
    /// assert_eq!(StorageLevel::from_name("memory"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<StorageLevel> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| *l)
    }

    /// Spark's constant name for the level (`CUSTOM` if it has none).
    pub fn name(&self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, l)| l == self)
            .map(|(n, _)| *n)
            .unwrap_or("CUSTOM")
    }

    /// Whether anything is kept at all.
    pub fn is_valid(&self) -> bool {
        self.use_disk || self.use_memory
    }

    /// Spark's `StorageLevel.description`, as `toDebugString` prints it.
    pub fn description(&self) -> String {
        if !self.is_valid() {
            return String::new();
        }
        let mut parts = Vec::new();
        if self.use_disk {
            parts.push("Disk");
        }
        if self.use_memory {
            parts.push(if self.use_off_heap {
                "Memory (off heap)"
            } else {
                "Memory"
            });
        }
        parts.push(if self.deserialized {
            "Deserialized"
        } else {
            "Serialized"
        });
        format!("{} {}x Replicated", parts.join(" "), self.replication)
    }
}

impl fmt::Display for StorageLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The driver's record of which executors hold which blocks (Spark's `BlockManagerMaster`).
///
/// The DAG scheduler asks it where an RDD's partitions are cached: a stage whose RDD is cached
/// everywhere does not need its parents, and a cached partition is where its task would rather
/// run. Block managers report to it as tasks complete (the storage step fills that in).
#[derive(Default, Debug)]
pub struct BlockManagerMaster {
    locations: std::collections::BTreeMap<String, std::collections::BTreeSet<usize>>,
}

impl BlockManagerMaster {
    /// An empty master.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `executor` now holds (`present`) or no longer holds `block`.
    pub fn update_block_info(&mut self, block: &str, executor: usize, present: bool) {
        if present {
            self.locations
                .entry(block.to_string())
                .or_default()
                .insert(executor);
        } else if let Some(set) = self.locations.get_mut(block) {
            set.remove(&executor);
            if set.is_empty() {
                self.locations.remove(block);
            }
        }
    }

    /// The executors holding `block`, in id order.
    pub fn locations(&self, block: &str) -> Vec<usize> {
        self.locations
            .get(block)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Forgets every block `executor` held (it is gone).
    pub fn remove_executor(&mut self, executor: usize) {
        self.locations.retain(|_, set| {
            set.remove(&executor);
            !set.is_empty()
        });
    }
}

/// Spark's name for the block holding partition `partition` of RDD `rdd`.
pub fn rdd_block_id(rdd: usize, partition: usize) -> String {
    format!("rdd_{rdd}_{partition}")
}

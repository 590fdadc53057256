//! [`StorageLevel`]: Spark's description of where and how a persisted RDD's partitions are
//! kept (memory, disk or both; deserialized or not; how many replicas).

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

    /// The level with these flags (Spark's `StorageLevel(useDisk, useMemory, useOffHeap,
    /// deserialized, replication)`).
    pub const fn from_flags(
        disk: bool,
        memory: bool,
        off_heap: bool,
        deserialized: bool,
        replication: u8,
    ) -> Self {
        Self::new(disk, memory, off_heap, deserialized, replication)
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

    /// Every level's name, as Spark spells them.
    pub fn names() -> Vec<&'static str> {
        Self::NAMED.iter().map(|(n, _)| *n).collect()
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

//! Storage: what an RDD asks to keep, and the parts that keep it.
//!
//! This module owns [`StorageLevel`], the typed [`BlockId`]s of everything a store holds, each
//! executor's [`BlockManager`] (a [`MemoryStore`](memory_store::MemoryStore) in LRU order under
//! Spark's eviction rules and a [`UnifiedMemoryManager`], in front of its [`DiskStore`]), the
//! registry that lets tasks reach other executors' blocks ([`BlockManagers`]), the driver's
//! [`BlockManagerMaster`], the size estimator ([`size`]) and the codec ([`BlockCodec`]) that let
//! persisted records be budgeted and encoded. It does not decide when anything is stored: tasks
//! read and stage, the driver applies what they staged when they complete, and the schedulers
//! ask the master where blocks are.

mod block_id;
mod block_manager;
mod codec;
mod disk_store;
mod level;
mod master;
pub mod memory_manager;
pub mod memory_store;
mod registry;
pub mod size;

pub use block_id::{BadBlockId, BlockId};
pub use block_manager::{
    BlockManager, BlockPut, BlockUpdate, BlockValue, CachedBlock, CodecRef, Found, ReadError,
    Store, StoreStatus,
};
pub use codec::{BlockCodec, CodecError, RecordBlock, RecordsCodec};
pub use disk_store::{DiskMedium, DiskStore, StagedWrite};
pub use level::StorageLevel;
pub use master::{BlockManagerMaster, MasterRef};
pub use memory_manager::UnifiedMemoryManager;
pub use registry::{BlockManagers, Distance};

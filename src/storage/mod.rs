//! Storage: what an RDD asks to keep, and the parts that keep it.
//!
//! This module owns [`StorageLevel`], the typed [`BlockId`]s of everything a store holds, the
//! [`DiskStore`] (an executor's or a DataNode's disk, on real files or in memory, written by
//! staging and committing), the size estimator ([`size`]) and the codec ([`BlockCodec`]) that
//! let persisted records be budgeted and encoded, and the driver's [`BlockManagerMaster`]. It
//! does not decide when anything is stored: tasks stage, the driver commits, the schedulers ask
//! the master. (The memory store and the block managers arrive with the storage step.)

mod block_id;
mod codec;
mod disk_store;
mod level;
mod master;
pub mod size;

pub use block_id::{BadBlockId, BlockId};
pub use codec::{BlockCodec, CodecError, RecordBlock, RecordsCodec};
pub use disk_store::{DiskMedium, DiskStore, StagedWrite};
pub use level::StorageLevel;
pub use master::BlockManagerMaster;

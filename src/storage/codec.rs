//! What a store keeps of a partition ([`RecordBlock`]) and how it is sized and encoded
//! ([`BlockCodec`]).
//!
//! Stores are untyped: they hold blocks as `Arc<dyn Any>`. `persist` captures a
//! [`RecordsCodec<T>`] for the RDD's record type (which is why `persist` asks for records that
//! serde can encode), so the memory store can budget a block's estimated size, the serialized
//! levels and the disk store can hold its bytes, and one day another process can receive them.

use super::size::sampled_size;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::Any;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

/// A partition's records as a store keeps them: shared, read in place, never copied. A block
/// may be a range of a larger vector (a parallelized collection's slice).
pub struct RecordBlock<T> {
    data: Arc<Vec<T>>,
    range: Range<usize>,
}

impl<T> RecordBlock<T> {
    /// A block of all of `records`.
    pub fn new(records: Vec<T>) -> Self {
        let n = records.len();
        RecordBlock {
            data: Arc::new(records),
            range: 0..n,
        }
    }

    /// A block of `data[range]`, sharing `data`.
    pub fn slice_of(data: Arc<Vec<T>>, range: Range<usize>) -> Self {
        let end = range.end.min(data.len());
        let start = range.start.min(end);
        RecordBlock {
            data,
            range: start..end,
        }
    }

    /// The records.
    pub fn records(&self) -> &[T] {
        &self.data[self.range.clone()]
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the block has no records.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

impl<T> Clone for RecordBlock<T> {
    fn clone(&self) -> Self {
        RecordBlock {
            data: self.data.clone(),
            range: self.range.clone(),
        }
    }
}

/// Why a block could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The block is not of the codec's record type (a bug).
    #[error("block is not of the codec's record type")]
    WrongType,
    /// serde refused.
    #[error("{0}")]
    Serde(String),
}

/// Sizes, encodes and decodes the blocks of one record type.
pub trait BlockCodec: Send + Sync {
    /// The estimated bytes the block's records take in memory, deserialized.
    fn estimate(&self, block: &(dyn Any + Send + Sync)) -> u64;
    /// The block's records, encoded (postcard).
    fn encode(&self, block: &(dyn Any + Send + Sync)) -> Result<Vec<u8>, CodecError>;
    /// Records decoded from `bytes`, as a block.
    fn decode(&self, bytes: &[u8]) -> Result<Arc<dyn Any + Send + Sync>, CodecError>;
    /// How many records the block holds.
    fn records(&self, block: &(dyn Any + Send + Sync)) -> usize;
}

/// The [`BlockCodec`] of blocks of `T`.
pub struct RecordsCodec<T>(PhantomData<fn() -> T>);

impl<T> RecordsCodec<T> {
    /// The codec of `RecordBlock<T>`.
    pub fn new() -> Self {
        RecordsCodec(PhantomData)
    }
}

impl<T> Default for RecordsCodec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> BlockCodec for RecordsCodec<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn estimate(&self, block: &(dyn Any + Send + Sync)) -> u64 {
        match block.downcast_ref::<RecordBlock<T>>() {
            Some(b) => {
                let r = b.records();
                sampled_size(r.len(), |i| &r[i])
            }
            None => 0,
        }
    }

    fn encode(&self, block: &(dyn Any + Send + Sync)) -> Result<Vec<u8>, CodecError> {
        let b = block
            .downcast_ref::<RecordBlock<T>>()
            .ok_or(CodecError::WrongType)?;
        postcard::to_stdvec(b.records()).map_err(|e| CodecError::Serde(e.to_string()))
    }

    fn decode(&self, bytes: &[u8]) -> Result<Arc<dyn Any + Send + Sync>, CodecError> {
        let v: Vec<T> =
            postcard::from_bytes(bytes).map_err(|e| CodecError::Serde(e.to_string()))?;
        Ok(Arc::new(RecordBlock::new(v)))
    }

    fn records(&self, block: &(dyn Any + Send + Sync)) -> usize {
        block
            .downcast_ref::<RecordBlock<T>>()
            .map_or(0, RecordBlock::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_encodes_and_decodes_to_the_same_records_and_is_sized_by_its_contents() {
        let codec = RecordsCodec::<(String, Vec<f64>)>::new();
        let block: Arc<dyn Any + Send + Sync> = Arc::new(RecordBlock::new(vec![
            ("a".to_string(), vec![1.0, 2.0]),
            ("bc".to_string(), vec![]),
        ]));
        let bytes = codec.encode(&*block).unwrap();
        let back = codec.decode(&bytes).unwrap();
        let back = back
            .downcast_ref::<RecordBlock<(String, Vec<f64>)>>()
            .unwrap();
        assert_eq!(back.records()[0].0, "a");
        assert_eq!(back.records()[0].1, vec![1.0, 2.0]);
        assert_eq!(codec.records(&*block), 2);
        // Two 48-byte records behind a vector header, the strings' and the vector's heap.
        let size = codec.estimate(&*block);
        assert!(size > 2 * 48 + 3 + 16, "{size}");
        assert!(
            bytes.len() < size as usize,
            "encoded is smaller than deserialized"
        );
    }

    #[test]
    fn a_slice_block_shares_its_vector() {
        let data = Arc::new((0..10u32).collect::<Vec<_>>());
        let b = RecordBlock::slice_of(data.clone(), 3..6);
        assert_eq!(b.records(), &[3, 4, 5]);
        assert_eq!(Arc::strong_count(&data), 2);
    }
}

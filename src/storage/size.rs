//! Estimating how many bytes records take in memory (Spark's `SizeEstimator`).
//!
//! Spark walks an object graph by reflection. ember walks a record through its `Serialize`
//! implementation instead: a serde [`Serializer`](serde::Serializer) that encodes nothing and
//! adds up what each value would occupy: primitives their width, and every string, sequence
//! and map a heap allocation of its contents plus [`ALLOCATION_OVERHEAD`] (the allocator's
//! header and rounding). The inline part of a record is `size_of::<T>()`, exact; the heap part
//! is estimated. Alignment padding inside heap elements is ignored, and a shared (`Arc`) value
//! counts once per holder: estimates, as Spark's are.
//!
//! Large partitions are sampled, as Spark's `SizeTracker` samples: [`sampled_size`] measures at
//! most [`SAMPLES`] records spread evenly over the partition and extrapolates. The samples are
//! chosen by position, so the estimate is deterministic.

use serde::ser::{self, Serialize};
use std::fmt;

/// Bytes the allocator adds to every heap allocation (header and rounding), as an estimate.
pub const ALLOCATION_OVERHEAD: u64 = 16;
/// Records measured per partition or chunk; the rest are extrapolated.
pub const SAMPLES: usize = 32;
/// The inline size of a `Vec`, `String` or `Box<[T]>` header.
const VEC_HEADER: u64 = 24;

/// The estimated heap bytes `value` owns (not counting its own inline size).
///
/// ```
/// use ember::storage::size::{heap_size, ALLOCATION_OVERHEAD};
/// assert_eq!(heap_size(&7u64), 0);
/// assert_eq!(heap_size(&vec![1.0f64; 10]), 80 + ALLOCATION_OVERHEAD);
/// assert_eq!(heap_size(&String::from("spark")), 5 + ALLOCATION_OVERHEAD);
/// ```
pub fn heap_size<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut s = SizeSerializer { heap: 0 };
    match value.serialize(&mut s) {
        Ok(_) => s.heap,
        Err(_) => 0,
    }
}

/// The estimated bytes `value` occupies: its inline size plus its heap.
pub fn size_of_value<T: Serialize>(value: &T) -> u64 {
    std::mem::size_of::<T>() as u64 + heap_size(value)
}

/// The estimated bytes of `len` records held in one vector, where `get(i)` is record `i`: at
/// most [`SAMPLES`] records, evenly spread, are measured and the rest extrapolated.
///
/// ```
/// use ember::storage::size::{sampled_size, ALLOCATION_OVERHEAD};
/// let v: Vec<u64> = (0..1000).collect();
/// assert_eq!(sampled_size(v.len(), |i| &v[i]), 8 * 1000 + 24 + ALLOCATION_OVERHEAD);
/// ```
pub fn sampled_size<'a, T: Serialize + 'a>(len: usize, get: impl Fn(usize) -> &'a T) -> u64 {
    if len == 0 {
        return VEC_HEADER;
    }
    let inline = std::mem::size_of::<T>() as u64 * len as u64;
    let heap = sampled_heap(len, get);
    VEC_HEADER + ALLOCATION_OVERHEAD + inline + heap
}

/// The estimated heap bytes of `len` records, sampled as [`sampled_size`] does.
pub fn sampled_heap<'a, T: Serialize + 'a>(len: usize, get: impl Fn(usize) -> &'a T) -> u64 {
    if len == 0 {
        return 0;
    }
    if len <= SAMPLES {
        return (0..len).map(|i| heap_size(get(i))).sum();
    }
    let measured: u64 = (0..SAMPLES)
        .map(|k| heap_size(get(k * len / SAMPLES)))
        .sum();
    // Scale the sample up to every record (rounded to the nearest byte).
    ((measured as u128 * len as u128 + SAMPLES as u128 / 2) / SAMPLES as u128) as u64
}

#[derive(Debug)]
struct SizeError(String);

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SizeError {}

impl ser::Error for SizeError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        SizeError(msg.to_string())
    }
}

/// Each `serialize_*` returns the inline size of the value and adds its heap to `heap`.
struct SizeSerializer {
    heap: u64,
}

impl SizeSerializer {
    fn allocation(&mut self, bytes: u64) {
        if bytes > 0 {
            self.heap += bytes + ALLOCATION_OVERHEAD;
        }
    }
}

/// Sums the inline sizes of a compound value's parts.
struct Compound<'a> {
    ser: &'a mut SizeSerializer,
    /// Inline bytes of the parts so far.
    parts: u64,
    /// What the compound itself occupies inline, beyond its parts (a tag), or, for sequences
    /// and maps, whose parts live on the heap: `None`.
    kind: CompoundKind,
    entries: u64,
}

enum CompoundKind {
    /// Parts inline, plus `tag` bytes (enum variants).
    Inline { tag: u64 },
    /// Parts on the heap behind a header (sequences).
    Seq,
    /// Entries on the heap, with per-entry bookkeeping (maps).
    Map,
}

impl<'a> Compound<'a> {
    fn new(ser: &'a mut SizeSerializer, kind: CompoundKind) -> Self {
        Compound {
            ser,
            parts: 0,
            kind,
            entries: 0,
        }
    }

    fn add<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.parts += v.serialize(&mut *self.ser)?;
        Ok(())
    }

    fn finish(self) -> Result<u64, SizeError> {
        match self.kind {
            CompoundKind::Inline { tag } => Ok(self.parts + tag),
            CompoundKind::Seq => {
                self.ser.allocation(self.parts);
                Ok(VEC_HEADER)
            }
            CompoundKind::Map => {
                // A map entry carries about two words of bookkeeping (tree links, hashes).
                self.ser.allocation(self.parts + 16 * self.entries);
                Ok(2 * VEC_HEADER)
            }
        }
    }
}

impl<'a> ser::Serializer for &'a mut SizeSerializer {
    type Ok = u64;
    type Error = SizeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, _: bool) -> Result<u64, SizeError> {
        Ok(1)
    }
    fn serialize_i8(self, _: i8) -> Result<u64, SizeError> {
        Ok(1)
    }
    fn serialize_i16(self, _: i16) -> Result<u64, SizeError> {
        Ok(2)
    }
    fn serialize_i32(self, _: i32) -> Result<u64, SizeError> {
        Ok(4)
    }
    fn serialize_i64(self, _: i64) -> Result<u64, SizeError> {
        Ok(8)
    }
    fn serialize_i128(self, _: i128) -> Result<u64, SizeError> {
        Ok(16)
    }
    fn serialize_u8(self, _: u8) -> Result<u64, SizeError> {
        Ok(1)
    }
    fn serialize_u16(self, _: u16) -> Result<u64, SizeError> {
        Ok(2)
    }
    fn serialize_u32(self, _: u32) -> Result<u64, SizeError> {
        Ok(4)
    }
    fn serialize_u64(self, _: u64) -> Result<u64, SizeError> {
        Ok(8)
    }
    fn serialize_u128(self, _: u128) -> Result<u64, SizeError> {
        Ok(16)
    }
    fn serialize_f32(self, _: f32) -> Result<u64, SizeError> {
        Ok(4)
    }
    fn serialize_f64(self, _: f64) -> Result<u64, SizeError> {
        Ok(8)
    }
    fn serialize_char(self, _: char) -> Result<u64, SizeError> {
        Ok(4)
    }
    fn serialize_str(self, v: &str) -> Result<u64, SizeError> {
        self.allocation(v.len() as u64);
        Ok(VEC_HEADER)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<u64, SizeError> {
        self.allocation(v.len() as u64);
        Ok(VEC_HEADER)
    }
    fn serialize_none(self) -> Result<u64, SizeError> {
        Ok(8)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<u64, SizeError> {
        // Options of pointers and vectors take no tag (niche); others a word, roughly.
        let inner = value.serialize(&mut *self)?;
        Ok(inner.max(8))
    }
    fn serialize_unit(self) -> Result<u64, SizeError> {
        Ok(0)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<u64, SizeError> {
        Ok(0)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<u64, SizeError> {
        Ok(1)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<u64, SizeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<u64, SizeError> {
        Ok(8 + value.serialize(self)?)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Seq))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Inline { tag: 0 }))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Inline { tag: 0 }))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Inline { tag: 8 }))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Map))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Inline { tag: 0 }))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, SizeError> {
        Ok(Compound::new(self, CompoundKind::Inline { tag: 8 }))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SizeError> {
        self.entries += 1;
        self.add(k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = u64;
    type Error = SizeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), SizeError> {
        self.add(v)
    }
    fn end(self) -> Result<u64, SizeError> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Point {
        y: f64,
        x: Vec<f64>,
    }

    #[test]
    fn a_point_is_its_struct_plus_its_features_allocation() {
        let p = Point {
            y: 1.0,
            x: vec![0.5; 10],
        };
        assert_eq!(heap_size(&p), 80 + ALLOCATION_OVERHEAD);
        assert_eq!(size_of_value(&p), 32 + 80 + ALLOCATION_OVERHEAD);
    }

    #[test]
    fn nested_vectors_count_their_headers_inside_the_outer_allocation() {
        let v: Vec<Vec<u32>> = vec![vec![1, 2], vec![3]];
        // Outer: two 24-byte headers; inner: 8 and 4 bytes; three allocations.
        assert_eq!(heap_size(&v), 48 + 8 + 4 + 3 * ALLOCATION_OVERHEAD);
    }

    #[test]
    fn a_block_of_a_thousand_points_is_about_a_thousand_times_a_point() {
        #[derive(Serialize)]
        struct Block {
            labels: Vec<f64>,
            features: Vec<f64>,
        }
        let b = Block {
            labels: vec![1.0; 1024],
            features: vec![0.0; 10 * 1024],
        };
        assert_eq!(
            size_of_value(&b),
            48 + 8 * 11 * 1024 + 2 * ALLOCATION_OVERHEAD
        );
    }

    #[test]
    fn sampling_extrapolates_from_evenly_spread_records() {
        let lines: Vec<String> = (0..1000).map(|i| "x".repeat(i % 10 + 1)).collect();
        let exact: u64 = lines.iter().map(heap_size).sum();
        let est = sampled_heap(lines.len(), |i| &lines[i]);
        let err = (est as f64 - exact as f64).abs() / exact as f64;
        assert!(err < 0.1, "estimate {est} vs exact {exact}");
        assert_eq!(
            est,
            sampled_heap(lines.len(), |i| &lines[i]),
            "deterministic"
        );
    }
}

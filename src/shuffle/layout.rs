//! The bytes of one map output: how records become a data file and an index file, and how a
//! reduce partition's segment is found again (layout in the [module docs](super)).

use serde::Serialize;

/// Builds one map output: records are encoded as they come, each remembered with its reduce
/// partition, and laid out reduce by reduce when done. Records of one reduce partition keep the
/// order they were pushed in.
#[derive(Default)]
pub struct MapOutputBuilder {
    scratch: Vec<u8>,
    /// (reduce partition, start, end) of each encoded record in `scratch`.
    rows: Vec<(u32, usize, usize)>,
}

/// A map output, encoded: what a map task stages into its disk store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOutputBytes {
    pub data: Vec<u8>,
    pub index: Vec<u8>,
    /// `(reduce, bytes)` for every non-empty block, by reduce.
    pub sizes: Vec<(u32, u64)>,
    /// Records written.
    pub records: u64,
}

impl MapOutputBuilder {
    /// An empty output.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encodes `record` for reduce partition `reduce`.
    pub fn push<R: Serialize + ?Sized>(&mut self, reduce: u32, record: &R) -> Result<(), String> {
        let start = self.scratch.len();
        let buf = std::mem::take(&mut self.scratch);
        self.scratch = postcard::to_extend(record, buf).map_err(|e| e.to_string())?;
        self.rows.push((reduce, start, self.scratch.len()));
        Ok(())
    }

    /// Lays the records out by reduce partition. Each segment is a postcard `Vec` of the
    /// partition's records (a varint count, then the records), so a reader decodes it whole.
    pub fn finish(mut self, reduces: usize) -> MapOutputBytes {
        self.rows.sort_by_key(|r| r.0);
        let records = self.rows.len() as u64;
        let mut data = Vec::with_capacity(self.scratch.len() + self.rows.len().min(64) * 2);
        let mut blocks: Vec<(u32, u64, u64)> = Vec::new();
        let mut i = 0;
        while i < self.rows.len() {
            let p = self.rows[i].0;
            let j = i + self.rows[i..].partition_point(|r| r.0 == p);
            let start = data.len() as u64;
            write_varint((j - i) as u64, &mut data);
            for &(_, s, e) in &self.rows[i..j] {
                data.extend_from_slice(&self.scratch[s..e]);
            }
            blocks.push((p, start, data.len() as u64));
            i = j;
        }
        let index = encode_index(reduces, &blocks);
        MapOutputBytes {
            data,
            index,
            sizes: blocks.iter().map(|(r, s, e)| (*r, e - s)).collect(),
            records,
        }
    }
}

/// Unsigned LEB128, postcard's encoding of a `usize` (a sequence's length).
fn write_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

const DENSE: u64 = 0;
const SPARSE: u64 = 1;

/// The index of one map output. Dense (Spark's layout: `reduces + 1` offsets) when at least a
/// quarter of the blocks are non-empty; sparse (`(reduce, start, end)` for the non-empty blocks
/// only) otherwise, so that a map task with a few records among thousands of reduce partitions
/// does not write kilobytes of zeros. The first 8 bytes say which.
pub fn encode_index(reduces: usize, blocks: &[(u32, u64, u64)]) -> Vec<u8> {
    if blocks.len() * 4 >= reduces {
        let mut offsets = vec![0u64; reduces + 1];
        let mut pos = 0;
        let mut next = blocks.iter().peekable();
        for (r, slot) in offsets.iter_mut().enumerate().take(reduces) {
            *slot = pos;
            if let Some((_, _, end)) = next.next_if(|b| b.0 as usize == r) {
                pos = *end;
            }
        }
        offsets[reduces] = pos;
        let mut out = Vec::with_capacity(8 + offsets.len() * 8);
        out.extend_from_slice(&DENSE.to_le_bytes());
        for o in offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out
    } else {
        let mut out = Vec::with_capacity(8 + blocks.len() * 20);
        out.extend_from_slice(&SPARSE.to_le_bytes());
        for (r, start, end) in blocks {
            out.extend_from_slice(&r.to_le_bytes());
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
        out
    }
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Where block `reduce` lies in the data file, from the index file's bytes (`None`: empty).
pub fn find_in_index(index: &[u8], reduce: usize) -> std::io::Result<Option<(u64, u64)>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt shuffle index");
    if index.len() < 8 {
        return Err(bad());
    }
    let body = &index[8..];
    match le_u64(index) {
        DENSE => {
            let at = reduce * 8;
            if body.len() < at + 16 {
                return Err(bad());
            }
            let (start, end) = (le_u64(&body[at..]), le_u64(&body[at + 8..]));
            Ok((end > start).then_some((start, end)))
        }
        SPARSE => {
            if body.len() % 20 != 0 {
                return Err(bad());
            }
            let entries: Vec<&[u8]> = body.chunks_exact(20).collect();
            let key = |e: &&[u8]| u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize;
            Ok(entries
                .binary_search_by_key(&reduce, key)
                .ok()
                .map(|i| (le_u64(&entries[i][4..]), le_u64(&entries[i][12..]))))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_indexes_find_the_same_blocks() {
        // 12 reduces; only blocks 1 (10 bytes) and 5 (7 bytes) are non-empty.
        let blocks = [(1u32, 0u64, 10u64), (5, 10, 17)];
        let sparse = encode_index(12, &blocks);
        assert_eq!(le_u64(&sparse), SPARSE);
        // The same output over 4 reduces is dense.
        let dense = encode_index(4, &[(1, 0, 10)]);
        assert_eq!(le_u64(&dense), DENSE);
        let offsets: Vec<u64> = dense[8..].chunks(8).map(le_u64).collect();
        assert_eq!(offsets, vec![0, 0, 10, 10, 10]);
        assert_eq!(find_in_index(&dense, 1).unwrap(), Some((0, 10)));
        assert_eq!(find_in_index(&dense, 3).unwrap(), None);
        assert_eq!(find_in_index(&sparse, 1).unwrap(), Some((0, 10)));
        assert_eq!(find_in_index(&sparse, 5).unwrap(), Some((10, 17)));
        assert_eq!(find_in_index(&sparse, 0).unwrap(), None);
        assert_eq!(find_in_index(&sparse, 11).unwrap(), None);
        assert!(find_in_index(&[1, 2], 0).is_err());
    }

    #[test]
    fn a_mostly_full_output_gets_sparks_dense_index() {
        let index = encode_index(2, &[(0, 0, 3), (1, 3, 6)]);
        assert_eq!(le_u64(&index), DENSE);
        assert_eq!(index.len(), 8 + 3 * 8);
    }

    #[test]
    fn each_segment_decodes_as_the_records_pushed_for_its_partition_in_order() {
        let mut b = MapOutputBuilder::new();
        let recs: Vec<(u32, (String, i64))> = (0..300)
            .map(|i| ((i * 7 % 5) as u32, (format!("k{i}"), i as i64)))
            .collect();
        for (p, r) in &recs {
            b.push(*p, r).unwrap();
        }
        let out = b.finish(5);
        assert_eq!(out.records, 300);
        for p in 0..5u32 {
            let (s, e) = find_in_index(&out.index, p as usize).unwrap().unwrap();
            let got: Vec<(String, i64)> =
                postcard::from_bytes(&out.data[s as usize..e as usize]).unwrap();
            let want: Vec<(String, i64)> = recs
                .iter()
                .filter(|(q, _)| *q == p)
                .map(|(_, r)| r.clone())
                .collect();
            assert_eq!(got, want, "partition {p}");
            assert_eq!(out.sizes[p as usize], (p, e - s));
        }
    }
}

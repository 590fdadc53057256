//! A property test of the memory store against a model written from the rules alone
//! (reference §3.4–3.6): random puts, reads and removes of random sizes never exceed the
//! store's memory, and every put evicts exactly the blocks the rules pick, in LRU order.

use ember::storage::memory_store::{MemoryStore, PutRequest, UNROLL_MEMORY_THRESHOLD};
use ember::storage::BlockId;
use proptest::prelude::*;

const MIB: u64 = 1 << 20;
const MEMORY: u64 = 6 * MIB;

#[derive(Clone, Debug)]
enum Op {
    Put { rdd: usize, part: usize, size: u64 },
    Get { rdd: usize, part: usize },
    Remove { rdd: usize, part: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 0..4usize, MIB..3 * MIB).prop_map(|(rdd, part, size)| Op::Put { rdd, part, size }),
        2 => (0..3usize, 0..4usize).prop_map(|(rdd, part)| Op::Get { rdd, part }),
        1 => (0..3usize, 0..4usize).prop_map(|(rdd, part)| Op::Remove { rdd, part }),
    ]
}

/// The model: blocks from least to most recently used.
#[derive(Default)]
struct Model {
    blocks: Vec<(BlockId, u64)>,
}

impl Model {
    fn used(&self) -> u64 {
        self.blocks.iter().map(|(_, s)| s).sum()
    }

    /// A put of a one-record block: the unroll reserves the first 1 MiB; after the record it
    /// re-estimates, and if the block has reached what is reserved it asks for 1.5 × its size
    /// in all; then whatever is still short of the real size. Each step that does not fit
    /// evicts the least recently used blocks of other RDDs, just enough, or nothing if they
    /// cannot make room. Returns (stored, evicted).
    fn put(&mut self, b: BlockId, size: u64) -> (bool, Vec<BlockId>) {
        if self.blocks.iter().any(|(x, _)| *x == b) {
            return (true, Vec::new());
        }
        let rdd = b.as_rdd().map(|(r, _)| r);
        let after_record = if size >= UNROLL_MEMORY_THRESHOLD {
            (size as f64 * 1.5) as u64 - UNROLL_MEMORY_THRESHOLD
        } else {
            0
        };
        let last = size.saturating_sub(UNROLL_MEMORY_THRESHOLD + after_record);
        let steps = [UNROLL_MEMORY_THRESHOLD, after_record, last];
        let mut reserved = 0;
        let mut evicted = Vec::new();
        for n in steps.into_iter().filter(|n| *n > 0) {
            if n > MEMORY {
                return (false, evicted);
            }
            let free = MEMORY - self.used() - reserved;
            if n > free {
                let need = n - free;
                let mut chosen = Vec::new();
                let mut freed = 0;
                for (x, s) in &self.blocks {
                    if freed >= need {
                        break;
                    }
                    if x.as_rdd().map(|(r, _)| r) != rdd {
                        chosen.push(*x);
                        freed += s;
                    }
                }
                if freed < need {
                    return (false, evicted);
                }
                self.blocks.retain(|(x, _)| !chosen.contains(x));
                evicted.extend(chosen);
            }
            reserved += n;
        }
        self.blocks.push((b, size));
        (true, evicted)
    }

    fn touch(&mut self, b: BlockId) {
        if let Some(i) = self.blocks.iter().position(|(x, _)| *x == b) {
            let e = self.blocks.remove(i);
            self.blocks.push(e);
        }
    }

    fn remove(&mut self, b: BlockId) {
        self.blocks.retain(|(x, _)| *x != b);
    }
}

proptest! {
    #[test]
    fn the_memory_store_evicts_as_the_rules_say_and_never_exceeds_its_memory(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let mut store: MemoryStore<()> = MemoryStore::new(MEMORY);
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Put { rdd, part, size } => {
                    let b = BlockId::Rdd { rdd, partition: part };
                    let r = store.put(
                        PutRequest { block: b, size, records: 1, serialized: false, exact: false, value: () },
                        &|_| false,
                    );
                    let (stored, evicted) = model.put(b, size);
                    prop_assert_eq!(r.stored, stored, "put {} of {}", b, size);
                    let got: Vec<BlockId> = r.evicted.iter().map(|e| e.block).collect();
                    prop_assert_eq!(got, evicted, "evicted for {}", b);
                }
                Op::Get { rdd, part } => {
                    let b = BlockId::Rdd { rdd, partition: part };
                    prop_assert_eq!(store.get(&b).is_some(), model.blocks.iter().any(|(x, _)| *x == b));
                    store.touch(&b);
                    model.touch(b);
                }
                Op::Remove { rdd, part } => {
                    let b = BlockId::Rdd { rdd, partition: part };
                    store.remove(&b);
                    model.remove(b);
                }
            }
            let lru: Vec<BlockId> = store.lru().map(|(b, _)| *b).collect();
            let expected: Vec<BlockId> = model.blocks.iter().map(|(b, _)| *b).collect();
            prop_assert_eq!(lru, expected);
            prop_assert!(store.memory().storage_used() <= MEMORY);
            prop_assert_eq!(store.memory().storage_used(), model.used());
        }
    }
}

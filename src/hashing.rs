//! Stable hashing: the same value hashes the same in every run and process.
//!
//! `std`'s hasher is keyed at random per process, so a `HashMap`'s iteration order, or a hash
//! partitioner built on it, would differ between runs of the same seed. Everything in ember
//! that hashes for a decision (which partition a key goes to, where a DFS block's replicas go)
//! uses [`stable_hash`] instead, and every `HashMap` whose order could be seen uses
//! [`StableBuildHasher`].

use std::hash::{Hash, Hasher};

/// FNV-1a over what `Hash` feeds, finished with a SplitMix64 mix: the same value gives the same
/// hash in every run and process (unlike `std`'s randomly keyed hasher).
#[derive(Clone, Copy)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A `BuildHasher` for maps whose iteration order must not depend on a random key.
pub type StableBuildHasher = std::hash::BuildHasherDefault<StableHasher>;

/// The stable hash of a value.
///
/// ```
/// assert_eq!(ember::hashing::stable_hash(&"spark"), ember::hashing::stable_hash(&"spark"));
/// ```
pub fn stable_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    h.finish()
}

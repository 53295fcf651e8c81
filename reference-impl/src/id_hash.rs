//! A fixed, fast hash for process ids, for the id-to-slot index.
//!
//! The index is only looked up, never iterated, so the hash cannot reach
//! any answer or trace. It is fixed (no random seed, so runs behave alike)
//! and cheap for the short ids registries hold: the id's bytes are taken
//! eight at a time, each word folded in by a rotate, xor and multiply, then
//! the length, and the result avalanched (MurmurHash3's `fmix64`) so that
//! ids differing in one byte land in different buckets. Every lookup and
//! registration hashes its id once.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds the id hasher (`hash_one`) for the id index.
pub(crate) type BuildIdHasher = BuildHasherDefault<IdHasher>;

/// The hash state; see the module docs.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

/// The multiplier that folds in each word (an odd constant with well-mixed bits).
const FOLD: u64 = 0x9e37_79b9_7f4a_7c15;

impl IdHasher {
    fn fold(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(FOLD);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            self.fold(u64::from_le_bytes(eight));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut eight = [0u8; 8];
            eight[..rest.len()].copy_from_slice(rest);
            self.fold(u64::from_le_bytes(eight));
        }
        // The length keeps "a" apart from "a\0" and from "a" padded to a word.
        self.fold(bytes.len() as u64);
    }

    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::hash::BuildHasher;

    fn hash(id: &str) -> u64 {
        BuildIdHasher::default().hash_one(id)
    }

    #[test]
    fn the_hash_is_fixed_and_tells_close_ids_apart() {
        assert_eq!(hash("p-000001"), hash("p-000001"), "no random seed");
        let ids = [
            "",
            "a",
            "a\0",
            "a\0\0\0\0\0\0\u{8}",
            "p-000001",
            "p-000002",
            "p-100001",
            "session/p-1",
        ];
        let hashes: BTreeSet<u64> = ids.iter().map(|id| hash(id)).collect();
        assert_eq!(hashes.len(), ids.len());
    }

    #[test]
    fn sequential_ids_spread_over_the_buckets() {
        // The index picks a bucket by the hash's low bits: 16,384 ids that
        // differ in their last digits must fill most of 16,384 buckets, as
        // a random hash would (about 63%).
        let buckets: BTreeSet<u64> = (0..16_384)
            .map(|n| hash(&format!("process-{n:06}")) & 16_383)
            .collect();
        assert!(buckets.len() > 9_800, "{} buckets used", buckets.len());
    }
}

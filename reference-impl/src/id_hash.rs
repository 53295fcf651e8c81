//! A fixed, fast hash for process ids, for the id-to-slot index.
//!
//! The index is only looked up, never iterated, so the hash cannot reach
//! any answer or trace. It is FNV-1a over the id's bytes: fixed (no random
//! seed, so runs behave alike) and cheap for the short ids registries hold.

use std::hash::{BuildHasherDefault, Hasher};

/// [`std::collections::HashMap`]'s hasher for the id index.
pub(crate) type BuildIdHasher = BuildHasherDefault<IdHasher>;

/// FNV-1a, 64 bits.
pub(crate) struct IdHasher(u64);

impl Default for IdHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(bytes: &[u8]) -> u64 {
        let mut hasher = IdHasher::default();
        hasher.write(bytes);
        hasher.finish()
    }

    #[test]
    fn matches_the_published_fnv1a_vectors() {
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}

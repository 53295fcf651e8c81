//! A tiny seeded generator (SplitMix64): the only randomness the world uses
//! besides turmoil's own, which is seeded from the same run seed.

/// SplitMix64: fast, seedable, and the same sequence on every platform.
#[derive(Debug, Clone)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one named part of the world, independent of the others.
    pub fn derive(seed: u64, part: &str) -> Self {
        Self::new(seed ^ fnv1a(part))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `low..=high` (`low` when the range is empty).
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low + 1)
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        denominator > 0 && self.next_u64() % denominator < numerator
    }

    /// An index below `len` (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        if len == 0 {
            return 0;
        }
        (self.next_u64() % len as u64) as usize
    }
}

/// FNV-1a: a stable 64-bit hash of a name, for deriving per-part seeds and scripts.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence_and_parts_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut rng = SimRng::new(7);
                move |_| rng.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut rng = SimRng::new(7);
                move |_| rng.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(
            SimRng::derive(7, "worker-0").next_u64(),
            SimRng::derive(7, "worker-1").next_u64()
        );
    }

    #[test]
    fn ranges_stay_inside_their_bounds() {
        let mut rng = SimRng::new(1);
        for _ in 0..1000 {
            let value = rng.range(3, 5);
            assert!((3..=5).contains(&value));
        }
        assert_eq!(rng.range(9, 2), 9);
        assert_eq!(rng.index(0), 0);
    }
}

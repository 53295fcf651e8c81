//! Seed ranges: which simulation seeds a run covers, and their shards.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A half-open range of seeds, `start..end`; written `start..end` in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeedRange {
    /// First seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// Parses `N` (seeds `0..N`) or `A..B` (seeds `A` to `B - 1`); an empty range is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "--seeds `{text}`: expected a count N (seeds 0..N) or a range A..B, e.g. --seeds 1000 or --seeds 5000..6000"
            )
        };
        let range = match text.split_once("..") {
            Some((start, end)) => Self {
                start: start.trim().parse().map_err(|_| bad())?,
                end: end.trim().parse().map_err(|_| bad())?,
            },
            None => Self {
                start: 0,
                end: text.trim().parse().map_err(|_| bad())?,
            },
        };
        if range.end <= range.start {
            return Err(format!(
                "--seeds `{text}` is empty: the end must be above the start"
            ));
        }
        Ok(range)
    }

    /// The single seed `seed`.
    pub fn single(seed: u64) -> Self {
        Self {
            start: seed,
            end: seed.saturating_add(1),
        }
    }

    /// Whether the range holds no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many seeds the range holds.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether `seed` is in the range.
    pub fn contains(&self, seed: u64) -> bool {
        (self.start..self.end).contains(&seed)
    }

    /// The `shard`-th (1-based) of `of` contiguous, disjoint slices; together
    /// the slices cover the range exactly once.
    pub fn shard(&self, shard: u64, of: u64) -> Self {
        let len = u128::from(self.len());
        let bound = |k: u64| self.start + ((len * u128::from(k)) / u128::from(of)) as u64;
        Self {
            start: bound(shard - 1),
            end: bound(shard),
        }
    }

    /// The seeds, in order.
    pub fn iter(&self) -> std::ops::Range<u64> {
        self.start..self.end
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl Serialize for SeedRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SeedRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.split_once("..") {
            Some(_) => Self::parse(&text).map_err(serde::de::Error::custom),
            None => Err(serde::de::Error::custom(format!(
                "`{text}` is not a seed range A..B"
            ))),
        }
    }
}

/// Parses `K/N` with `1 <= K <= N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard `{text}`: expected K/N with 1 <= K <= N, e.g. --shard 3/8");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The seeds `ranges` cover together, each counted once, as disjoint
/// ranges in ascending order.
pub fn union(ranges: &[SeedRange]) -> Vec<SeedRange> {
    let mut sorted: Vec<SeedRange> = ranges.iter().copied().filter(|r| !r.is_empty()).collect();
    sorted.sort();
    let mut merged: Vec<SeedRange> = Vec::new();
    for range in sorted {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ranges_parse() {
        assert_eq!(
            SeedRange::parse("10").expect("count"),
            SeedRange { start: 0, end: 10 }
        );
        assert_eq!(
            SeedRange::parse("5..8").expect("range"),
            SeedRange { start: 5, end: 8 }
        );
        assert!(SeedRange::parse("8..5").is_err());
        assert!(SeedRange::parse("0").is_err());
        assert!(SeedRange::parse("a..b").is_err());
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_range() {
        let range = SeedRange {
            start: 100,
            end: 1_103,
        };
        let mut covered = Vec::new();
        for k in 1..=7 {
            covered.extend(range.shard(k, 7).iter());
        }
        assert_eq!(covered, range.iter().collect::<Vec<_>>());
        assert_eq!(parse_shard("3/8").expect("shard"), (3, 8));
        assert!(parse_shard("0/8").is_err());
        assert!(parse_shard("9/8").is_err());
        assert!(parse_shard("3").is_err());
    }

    #[test]
    fn union_counts_each_seed_once() {
        let r = |start, end| SeedRange { start, end };
        assert_eq!(
            union(&[r(10, 12), r(0, 4), r(12, 14), r(2, 6), r(10, 12)]),
            vec![r(0, 6), r(10, 14)]
        );
        let text = serde_json::to_string(&r(3, 9)).expect("serialises");
        assert_eq!(text, "\"3..9\"");
        assert_eq!(
            serde_json::from_str::<SeedRange>(&text).expect("reads"),
            r(3, 9)
        );
        assert!(serde_json::from_str::<SeedRange>("\"7\"").is_err());
    }
}

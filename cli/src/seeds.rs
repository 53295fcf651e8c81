//! `--seeds N|A..B` and `--shard K/N` as flags: the library's seed ranges, with usage errors.

use crate::exit::CliError;
pub use procreg_report::SeedRange;

/// Parses `--seeds`: `N` (seeds `0..N`) or `A..B`.
pub fn parse_seeds(text: &str) -> Result<SeedRange, CliError> {
    SeedRange::parse(text).map_err(CliError::usage)
}

/// Parses `--shard K/N` with `1 <= K <= N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), CliError> {
    procreg_report::parse_shard(text).map_err(CliError::usage)
}

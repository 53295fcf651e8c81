//! Durability tiers: what a registry promises about surviving a restart (REG-15).

use serde::{Deserialize, Serialize};

/// Whether acknowledged writes survive the registry's process (REG-15).
///
/// A declared property of the wiring: lash refuses to pair a durable worker
/// with an `Inline` registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurabilityTier {
    /// State lives in memory and dies with the process.
    #[default]
    Inline,
    /// State survives restarts and crashes once acknowledged.
    Durable,
}

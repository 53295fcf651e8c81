//! Leases, lease completions and the durability tier.

use lash_core as lash;

/// A procreg lease as lash's (same fields).
pub fn lease_to_lash(lease: &procreg::ProcessLease) -> lash::ProcessLease {
    lash::ProcessLease {
        schema_version: lease.schema_version,
        process_id: lease.process_id.clone(),
        owner_id: lease.owner_id.clone(),
        lease_token: lease.lease_token.clone(),
        fencing_token: lease.fencing_token,
        claimed_at_epoch_ms: lease.claimed_at_epoch_ms,
        expires_at_epoch_ms: lease.expires_at_epoch_ms,
    }
}

/// A lash lease as procreg's.
pub fn lease_from_lash(lease: &lash::ProcessLease) -> procreg::ProcessLease {
    procreg::ProcessLease {
        schema_version: lease.schema_version,
        process_id: lease.process_id.clone(),
        owner_id: lease.owner_id.clone(),
        lease_token: lease.lease_token.clone(),
        fencing_token: lease.fencing_token,
        claimed_at_epoch_ms: lease.claimed_at_epoch_ms,
        expires_at_epoch_ms: lease.expires_at_epoch_ms,
    }
}

/// A procreg lease completion as lash's.
pub fn completion_to_lash(
    completion: &procreg::ProcessLeaseCompletion,
) -> lash::ProcessLeaseCompletion {
    lash::ProcessLeaseCompletion {
        process_id: completion.process_id.clone(),
        lease_token: completion.lease_token.clone(),
    }
}

/// A lash lease completion as procreg's.
pub fn completion_from_lash(
    completion: &lash::ProcessLeaseCompletion,
) -> procreg::ProcessLeaseCompletion {
    procreg::ProcessLeaseCompletion {
        process_id: completion.process_id.clone(),
        lease_token: completion.lease_token.clone(),
    }
}

/// A procreg durability tier as lash's.
pub fn durability_to_lash(tier: procreg::DurabilityTier) -> lash::DurabilityTier {
    match tier {
        procreg::DurabilityTier::Inline => lash::DurabilityTier::Inline,
        procreg::DurabilityTier::Durable => lash::DurabilityTier::Durable,
    }
}

/// A lash durability tier as procreg's.
pub fn durability_from_lash(tier: lash::DurabilityTier) -> procreg::DurabilityTier {
    match tier {
        lash::DurabilityTier::Inline => procreg::DurabilityTier::Inline,
        lash::DurabilityTier::Durable => procreg::DurabilityTier::Durable,
    }
}

//! The model of leases: claim, renew and release with fencing (LEASE rules).

use super::{ModelHolder, RegistryModel};
use procreg::{
    ProcessLease, ProcessLeaseCompletion, RegistryError, RegistryResult, LEASE_SCHEMA_VERSION,
};

impl RegistryModel {
    fn lease_of(process_id: &str, holder: &ModelHolder, fencing_token: u64) -> ProcessLease {
        ProcessLease {
            schema_version: LEASE_SCHEMA_VERSION,
            process_id: process_id.to_owned(),
            owner_id: holder.owner_id.clone(),
            lease_token: holder.lease_token.clone(),
            fencing_token,
            claimed_at_epoch_ms: holder.claimed_at_ms,
            expires_at_epoch_ms: holder.expires_at_ms,
        }
    }

    /// LEASE-1..LEASE-9, LEASE-21.
    pub fn claim_process_lease(
        &mut self,
        process_id: &str,
        owner_id: &str,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.now_ms;
        let token = format!("model-token-{}", self.tokens_issued + 1);
        let terminal_claims_allowed = self.terminal_claims_allowed;
        let process = self.process_mut(process_id)?; // LEASE-1
        if process.record.is_terminal() && !terminal_claims_allowed {
            return Err(RegistryError::already_terminal(process_id)); // LEASE-2
        }
        let lease = &mut process.lease;
        if let Some(holder) = &lease.holder {
            // LEASE-9: live iff expires > now; LEASE-4/LEASE-5: only another owner is fenced.
            if holder.expires_at_ms > now_ms && holder.owner_id != owner_id {
                return Err(RegistryError::lease_held(
                    process_id,
                    &holder.owner_id,
                    holder.expires_at_ms,
                ));
            }
        }
        lease.fencing_token += 1; // LEASE-3, LEASE-6, LEASE-7
        let holder = ModelHolder {
            owner_id: owner_id.to_owned(),
            lease_token: token,
            claimed_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(lease_ttl_ms),
        };
        let issued = Self::lease_of(process_id, &holder, lease.fencing_token);
        lease.holder = Some(holder);
        self.tokens_issued += 1; // LEASE-8
        Ok(issued)
    }

    /// LEASE-10..LEASE-14, LEASE-22: the current token on a live lease moves the expiry only.
    pub fn renew_process_lease(
        &mut self,
        lease: &ProcessLease,
        lease_ttl_ms: u64,
    ) -> RegistryResult<ProcessLease> {
        let now_ms = self.now_ms;
        let lost = || RegistryError::lease_lost(&lease.process_id);
        let process = self.processes.get_mut(&lease.process_id).ok_or_else(lost)?;
        let fencing_token = process.lease.fencing_token;
        match process.lease.holder.as_mut() {
            Some(holder)
                if holder.lease_token == lease.lease_token && holder.expires_at_ms > now_ms =>
            {
                holder.expires_at_ms = now_ms.saturating_add(lease_ttl_ms);
                Ok(Self::lease_of(&lease.process_id, holder, fencing_token))
            }
            _ => Err(lost()),
        }
    }

    /// LEASE-15..LEASE-19: the current token releases, keeping the fence; anything else is a no-op.
    pub fn complete_process_lease(&mut self, completion: &ProcessLeaseCompletion) {
        if let Some(process) = self.processes.get_mut(&completion.process_id) {
            let current = process
                .lease
                .holder
                .as_ref()
                .is_some_and(|holder| holder.lease_token == completion.lease_token);
            if current {
                process.lease.holder = None;
            }
        }
    }
}

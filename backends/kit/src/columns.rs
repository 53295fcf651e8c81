//! Values in SQL columns: `u64` in signed 64-bit integers, and a lease row
//! back into the contract's [`LeaseSlot`].

use procreg::{LeaseHolder, LeaseSlot};

/// A `u64` stored bit for bit in a signed 64-bit column (timestamps,
/// fencing tokens, acked sequences): `u64::MAX` round-trips exactly.
pub fn u64_to_sql(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// The inverse of [`u64_to_sql`].
pub fn u64_from_sql(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// A cursor for `sequence > cursor` comparisons: sequences are positive,
/// so a cursor past `i64::MAX` is simply past every event.
pub fn cursor_to_sql(cursor: u64) -> i64 {
    i64::try_from(cursor).unwrap_or(i64::MAX)
}

/// A sequence to store, when it fits: sequences come from `last + 1`, so
/// only a log of 2^63 events could fail here.
pub fn sequence_to_sql(sequence: u64) -> Option<i64> {
    i64::try_from(sequence).ok()
}

/// A sequence read back (positive in every well-formed row).
pub fn sequence_from_sql(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The columns of one lease row, as both backends store them: the fencing
/// token, and the holder's owner, token, claim and expiry (all null when
/// the lease is free).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// The fencing token of the last claim (kept across releases).
    pub fencing_token: i64,
    /// The holder's owner id, when held.
    pub owner_id: Option<String>,
    /// The holder's lease token, when held.
    pub lease_token: Option<String>,
    /// When the holder claimed (epoch ms, stored as [`u64_to_sql`]).
    pub claimed_at_ms: Option<i64>,
    /// When the holder's lease expires (epoch ms, stored as [`u64_to_sql`]).
    pub expires_at_ms: Option<i64>,
}

impl LeaseRow {
    /// The contract's slot for this row: held only when owner and token are both set.
    pub fn into_slot(self) -> LeaseSlot {
        let holder = match (self.owner_id, self.lease_token) {
            (Some(owner_id), Some(lease_token)) => Some(LeaseHolder {
                owner_id,
                lease_token,
                claimed_at_epoch_ms: self.claimed_at_ms.map_or(0, u64_from_sql),
                expires_at_epoch_ms: self.expires_at_ms.map_or(0, u64_from_sql),
            }),
            _ => None,
        };
        LeaseSlot {
            holder,
            fencing_token: u64_from_sql(self.fencing_token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_round_trips_through_i64() {
        for value in [0, 1, i64::MAX as u64, u64::MAX] {
            assert_eq!(u64_from_sql(u64_to_sql(value)), value);
        }
        assert_eq!(cursor_to_sql(u64::MAX), i64::MAX);
        assert_eq!(sequence_from_sql(7), 7);
        assert_eq!(sequence_to_sql(u64::MAX), None);
    }

    #[test]
    fn a_lease_row_is_held_only_with_owner_and_token() {
        let held = LeaseRow {
            fencing_token: 3,
            owner_id: Some("w".into()),
            lease_token: Some("t".into()),
            claimed_at_ms: Some(10),
            expires_at_ms: Some(u64_to_sql(u64::MAX)),
        }
        .into_slot();
        let holder = held.holder.expect("held");
        assert_eq!(
            (held.fencing_token, holder.expires_at_epoch_ms),
            (3, u64::MAX)
        );
        let free = LeaseRow {
            fencing_token: 3,
            owner_id: Some("w".into()),
            lease_token: None,
            claimed_at_ms: None,
            expires_at_ms: None,
        }
        .into_slot();
        assert_eq!((free.fencing_token, free.holder), (3, None));
    }
}

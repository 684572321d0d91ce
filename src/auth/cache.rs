//! What the authentication cache keeps of an API key, and the per-org record of committed
//! changes that withdraw keys (revocation, a disabled org), which decides whether an entry may
//! still be used.
//!
//! Invariants: an entry is filled from a database read that began after its stamp was read
//! ([`KeyChanges::now`]); the domain calls [`KeyChanges::withdraw`] after the transaction that
//! withdrew keys of an org commits. An entry of that org with an older stamp is then never a
//! hit again. Withdrawals are per org, not global, so one tenant revoking keys in a loop costs
//! other tenants nothing.
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, Utc};

use crate::domain::roles::Role;

/// What `Ctx::for_key` needs, and when the key was last recorded as used. No secret: the entry
/// is found by the key's hash and holds neither the key nor its hash.
#[derive(Debug)]
pub struct CachedKey {
    /// The key's row id (for `last_used_at` updates).
    pub key_row_id: i64,
    pub key_public_id: String,
    pub org_id: i64,
    pub org_public_id: String,
    pub role: Role,
    /// `last_used_at` as this instance last wrote or read it, in Unix seconds (`i64::MIN`:
    /// never). Atomic so that of many concurrent hits only one refreshes it.
    last_used_secs: AtomicI64,
}

impl CachedKey {
    pub fn new(
        key_row_id: i64,
        key_public_id: String,
        org_id: i64,
        org_public_id: String,
        role: Role,
        last_used_at: Option<DateTime<Utc>>,
    ) -> CachedKey {
        CachedKey {
            key_row_id,
            key_public_id,
            org_id,
            org_public_id,
            role,
            last_used_secs: AtomicI64::new(last_used_at.map_or(i64::MIN, |t| t.timestamp())),
        }
    }

    /// Claims the refresh of `last_used_at` when it is older than `interval_secs`: true for
    /// exactly one caller, which then writes `now` to the database.
    pub fn claim_touch(&self, now: DateTime<Utc>, interval_secs: i64) -> bool {
        let seen = self.last_used_secs.load(Ordering::Relaxed);
        now.timestamp().saturating_sub(seen) > interval_secs
            && self
                .last_used_secs
                .compare_exchange(seen, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// Per org, the last committed change that withdrew keys, on a clock of its own.
#[derive(Debug, Default)]
pub struct KeyChanges {
    clock: AtomicU64,
    /// Org id → the clock value of its last withdrawal (one entry per org that ever had one on
    /// this instance).
    withdrawn: RwLock<HashMap<i64, u64>>,
}

impl KeyChanges {
    /// The stamp for an entry: read it before the database read that fills the entry.
    pub fn now(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// Records that keys of `org_id` were withdrawn; call it after the change committed.
    pub fn withdraw(&self, org_id: i64) {
        // The clock moves while the map is locked, so a reader whose stamp already counts this
        // withdrawal finds it in the map.
        let mut withdrawn = self
            .withdrawn
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let at = self.clock.fetch_add(1, Ordering::SeqCst) + 1;
        withdrawn.insert(org_id, at);
    }

    /// Was no key of `org_id` withdrawn since `stamp` was read?
    pub fn unchanged_since(&self, org_id: i64, stamp: u64) -> bool {
        let withdrawn = self
            .withdrawn
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        withdrawn.get(&org_id).is_none_or(|&at| at <= stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withdrawal_outdates_earlier_stamps_of_its_org_only() {
        let changes = KeyChanges::default();
        let before = changes.now();
        assert!(changes.unchanged_since(1, before));
        changes.withdraw(1);
        assert!(!changes.unchanged_since(1, before), "filled before: stale");
        assert!(changes.unchanged_since(2, before), "other orgs unaffected");
        assert!(
            changes.unchanged_since(1, changes.now()),
            "filled after: fresh"
        );
    }

    #[test]
    fn only_one_caller_claims_a_due_touch() {
        let now = Utc::now();
        let key = CachedKey::new(1, "key_a".into(), 1, "org_a".into(), Role::Owner, None);
        assert!(key.claim_touch(now, 60));
        assert!(!key.claim_touch(now, 60), "just touched");
        let recent = CachedKey::new(1, "key_a".into(), 1, "org_a".into(), Role::Owner, Some(now));
        assert!(!recent.claim_touch(now + chrono::Duration::seconds(60), 60));
        assert!(recent.claim_touch(now + chrono::Duration::seconds(61), 60));
    }
}

//! In-memory caches of this instance's hot reads (moka): API keys by hash (authentication), code
//! lookups per org and code, share links (`/r/{code}`) per code, and the rules a program fires
//! (`domain::rewards::Plan`, read by every new referral).
//!
//! Invariants:
//! - Bounded (`max_entries` each) and short-lived (`ttl_secs`, at most 30 s; `0` turns every
//!   cache off). They hold successes only (an attacker cannot fill them with misses) and never a
//!   secret (API keys are cached under their SHA-256, never as plaintext).
//! - Every entry carries a stamp read *before* the database read that filled it. A hit counts
//!   only if the stamp still vouches for it; otherwise it is a miss and the caller reads the
//!   database. Reading the stamp first makes a fill racing with a change safe: the fill keeps
//!   the older stamp and is never a hit after the change. Keys are stamped by
//!   [`crate::auth::cache::KeyChanges`] (only withdrawals outdate them, so an org's everyday
//!   writes cost its keys nothing); code lookups and share links by their org's generation
//!   (`Db::generation`), which any committed write of the org moves: a change to the code, its
//!   member, its program or the org outdates them. Plans by their org's configuration
//!   generation (`Db::config_generation`), which only a committed change to a program, rule,
//!   condition or script moves, so the org's referrals and rewards do not outdate them.
//! - Eviction is per instance. Another instance learns of a change only when its entry expires,
//!   so across instances a change takes effect within `ttl_secs`.
//!
//! Hits and misses are counted at `/metrics` (`vouch_cache_hits_total` and
//! `vouch_cache_misses_total`, label `cache`).
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::cache::{CachedKey, KeyChanges};
use crate::domain::access::ShareLink;
use crate::domain::referral_codes::CodeRecord;
use crate::domain::rewards::Plan;
use crate::web::metrics::{CACHE_HITS, CACHE_MISSES};

/// The longest entries may live: the bound, across instances, on how long a revoked key or a
/// changed code can still be served.
pub const MAX_TTL_SECS: u64 = 30;

/// `VOUCH_CACHE__TTL_SECS` and `VOUCH_CACHE__MAX_ENTRIES`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct CacheConfig {
    /// How long an entry may be served, 0–30 seconds; `0` turns the caches off.
    #[serde(deserialize_with = "at_most_max_ttl")]
    pub ttl_secs: u64,
    /// Entries each cache holds at most (least recently used go first).
    pub max_entries: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            ttl_secs: MAX_TTL_SECS,
            max_entries: 50_000,
        }
    }
}

fn at_most_max_ttl<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let secs = u64::deserialize(d)?;
    if secs > MAX_TTL_SECS {
        return Err(serde::de::Error::custom(format!(
            "cache ttl_secs must be 0-{MAX_TTL_SECS}, got {secs}"
        )));
    }
    Ok(secs)
}

/// The caches of one running app, reached through `Db::caches` (the domain gets a `&Db`).
pub struct Caches {
    /// API keys by the SHA-256 of the key (`crate::auth`).
    pub keys: Stamped<String, Arc<CachedKey>>,
    /// Which orgs had keys withdrawn, and when: the stamps of `keys`.
    pub key_changes: KeyChanges,
    /// `GET …/referral-code-records/lookup` per (org id, normalised code); stamped with the
    /// org's generation.
    pub code_lookups: Stamped<(i64, String), CodeRecord>,
    /// Live share links per normalised code; stamped with their org's generation.
    pub share_links: Stamped<String, ShareLink>,
    /// The rules a program fires on a set of triggers, per (org id, program id, trigger mask);
    /// stamped with the org's configuration generation (`Db::config_generation`).
    pub plans: Stamped<(i64, i64, u8), Arc<Plan>>,
}

impl Caches {
    pub fn new(config: &CacheConfig) -> Caches {
        Caches {
            keys: Stamped::new("auth", config),
            key_changes: KeyChanges::default(),
            code_lookups: Stamped::new("code_lookup", config),
            share_links: Stamped::new("share_link", config),
            plans: Stamped::new("rule_plan", config),
        }
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("keys", &self.keys.entries.as_ref().map(Cache::entry_count))
            .field(
                "code_lookups",
                &self.code_lookups.entries.as_ref().map(Cache::entry_count),
            )
            .field(
                "share_links",
                &self.share_links.entries.as_ref().map(Cache::entry_count),
            )
            .field(
                "plans",
                &self.plans.entries.as_ref().map(Cache::entry_count),
            )
            .finish_non_exhaustive()
    }
}

/// A bounded, expiring cache whose entries carry the stamp they were filled under.
pub struct Stamped<K, V> {
    /// The `cache` label at `/metrics`.
    label: &'static str,
    /// `None` when caching is off (`ttl_secs = 0`).
    entries: Option<Cache<K, (u64, V)>>,
}

impl<K, V> Stamped<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(label: &'static str, config: &CacheConfig) -> Self {
        let entries = (config.ttl_secs > 0).then(|| {
            Cache::builder()
                .max_capacity(config.max_entries)
                .time_to_live(Duration::from_secs(config.ttl_secs.min(MAX_TTL_SECS)))
                .build()
        });
        Stamped { label, entries }
    }

    /// The value cached under `key` if `fresh(value, stamp)` accepts it; counts a hit or a miss
    /// (nothing while caching is off). A refused entry stays until the next fill replaces it or
    /// it expires.
    pub fn get<Q>(&self, key: &Q, fresh: impl FnOnce(&V, u64) -> bool) -> Option<V>
    where
        Q: moka::Equivalent<K> + Hash + ?Sized,
    {
        let entries = self.entries.as_ref()?;
        let found = entries
            .get(key)
            .filter(|(stamp, value)| fresh(value, *stamp))
            .map(|(_, value)| value);
        let name = if found.is_some() {
            CACHE_HITS
        } else {
            CACHE_MISSES
        };
        ::metrics::counter!(name, "cache" => self.label).increment(1);
        found
    }

    /// Caches `value`, filled from a database read that began after `stamp` was read.
    pub fn insert(&self, key: K, stamp: u64, value: V) {
        if let Some(entries) = &self.entries {
            entries.insert(key, (stamp, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ttl_secs: u64) -> CacheConfig {
        CacheConfig {
            ttl_secs,
            max_entries: 10,
        }
    }

    #[test]
    fn a_hit_needs_a_stamp_its_reader_accepts() {
        let cache: Stamped<String, u32> = Stamped::new("test", &config(30));
        cache.insert("a".into(), 7, 1);
        assert_eq!(cache.get("a", |_, stamp| stamp == 7), Some(1));
        assert_eq!(cache.get("a", |_, stamp| stamp == 8), None);
        assert_eq!(cache.get("b", |_, _| true), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache: Stamped<String, u32> = Stamped::new("test", &config(0));
        cache.insert("a".into(), 0, 1);
        assert_eq!(cache.get("a", |_, _| true), None);
    }

    #[test]
    fn a_ttl_over_thirty_seconds_is_refused() {
        use figment::providers::{Format, Serialized, Toml};
        let parse = |toml: &str| {
            figment::Figment::from(Serialized::defaults(CacheConfig::default()))
                .merge(Toml::string(toml))
                .extract::<CacheConfig>()
                .map_err(|e| e.to_string())
        };
        assert_eq!(parse("ttl_secs = 30").unwrap().ttl_secs, 30);
        assert_eq!(parse("ttl_secs = 0").unwrap().ttl_secs, 0);
        let err = parse("ttl_secs = 31").unwrap_err();
        assert!(err.contains("0-30"), "{err}");
    }
}

//! Authentication: API keys as `Bearer <key>` or `Basic base64(<key id>:<key>)`, and the
//! platform admin key. Every failure gives the same 401 so callers learn nothing about keys.
//!
//! Tenant keys that authenticated are cached by their hash for up to the cache TTL
//! (`crate::cache`); a revocation or a disabled org on this instance outdates them at once
//! (`cache::KeyChanges`). Failures are never cached. The admin key is not cached: it is used for
//! org management and `/metrics` scrapes only, and a configured admin key is checked in memory
//! anyway.
pub mod cache;
pub mod secrets;

use std::sync::Arc;

use crate::domain::orgs::AdminCtx;
use crate::domain::roles::Role;
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::{api_keys, orgs, Db};
use cache::CachedKey;

/// How stale `last_used_at` may get before a request refreshes it; bounds writes per key.
const TOUCH_INTERVAL_SECS: i64 = 60;

pub enum Credentials {
    Bearer(String),
    Basic { id: String, key: String },
}

pub enum Principal {
    Admin(AdminCtx),
    Tenant(Ctx),
}

#[derive(Clone)]
pub struct Authenticator {
    db: Db,
    /// Hash of `VOUCH_ADMIN_KEY` when configured; otherwise the admin key lives in the database.
    configured_admin_hash: Option<String>,
}

fn denied() -> AppError {
    AppError::Unauthorized("missing, invalid or revoked API key".into())
}

impl Authenticator {
    pub fn new(db: Db, configured_admin_key: Option<&str>) -> Self {
        Authenticator {
            db,
            configured_admin_hash: configured_admin_key.map(secrets::hash),
        }
    }

    pub async fn authenticate(&self, creds: Credentials) -> Result<Principal> {
        match creds {
            Credentials::Bearer(token) => {
                let hash = secrets::hash(token.trim());
                if let Some(key) = self.cached(&hash, None) {
                    return Ok(self.accept(&key).await);
                }
                if self.is_admin_hash(&hash).await? {
                    return Ok(Principal::Admin(AdminCtx {
                        actor: "admin".into(),
                    }));
                }
                let stamp = self.db.caches().key_changes.now();
                let found = api_keys::find_by_hash(self.db.conn(), &hash).await?;
                self.tenant(found, hash, stamp).await
            }
            Credentials::Basic { id, key } => {
                let hash = secrets::hash(key.trim());
                // A hit needs the key *and* its id; any other id takes the database path, whose
                // work does not depend on whether the id exists.
                if let Some(key) = self.cached(&hash, Some(id.trim())) {
                    return Ok(self.accept(&key).await);
                }
                if id == "admin" && self.is_admin_hash(&hash).await? {
                    return Ok(Principal::Admin(AdminCtx {
                        actor: "admin".into(),
                    }));
                }
                let stamp = self.db.caches().key_changes.now();
                let found = api_keys::find_by_public_id(self.db.conn(), id.trim()).await?;
                self.tenant(found, hash, stamp).await
            }
        }
    }

    /// The cached key with this hash (and this id, for Basic), unless its org had keys
    /// withdrawn since it was cached.
    fn cached(&self, hash: &str, id: Option<&str>) -> Option<Arc<CachedKey>> {
        let caches = self.db.caches();
        caches.keys.get(hash, |key, stamp| {
            id.is_none_or(|id| id == key.key_public_id)
                && caches.key_changes.unchanged_since(key.org_id, stamp)
        })
    }

    async fn is_admin_hash(&self, hash: &str) -> Result<bool> {
        match &self.configured_admin_hash {
            Some(configured) => Ok(secrets::hashes_equal(configured, hash)),
            None => Ok(orgs::find_admin_key(self.db.conn(), hash).await?.is_some()),
        }
    }

    /// Checks a key found in the database against the presented key's hash; caches it when
    /// it is good (under `stamp`, read before the lookup).
    async fn tenant(
        &self,
        found: Option<(api_keys::ApiKeyRow, orgs::OrgRow)>,
        hash: String,
        stamp: u64,
    ) -> Result<Principal> {
        let Some((key, org)) = found else {
            // Unknown key id (or key): the same constant-time compare a known id gets, against
            // a dummy hash, so the answer's timing does not tell whether the id exists.
            let _ = secrets::hashes_equal(secrets::unknown_key_hash(), &hash);
            return Err(denied());
        };
        if !secrets::hashes_equal(&key.key_hash, &hash)
            || key.revoked_at.is_some()
            || org.disabled_at.is_some()
        {
            return Err(denied());
        }
        let role = Role::parse("role", &key.role).map_err(|_| denied())?;
        let key = Arc::new(CachedKey::new(
            key.id,
            key.public_id,
            org.id,
            org.public_id,
            role,
            key.last_used_at,
        ));
        self.db.caches().keys.insert(hash, stamp, key.clone());
        Ok(self.accept(&key).await)
    }

    /// The tenant context of a good key, refreshing its `last_used_at` when that is due.
    async fn accept(&self, key: &CachedKey) -> Principal {
        let now = crate::domain::clock::now();
        if key.claim_touch(now, TOUCH_INTERVAL_SECS) {
            let _turn = self.db.writer_turn().await;
            if let Err(err) = api_keys::touch(self.db.conn(), key.key_row_id, now).await {
                tracing::warn!(error = %err, "could not record key use");
            }
        }
        Principal::Tenant(Ctx::for_key(
            key.org_id,
            key.org_public_id.clone(),
            key.key_public_id.clone(),
            key.role,
        ))
    }
}

/// On a database without an admin key and with none configured, creates one and returns it so
/// the caller can print it once.
pub async fn bootstrap_admin_key(db: &Db, configured: Option<&str>) -> Result<Option<String>> {
    if configured.is_some() || orgs::admin_key_exists(db.conn()).await? {
        return Ok(None);
    }
    let secret = secrets::generate(secrets::SecretKind::AdminKey);
    orgs::insert_admin_key(
        db.conn(),
        &crate::domain::ids::new_public_id("adm"),
        &secret.hash,
    )
    .await?;
    Ok(Some(secret.plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::orgs::AdminCtx;

    fn compared() -> Vec<(usize, usize)> {
        secrets::COMPARED.with(|c| std::mem::take(&mut *c.borrow_mut()))
    }

    /// Refusing an unknown key id does what refusing a known id with a wrong key does: one
    /// constant-time compare of two full-length hashes (timing itself is not asserted).
    #[tokio::test(flavor = "current_thread")]
    async fn basic_auth_compares_a_hash_for_unknown_and_known_key_ids_alike() {
        let (_dir, db) = crate::store::test_sqlite().await;
        db.migrate().await.unwrap();
        let admin = AdminCtx {
            actor: "test".into(),
        };
        let (_, owner) = crate::domain::orgs::create(&admin, &db, "Acme")
            .await
            .unwrap();
        let auth = Authenticator::new(db, Some("vadm_configured"));
        let wrong = "vk_0000000000000000000000000000000000000000".to_string();
        let basic = |id: &str, key: &str| Credentials::Basic {
            id: id.into(),
            key: key.into(),
        };

        compared();
        let unknown = auth.authenticate(basic("key_unknown", &wrong)).await;
        assert!(matches!(unknown, Err(AppError::Unauthorized(_))));
        let unknown_work = compared();
        let known = auth.authenticate(basic(&owner.view.id, &wrong)).await;
        assert!(matches!(known, Err(AppError::Unauthorized(_))));
        let known_work = compared();
        assert_eq!(unknown_work, vec![(64, 64)], "unknown id: one full compare");
        assert_eq!(
            unknown_work, known_work,
            "unknown and known ids do the same work"
        );

        let ok = auth.authenticate(basic(&owner.view.id, &owner.key)).await;
        assert!(matches!(ok, Ok(Principal::Tenant(_))));
        assert_eq!(compared(), vec![(64, 64)]);
    }
}

//! Tenant API keys: created with a role, shown once, listed without secrets, revoked.
//!
//! A revocation takes effect on this instance's next request: after it commits it outdates the
//! org's cached keys (`auth::cache::KeyChanges`).
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::roles::Role;
use super::{ids, Ctx, PageReq};
use crate::auth::secrets::{self, SecretKind};
use crate::error::{AppError, Result};
use crate::store::api_keys::{self as store, ApiKeyRow, ApiKeyTable, NewKey};
use crate::store::{events, scope, Db, Page};

const MAX_NAME_LEN: usize = 100;

/// A key as listed: never the secret.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created key: the only time the secret is shown.
#[derive(Debug, Clone)]
pub struct KeyCreated {
    pub view: KeyView,
    pub key: String,
}

pub(in crate::domain) fn view(row: &ApiKeyRow) -> KeyView {
    KeyView {
        id: row.public_id.clone(),
        name: row.name.clone(),
        role: row.role.clone(),
        prefix: row.key_prefix.clone(),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

pub fn parse_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::invalid(
            "name",
            format!("must be 1-{MAX_NAME_LEN} characters"),
        ));
    }
    Ok(name.to_string())
}

/// Inserts a key inside an open transaction and records `ApiKeyAdd` (used by org creation too).
pub async fn insert_key(
    ctx: &Ctx,
    txn: &crate::store::WriteTxn,
    name: &str,
    role: Role,
) -> Result<KeyCreated> {
    let secret = secrets::generate(SecretKind::TenantKey);
    let public_id = ids::new_public_id("key");
    let row = store::insert(
        ctx,
        txn,
        NewKey {
            public_id: &public_id,
            name,
            role: role.as_str(),
            key_hash: &secret.hash,
            key_prefix: &secret.prefix,
        },
    )
    .await?;
    let view = view(&row);
    events::record(ctx, txn, "ApiKeyAdd", &view.id, json!(view)).await?;
    Ok(KeyCreated {
        view,
        key: secret.plaintext,
    })
}

pub async fn create(ctx: &Ctx, db: &Db, name: &str, role: &str) -> Result<KeyCreated> {
    let name = parse_name(name)?;
    let role = Role::parse("role", role)?;
    if !ctx.role.may_grant(role) {
        return Err(AppError::Forbidden(format!(
            "role: a `{}` key may not create `{role}` keys",
            ctx.role
        )));
    }
    let txn = db.write(ctx).await?;
    let created = insert_key(ctx, &txn, &name, role).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn list(ctx: &Ctx, db: &Db, page: PageReq) -> Result<Page<KeyView>> {
    let rows = store::list(ctx, db.conn(), page.offset(), page.limit).await?;
    Ok(Page {
        items: rows.items.iter().map(view).collect(),
        total: rows.total,
    })
}

pub async fn revoke(ctx: &Ctx, db: &Db, id: &str) -> Result<KeyView> {
    if !ids::has_prefix(id.trim(), "key") {
        return Err(AppError::invalid(
            "id",
            "is not an API key id (expected `key_…`)",
        ));
    }
    let txn = db.write(ctx).await?;
    let row = scope::get::<ApiKeyTable>(ctx, &txn, id.trim()).await?;
    if row.revoked_at.is_some() {
        // Revoked already (perhaps through another instance): this instance stops accepting
        // it now, not when its cache entry expires.
        db.caches().key_changes.withdraw(ctx.org_id);
        return Ok(view(&row));
    }
    let target = Role::parse("role", &row.role)?;
    if !ctx.role.may_grant(target) {
        return Err(AppError::Forbidden(format!(
            "a `{}` key may not revoke `{target}` keys",
            ctx.role
        )));
    }
    if target == Role::Owner
        && store::count_live_with_role(ctx, &txn, Role::Owner.as_str()).await? <= 1
    {
        return Err(AppError::conflict(
            "this is the org's last owner key; create another owner key first",
        ));
    }
    let row = store::revoke(&txn, row, crate::domain::clock::now()).await?;
    let view = view(&row);
    events::record(ctx, &txn, "ApiKeyRevoke", &view.id, json!(view)).await?;
    // After the commit: a cache fill racing with it then either read the revoked row or is
    // outdated by this withdrawal.
    let (caches, org_id) = (db.caches_handle(), ctx.org_id);
    txn.after_commit(move || caches.key_changes.withdraw(org_id));
    txn.commit().await?;
    Ok(view)
}

//! Orgs, managed by the platform admin only. Creating an org also mints its first owner key.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::keys::{self, KeyCreated};
use super::roles::Role;
use super::{ids, Ctx, PageReq};
use crate::error::{AppError, Result};
use crate::store::orgs::{self as store, OrgRow};
use crate::store::{events, Db, Page};

/// The platform admin acting; it manages orgs and nothing inside them.
#[derive(Debug, Clone)]
pub struct AdminCtx {
    pub actor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

fn view(row: &OrgRow) -> OrgView {
    OrgView {
        id: row.public_id.clone(),
        name: row.name.clone(),
        created_at: row.created_at,
        disabled_at: row.disabled_at,
    }
}

/// The context for changes the admin makes inside an org (so its events carry the org).
fn org_ctx(admin: &AdminCtx, row: &OrgRow) -> Ctx {
    Ctx::admin_in_org(row.id, row.public_id.clone(), admin.actor.clone())
}

/// The context of the operator at the CLI (or the demo seed) acting inside an org as its
/// owner; `actor` is recorded on the events it causes.
pub async fn system_ctx(db: &Db, org_id: &str, actor: &str) -> Result<Ctx> {
    let row = store::find_by_public_id(db.conn(), org_id.trim())
        .await?
        .ok_or_else(|| AppError::not_found(format!("org `{org_id}`")))?;
    Ok(Ctx::system(row.id, row.public_id, actor.to_string()))
}

pub fn parse_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name", "must be 1-200 characters"));
    }
    Ok(name.to_string())
}

pub async fn create(admin: &AdminCtx, db: &Db, name: &str) -> Result<(OrgView, KeyCreated)> {
    let name = parse_name(name)?;
    let txn = db.write_admin().await?;
    let row = store::insert(
        &txn,
        &ids::new_public_id("org"),
        &name,
        crate::domain::clock::now(),
    )
    .await?;
    txn.changes_org(row.id);
    let ctx = org_ctx(admin, &row);
    let org = view(&row);
    events::record(&ctx, &txn, "OrgAdd", &org.id, json!(org)).await?;
    let owner = keys::insert_key(&ctx, &txn, "owner", Role::Owner).await?;
    txn.commit().await?;
    Ok((org, owner))
}

pub async fn list(_admin: &AdminCtx, db: &Db, page: PageReq) -> Result<Page<OrgView>> {
    let rows = store::list(db.conn(), page.offset(), page.limit).await?;
    Ok(Page {
        items: rows.items.iter().map(view).collect(),
        total: rows.total,
    })
}

async fn find(db: &impl sea_orm::ConnectionTrait, id: &str) -> Result<OrgRow> {
    if !ids::has_prefix(id.trim(), "org") {
        return Err(AppError::invalid(
            "id",
            "is not an org id (expected `org_…`)",
        ));
    }
    store::find_by_public_id(db, id.trim())
        .await?
        .ok_or_else(|| AppError::not_found("org"))
}

pub async fn get(_admin: &AdminCtx, db: &Db, id: &str) -> Result<OrgView> {
    Ok(view(&find(db.conn(), id).await?))
}

/// Disables (or re-enables) an org: its keys stop (or resume) working at once (on this
/// instance; other instances drop their cached keys within the cache TTL).
pub async fn set_disabled(admin: &AdminCtx, db: &Db, id: &str, disabled: bool) -> Result<OrgView> {
    let txn = db.write_admin().await?;
    let row = find(&txn, id).await?;
    txn.changes_org(row.id);
    if row.disabled_at.is_some() == disabled {
        if disabled {
            // Disabled already (perhaps through another instance): stop it here now too. The
            // empty commit moves the org's generation (share links), `withdraw` its keys.
            let (caches, org_id) = (db.caches_handle(), row.id);
            txn.after_commit(move || caches.key_changes.withdraw(org_id));
            txn.commit().await?;
        }
        return Ok(view(&row));
    }
    let row = store::set_disabled(&txn, row, disabled.then(Utc::now)).await?;
    let org = view(&row);
    let event = if disabled { "OrgDisable" } else { "OrgEnable" };
    events::record(&org_ctx(admin, &row), &txn, event, &org.id, json!(org)).await?;
    if disabled {
        // After the commit, so that no cache fill racing with it outlives it (see `revoke`).
        let (caches, org_id) = (db.caches_handle(), row.id);
        txn.after_commit(move || caches.key_changes.withdraw(org_id));
    }
    txn.commit().await?;
    Ok(org)
}

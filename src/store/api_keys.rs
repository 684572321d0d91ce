//! Tenant API keys. Lookups for authentication are by hash (Bearer) or public id (Basic) and
//! return the key together with its org, so a disabled org's keys can be refused in one place.
use chrono::{DateTime, Utc};
use entities::{api_key, org};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::scope::scoped;
use super::Page;
use crate::domain::Ctx;
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::api_key::Entity as ApiKeyTable;
pub use entities::api_key::Model as ApiKeyRow;

pub struct NewKey<'a> {
    pub public_id: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub key_hash: &'a str,
    pub key_prefix: &'a str,
}

pub async fn insert<C: ConnectionTrait>(ctx: &Ctx, db: &C, key: NewKey<'_>) -> Result<ApiKeyRow> {
    let row = api_key::ActiveModel {
        public_id: Set(key.public_id.to_string()),
        org_id: Set(ctx.org_id),
        name: Set(key.name.to_string()),
        role: Set(key.role.to_string()),
        key_hash: Set(key.key_hash.to_string()),
        key_prefix: Set(key.key_prefix.to_string()),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(crate::domain::clock::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<ApiKeyRow>> {
    scoped::<api_key::Entity>(ctx)
        .order_by_asc(api_key::Column::Id)
        .page(db, offset, limit)
        .await
}

pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    row: ApiKeyRow,
    at: DateTime<Utc>,
) -> Result<ApiKeyRow> {
    let mut am: api_key::ActiveModel = row.into();
    am.revoked_at = Set(Some(at));
    Ok(am.update(db).await?)
}

/// Authentication lookup by hash: the key and its org.
pub async fn find_by_hash<C: ConnectionTrait>(
    db: &C,
    key_hash: &str,
) -> Result<Option<(ApiKeyRow, org::Model)>> {
    let key = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(key_hash))
        .one(db)
        .await?;
    with_org(db, key).await
}

/// Authentication lookup by public id (HTTP Basic user name): the key and its org.
pub async fn find_by_public_id<C: ConnectionTrait>(
    db: &C,
    public_id: &str,
) -> Result<Option<(ApiKeyRow, org::Model)>> {
    let key = api_key::Entity::find()
        .filter(api_key::Column::PublicId.eq(public_id))
        .one(db)
        .await?;
    with_org(db, key).await
}

async fn with_org<C: ConnectionTrait>(
    db: &C,
    key: Option<ApiKeyRow>,
) -> Result<Option<(ApiKeyRow, org::Model)>> {
    let Some(key) = key else { return Ok(None) };
    let org = org::Entity::find_by_id(key.org_id).one(db).await?;
    Ok(org.map(|org| (key, org)))
}

pub async fn touch<C: ConnectionTrait>(db: &C, id: i64, at: DateTime<Utc>) -> Result<()> {
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(api_key::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Live keys with this role in the org, locked (`FOR UPDATE` on PostgreSQL; SQLite's write
/// transactions already queue) so two revocations cannot both see a second owner.
pub async fn count_live_with_role<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    role: &str,
) -> Result<u64> {
    let rows = scoped::<api_key::Entity>(ctx)
        .filter(api_key::Column::Role.eq(role))
        .filter(api_key::Column::RevokedAt.is_null())
        .into_select()
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(rows.len() as u64)
}

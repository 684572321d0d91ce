//! Orgs and the platform admin key. Orgs are the tenancy root: these queries are not scoped.
use chrono::{DateTime, Utc};
use entities::{admin_key, org};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::Page;
use crate::error::Result;

pub use entities::org::Model as OrgRow;

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    public_id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<OrgRow> {
    let row = org::ActiveModel {
        public_id: Set(public_id.to_string()),
        name: Set(name.to_string()),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn find_by_public_id<C: ConnectionTrait>(
    db: &C,
    public_id: &str,
) -> Result<Option<OrgRow>> {
    Ok(org::Entity::find()
        .filter(org::Column::PublicId.eq(public_id))
        .one(db)
        .await?)
}

pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<OrgRow>> {
    Ok(org::Entity::find_by_id(id).one(db).await?)
}

pub async fn list<C: ConnectionTrait>(db: &C, offset: u64, limit: u64) -> Result<Page<OrgRow>> {
    let total = org::Entity::find().count(db).await?;
    let items = org::Entity::find()
        .order_by_asc(org::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

pub async fn set_disabled<C: ConnectionTrait>(
    db: &C,
    row: OrgRow,
    at: Option<DateTime<Utc>>,
) -> Result<OrgRow> {
    let mut am: org::ActiveModel = row.into();
    am.disabled_at = Set(at);
    Ok(am.update(db).await?)
}

pub async fn admin_key_exists<C: ConnectionTrait>(db: &C) -> Result<bool> {
    Ok(admin_key::Entity::find().count(db).await? > 0)
}

pub async fn insert_admin_key<C: ConnectionTrait>(
    db: &C,
    public_id: &str,
    key_hash: &str,
) -> Result<()> {
    admin_key::ActiveModel {
        public_id: Set(public_id.to_string()),
        key_hash: Set(key_hash.to_string()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The admin key row whose hash matches, if any.
pub async fn find_admin_key<C: ConnectionTrait>(
    db: &C,
    key_hash: &str,
) -> Result<Option<admin_key::Model>> {
    Ok(admin_key::Entity::find()
        .filter(admin_key::Column::KeyHash.eq(key_hash))
        .one(db)
        .await?)
}

/// Serialises one kind of write within an org until the transaction ends: on PostgreSQL a
/// `FOR NO KEY UPDATE` row lock on the org (it does not block the inserts that reference the
/// org, which take `FOR KEY SHARE`); on SQLite the writer lock every write transaction holds
/// already serialises them.
pub async fn lock_for_update(ctx: &crate::domain::Ctx, txn: &super::WriteTxn) -> Result<()> {
    use sea_orm::{DbBackend, Statement};
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM org WHERE id = $1 FOR NO KEY UPDATE",
            [ctx.org_id.into()],
        ))
        .await?;
    }
    Ok(())
}

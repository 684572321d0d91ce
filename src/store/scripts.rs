//! Tenant scripts and their versions, scoped by the context's org in every query.
//! Writes take a `WriteTxn` and mark it as changing configuration (`WriteTxn::changes_config`),
//! so caches of rules (`domain::rewards::Plan`) learn of every change at commit.
use entities::{reward_rule, rule_condition, script, script_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, Set,
};

use super::scope::{self, scoped};
use super::Page;
use super::WriteTxn;
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::script::Entity as ScriptTable;
pub use entities::script::Model as ScriptRow;
pub use entities::script_version::Model as VersionRow;

/// Inserts a script with its first version; the raw error tells a duplicate name apart.
pub async fn insert(
    ctx: &Ctx,
    db: &WriteTxn,
    name: &str,
    kind: &str,
    source: &str,
) -> std::result::Result<ScriptRow, DbErr> {
    db.changes_config();
    let now = crate::domain::clock::now();
    let row = script::ActiveModel {
        public_id: Set(ids::new_public_id("scr")),
        org_id: Set(ctx.org_id),
        name: Set(name.to_string()),
        kind: Set(kind.to_string()),
        current_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_version(ctx, db, row.id, 1, source).await?;
    Ok(row)
}

async fn insert_version<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    script_id: i64,
    version: i64,
    source: &str,
) -> std::result::Result<VersionRow, DbErr> {
    script_version::ActiveModel {
        org_id: Set(ctx.org_id),
        script_id: Set(script_id),
        version: Set(version),
        source: Set(source.to_string()),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Adds the next version and makes it current.
pub async fn add_version(
    ctx: &Ctx,
    db: &WriteTxn,
    row: ScriptRow,
    source: &str,
) -> std::result::Result<ScriptRow, DbErr> {
    db.changes_config();
    let next = row.current_version + 1;
    insert_version(ctx, db, row.id, next, source).await?;
    let mut am: script::ActiveModel = row.into();
    am.current_version = Set(next);
    am.updated_at = Set(crate::domain::clock::now());
    am.update(db).await
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<ScriptRow>> {
    scoped::<script::Entity>(ctx)
        .order_by_asc(script::Column::Id)
        .page(db, offset, limit)
        .await
}

pub async fn version<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    script_id: i64,
    version: i64,
) -> Result<Option<VersionRow>> {
    scoped::<script_version::Entity>(ctx)
        .filter(script_version::Column::ScriptId.eq(script_id))
        .filter(script_version::Column::Version.eq(version))
        .one(db)
        .await
}

pub async fn versions<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    script_id: i64,
) -> Result<Vec<VersionRow>> {
    scoped::<script_version::Entity>(ctx)
        .filter(script_version::Column::ScriptId.eq(script_id))
        .order_by_desc(script_version::Column::Version)
        .all(db)
        .await
}

/// How many rules (as amount scripts) and conditions use the script.
pub async fn usage<C: ConnectionTrait>(ctx: &Ctx, db: &C, script_id: i64) -> Result<u64> {
    let rules = scoped::<reward_rule::Entity>(ctx)
        .filter(reward_rule::Column::AmountScriptId.eq(script_id))
        .count(db)
        .await?;
    let conditions = scoped::<rule_condition::Entity>(ctx)
        .filter(rule_condition::Column::ScriptId.eq(script_id))
        .count(db)
        .await?;
    Ok(rules + conditions)
}

pub async fn delete(ctx: &Ctx, db: &WriteTxn, script_id: i64) -> Result<()> {
    db.changes_config();
    scope::delete::<script_version::Entity>(ctx)
        .filter(script_version::Column::ScriptId.eq(script_id))
        .exec(db)
        .await?;
    scope::delete_by_id::<script::Entity>(ctx, db, script_id).await?;
    Ok(())
}

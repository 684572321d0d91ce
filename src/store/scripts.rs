//! Tenant scripts and their versions, scoped by the context's org in every query.
use chrono::Utc;
use entities::{reward_rule, rule_condition, script, script_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::Page;
use crate::domain::{ids, Ctx};
use crate::error::Result;

pub use entities::script::Model as ScriptRow;
pub use entities::script_version::Model as VersionRow;

/// Inserts a script with its first version; the raw error tells a duplicate name apart.
pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    name: &str,
    kind: &str,
    source: &str,
) -> std::result::Result<ScriptRow, DbErr> {
    let now = Utc::now();
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
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Adds the next version and makes it current.
pub async fn add_version<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    row: ScriptRow,
    source: &str,
) -> std::result::Result<ScriptRow, DbErr> {
    let next = row.current_version + 1;
    insert_version(ctx, db, row.id, next, source).await?;
    let mut am: script::ActiveModel = row.into();
    am.current_version = Set(next);
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

pub async fn find<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<ScriptRow>> {
    Ok(script::Entity::find()
        .filter(script::Column::OrgId.eq(ctx.org_id))
        .filter(script::Column::PublicId.eq(public_id))
        .one(db)
        .await?)
}

pub async fn find_by_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
) -> Result<Option<ScriptRow>> {
    Ok(script::Entity::find()
        .filter(script::Column::OrgId.eq(ctx.org_id))
        .filter(script::Column::Id.eq(id))
        .one(db)
        .await?)
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<ScriptRow>> {
    let q = script::Entity::find().filter(script::Column::OrgId.eq(ctx.org_id));
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_asc(script::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

pub async fn version<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    script_id: i64,
    version: i64,
) -> Result<Option<VersionRow>> {
    Ok(script_version::Entity::find()
        .filter(script_version::Column::OrgId.eq(ctx.org_id))
        .filter(script_version::Column::ScriptId.eq(script_id))
        .filter(script_version::Column::Version.eq(version))
        .one(db)
        .await?)
}

pub async fn versions<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    script_id: i64,
) -> Result<Vec<VersionRow>> {
    Ok(script_version::Entity::find()
        .filter(script_version::Column::OrgId.eq(ctx.org_id))
        .filter(script_version::Column::ScriptId.eq(script_id))
        .order_by_desc(script_version::Column::Version)
        .all(db)
        .await?)
}

/// How many rules (as amount scripts) and conditions use the script.
pub async fn usage<C: ConnectionTrait>(ctx: &Ctx, db: &C, script_id: i64) -> Result<u64> {
    let rules = reward_rule::Entity::find()
        .filter(reward_rule::Column::OrgId.eq(ctx.org_id))
        .filter(reward_rule::Column::AmountScriptId.eq(script_id))
        .count(db)
        .await?;
    let conditions = rule_condition::Entity::find()
        .filter(rule_condition::Column::OrgId.eq(ctx.org_id))
        .filter(rule_condition::Column::ScriptId.eq(script_id))
        .count(db)
        .await?;
    Ok(rules + conditions)
}

pub async fn delete<C: ConnectionTrait>(ctx: &Ctx, db: &C, script_id: i64) -> Result<()> {
    script_version::Entity::delete_many()
        .filter(script_version::Column::OrgId.eq(ctx.org_id))
        .filter(script_version::Column::ScriptId.eq(script_id))
        .exec(db)
        .await?;
    script::Entity::delete_many()
        .filter(script::Column::OrgId.eq(ctx.org_id))
        .filter(script::Column::Id.eq(script_id))
        .exec(db)
        .await?;
    Ok(())
}

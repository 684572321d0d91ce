//! Members (referrers). Scoped by the context's org in every query.
use chrono::Utc;
use entities::member;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TryInsertResult};

use crate::domain::{ids, Ctx};
use crate::error::Result;

pub use entities::member::Model as MemberRow;

#[derive(Debug, Clone, Default)]
pub struct MemberNames {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

pub async fn find_by_public_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<MemberRow>> {
    Ok(member::Entity::find()
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .filter(member::Column::PublicId.eq(public_id))
        .one(db)
        .await?)
}

pub async fn find_by_external_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    external_id: &str,
) -> Result<Option<MemberRow>> {
    Ok(member::Entity::find()
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .filter(member::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}

pub async fn find_many<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
) -> Result<Vec<MemberRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(member::Entity::find()
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .filter(member::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// Inserts a member with this external id unless one exists; answers the member and whether
/// this call created it. Safe under concurrency: the unique index decides, not a prior read.
pub async fn ensure_external<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    external_id: &str,
    names: &MemberNames,
) -> Result<(MemberRow, bool)> {
    let now = Utc::now();
    let am = member::ActiveModel {
        public_id: Set(ids::new_public_id("mem")),
        org_id: Set(ctx.org_id),
        external_id: Set(Some(external_id.to_string())),
        first_name: Set(names.first_name.clone()),
        last_name: Set(names.last_name.clone()),
        email: Set(names.email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let outcome = member::Entity::insert(am)
        .on_conflict_do_nothing_on([member::Column::OrgId, member::Column::ExternalId])
        .exec(db)
        .await?;
    let created = matches!(outcome, TryInsertResult::Inserted(_));
    let row = find_by_external_id(ctx, db, external_id)
        .await?
        .ok_or_else(|| crate::error::AppError::Internal("member vanished after upsert".into()))?;
    Ok((row, created))
}

//! Purchases (003 referral actions). One per (org, external identifier): the unique index
//! ux_referral_action_external decides, through `INSERT … ON CONFLICT DO NOTHING`, never a
//! read before the insert.
use chrono::{DateTime, Utc};
use entities::referral_action;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, Set};

use super::rewards::ActionRow;
use super::scope::{self, scoped};
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// A purchase to record.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub referral_id: i64,
    pub member_id: i64,
    pub program_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub name: Option<String>,
    pub external_identifier: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Inserts the purchase; answers `(row, true)`, or the purchase already recorded under the same
/// external identifier and `false`.
pub async fn insert_once<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    a: NewAction,
) -> Result<(ActionRow, bool)> {
    let external = a.external_identifier.clone();
    let am = referral_action::ActiveModel {
        public_id: Set(ids::new_public_id("act")),
        org_id: Set(ctx.org_id),
        referral_id: Set(a.referral_id),
        member_id: Set(a.member_id),
        program_id: Set(a.program_id),
        amount_minor: Set(a.amount_minor),
        currency: Set(a.currency),
        items: Set(1),
        name: Set(a.name),
        external_identifier: Set(a.external_identifier),
        created_at: Set(a.created_at),
        ..Default::default()
    };
    let conflict = OnConflict::columns([
        referral_action::Column::OrgId,
        referral_action::Column::ExternalIdentifier,
    ])
    .target_and_where(Expr::col(referral_action::Column::ExternalIdentifier).is_not_null())
    .do_nothing()
    .to_owned();
    match super::insert_unless_conflict(db, am, conflict).await? {
        Some(row) => Ok((row, true)),
        None => {
            let existing = scoped::<referral_action::Entity>(ctx)
                .filter(referral_action::Column::ExternalIdentifier.eq(external))
                .one(db)
                .await?
                .ok_or_else(|| {
                    crate::error::AppError::Internal("conflicting purchase vanished".into())
                })?;
            Ok((existing, false))
        }
    }
}

/// The org's purchase with this numeric id.
pub async fn find<C: ConnectionTrait>(ctx: &Ctx, db: &C, id: i64) -> Result<Option<ActionRow>> {
    scope::find_by_id::<referral_action::Entity>(ctx, db, id).await
}

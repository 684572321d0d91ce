//! Programs, scoped by the context's org in every query.
//! Writes take a `WriteTxn` and mark it as changing configuration (`WriteTxn::changes_config`),
//! so caches of rules (`domain::rewards::Plan`) learn of every change at commit.
use chrono::{DateTime, Utc};
use entities::{member, program};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, Set,
};

use super::scope::{self, scoped};
use super::Page;
use super::WriteTxn;
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::program::Entity as ProgramTable;
pub use entities::program::Model as ProgramRow;

/// Every settable field of a program.
#[derive(Debug, Clone)]
pub struct ProgramFields {
    pub name: String,
    pub title: String,
    pub program_type: String,
    pub project: String,
    pub promocode: String,
    pub url: Option<String>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    pub is_active: bool,
    pub currency: String,
    pub embed_origins: Vec<String>,
    pub velocity_limit: i32,
    /// The fraud script's numeric id.
    pub fraud_script_id: Option<i64>,
}

fn apply(am: &mut program::ActiveModel, f: ProgramFields) {
    am.name = Set(f.name);
    am.title = Set(f.title);
    am.program_type = Set(f.program_type);
    am.project = Set(f.project);
    am.promocode = Set(f.promocode);
    am.url = Set(f.url);
    am.start_date = Set(f.start_date);
    am.end_date = Set(f.end_date);
    am.assign_by_default = Set(f.assign_by_default);
    am.account_group = Set(f.account_group);
    am.account_group_restrict = Set(f.account_group_restrict);
    am.member_offer = Set(f.member_offer);
    am.referral_offer = Set(f.referral_offer);
    am.is_active = Set(f.is_active);
    am.currency = Set(f.currency);
    am.embed_origins = Set(serde_json::to_string(&f.embed_origins).unwrap_or_else(|_| "[]".into()));
    am.velocity_limit = Set(f.velocity_limit);
    am.fraud_script_id = Set(f.fraud_script_id);
    am.updated_at = Set(crate::domain::clock::now());
}

/// A new program's row, not yet inserted.
pub fn new_row(ctx: &Ctx, fields: ProgramFields) -> program::ActiveModel {
    let mut am = program::ActiveModel {
        public_id: Set(ids::new_public_id("prog")),
        org_id: Set(ctx.org_id),
        created_at: Set(crate::domain::clock::now()),
        for_employees: Set(false),
        ..Default::default()
    };
    apply(&mut am, fields);
    am
}

/// Inserts a program; the raw error lets the caller tell which unique index refused it.
pub async fn insert(
    ctx: &Ctx,
    db: &WriteTxn,
    fields: ProgramFields,
) -> std::result::Result<ProgramRow, DbErr> {
    db.changes_config();
    new_row(ctx, fields).insert(db).await
}

pub async fn update(
    db: &WriteTxn,
    row: ProgramRow,
    fields: ProgramFields,
) -> std::result::Result<ProgramRow, DbErr> {
    db.changes_config();
    let mut am: program::ActiveModel = row.into();
    apply(&mut am, fields);
    am.update(db).await
}

pub async fn delete(ctx: &Ctx, db: &WriteTxn, id: i64) -> Result<()> {
    db.changes_config();
    scope::delete_by_id::<program::Entity>(ctx, db, id).await?;
    Ok(())
}

/// Programs whose name or title is exactly `text` (names are unique, titles need not be).
pub async fn find_by_name_or_title<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    text: &str,
) -> Result<Vec<ProgramRow>> {
    let by_name = scoped::<program::Entity>(ctx)
        .filter(program::Column::Name.eq(text))
        .all(db)
        .await?;
    if !by_name.is_empty() {
        return Ok(by_name);
    }
    scoped::<program::Entity>(ctx)
        .filter(program::Column::Title.eq(text))
        .all(db)
        .await
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<ProgramRow>> {
    scoped::<program::Entity>(ctx)
        .order_by_asc(program::Column::Id)
        .page(db, offset, limit)
        .await
}

/// All programs of the org (promo-code resolution walks their templates).
pub async fn all<C: ConnectionTrait>(ctx: &Ctx, db: &C) -> Result<Vec<ProgramRow>> {
    scoped::<program::Entity>(ctx).all(db).await
}

pub async fn member_count<C: ConnectionTrait>(ctx: &Ctx, db: &C, program_id: i64) -> Result<u64> {
    scoped::<member::Entity>(ctx)
        .filter(member::Column::ProgramId.eq(program_id))
        .count(db)
        .await
}

pub fn embed_origins(row: &ProgramRow) -> Vec<String> {
    serde_json::from_str(&row.embed_origins).unwrap_or_default()
}

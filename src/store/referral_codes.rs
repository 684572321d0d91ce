//! Referral codes with their mentor. Scoped by the context's org in every query; the code
//! column is platform-unique and stored upper-cased.
use chrono::{DateTime, Utc};
use entities::{member, referral, referral_code};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, Set,
};

use sea_orm::sea_query::Expr;

use super::members::MemberRow;
use super::scope::{self, scoped};
use super::Page;
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::referral_code::Entity as CodeTable;
pub use entities::referral_code::Model as CodeRow;

pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";

/// `status = 'active'` with the value written out, not bound: only then can the database use
/// the partial index `ux_referral_code_one_active (org_id, member_id) WHERE status = 'active'`
/// (SQLite matches a partial index's predicate against literal terms only, and a PostgreSQL
/// generic plan cannot prove it from a parameter). Bound, a lookup of 100 members' codes walked
/// the org's codes: 10 s of a 100,000-row upload's updates.
fn is_active() -> sea_orm::sea_query::Expr {
    sea_orm::sea_query::Expr::cust("referral_code.status = 'active'")
}

/// Who a code belongs to, as a code record shows it: the member's ids, not its whole profile
/// (reading ~25 member columns per listed code was most of a list's cost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentor {
    pub id: i64,
    pub public_id: String,
    pub external_id: Option<String>,
}

impl From<&MemberRow> for Mentor {
    fn from(member: &MemberRow) -> Mentor {
        Mentor {
            id: member.id,
            public_id: member.public_id.clone(),
            external_id: member.external_id.clone(),
        }
    }
}

/// A code row with its mentor.
#[derive(Debug, Clone)]
pub struct CodeWithMember {
    pub code: CodeRow,
    pub mentor: Mentor,
}

/// One row of the code-and-mentor join (`joined`): the code's columns and two of its member's.
#[derive(Debug, FromQueryResult)]
struct JoinedRow {
    #[sea_orm(nested)]
    code: CodeRow,
    mentor_public_id: String,
    mentor_external_id: Option<String>,
}

impl From<JoinedRow> for CodeWithMember {
    fn from(r: JoinedRow) -> CodeWithMember {
        CodeWithMember {
            mentor: Mentor {
                id: r.code.member_id,
                public_id: r.mentor_public_id,
                external_id: r.mentor_external_id,
            },
            code: r.code,
        }
    }
}

/// A joined row with the count of all rows the query matches (before its limit).
#[derive(Debug, FromQueryResult)]
struct CountedRow {
    #[sea_orm(nested)]
    row: JoinedRow,
    total: i64,
}

/// `query` joined with each code's mentor (two of its columns), in the context's org.
fn with_mentor(ctx: &Ctx, query: Select<referral_code::Entity>) -> Select<referral_code::Entity> {
    query
        .join(JoinType::InnerJoin, referral_code::Relation::Member.def())
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .column_as(member::Column::PublicId, "mentor_public_id")
        .column_as(member::Column::ExternalId, "mentor_external_id")
}

/// The org's codes of `query`, each with its mentor's ids, in one statement.
async fn joined<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    query: Select<referral_code::Entity>,
) -> Result<Vec<CodeWithMember>> {
    let rows = with_mentor(ctx, query)
        .into_model::<JoinedRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(CodeWithMember::from).collect())
}

async fn joined_one<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    query: Select<referral_code::Entity>,
) -> Result<Option<CodeWithMember>> {
    Ok(joined(ctx, db, query.limit(1)).await?.pop())
}

/// Filters for listing.
#[derive(Debug, Clone, Default)]
pub struct CodeFilter {
    pub member_id: Option<i64>,
    pub status: Option<&'static str>,
}

/// Inserts an active code; the raw database error is returned so the caller can tell which
/// unique index refused it.
/// Inserts `code` as the member's active code, or does nothing when a unique index refuses it
/// (the code is taken, or the member already has an active code): `None` then. `ON CONFLICT DO
/// NOTHING` leaves the transaction usable on PostgreSQL, so no savepoint is needed per attempt.
pub async fn insert_active<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    code: &str,
) -> Result<Option<CodeRow>> {
    let row = referral_code::ActiveModel {
        public_id: Set(ids::new_public_id("rc")),
        org_id: Set(ctx.org_id),
        member_id: Set(member_id),
        code: Set(code.to_string()),
        status: Set(ACTIVE.to_string()),
        created_at: Set(crate::domain::clock::now()),
        deactivated_at: Set(None),
        ..Default::default()
    };
    let conflict = sea_orm::sea_query::OnConflict::new()
        .do_nothing()
        .to_owned();
    super::insert_unless_conflict(db, row, conflict).await
}

/// `insert_active` for many (member id, code) pairs in one statement: answers the rows
/// inserted; pairs a unique index refused are left out.
pub async fn insert_many_active<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    pairs: &[(i64, String)],
) -> Result<Vec<CodeRow>> {
    let now = crate::domain::clock::now();
    let rows: Vec<CodeRow> = pairs
        .iter()
        .map(|(member_id, code)| CodeRow {
            id: 0,
            public_id: ids::new_public_id("rc"),
            org_id: ctx.org_id,
            member_id: *member_id,
            code: code.clone(),
            status: ACTIVE.to_string(),
            created_at: now,
            deactivated_at: None,
        })
        .collect();
    let conflict = sea_orm::sea_query::OnConflict::new()
        .do_nothing()
        .to_owned();
    let inserts = rows.iter().map(|r| referral_code::ActiveModel {
        public_id: Set(r.public_id.clone()),
        org_id: Set(r.org_id),
        member_id: Set(r.member_id),
        code: Set(r.code.clone()),
        status: Set(r.status.clone()),
        created_at: Set(r.created_at),
        deactivated_at: Set(None),
        ..Default::default()
    });
    let ids =
        super::insert_returning_ids::<referral_code::Entity, _, _>(db, inserts, Some(conflict))
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| {
            r.id = *ids.get(&r.public_id)?;
            Some(r)
        })
        .collect())
}

pub async fn find<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<CodeWithMember>> {
    let query = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::PublicId.eq(public_id))
        .into_select();
    joined_one(ctx, db, query).await
}

pub async fn find_by_code<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    code: &str,
) -> Result<Option<CodeWithMember>> {
    let query = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::Code.eq(code))
        .into_select();
    joined_one(ctx, db, query).await
}

/// The whole member whose code (in any status) this is, in one statement.
pub async fn member_by_code<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    code: &str,
) -> Result<Option<MemberRow>> {
    let pair = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::Code.eq(code))
        .into_select()
        .find_also_related(member::Entity)
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .one(db)
        .await?;
    Ok(pair.and_then(|(_, member)| member))
}

pub async fn find_active_for_member<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
) -> Result<Option<CodeWithMember>> {
    let query = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::MemberId.eq(member_id))
        .filter(is_active())
        .into_select();
    joined_one(ctx, db, query).await
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    filter: &CodeFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<CodeWithMember>> {
    let mut query = scoped::<referral_code::Entity>(ctx);
    if let Some(member_id) = filter.member_id {
        query = query.filter(referral_code::Column::MemberId.eq(member_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(referral_code::Column::Status.eq(status));
    }
    // One statement: the page joined with its mentors, each row carrying the count of all
    // matches (a window over the filtered rows, computed before LIMIT). Only a page past the
    // end, which has no row to carry it, needs a second statement for the count.
    let query = query.order_by_desc(referral_code::Column::Id).into_select();
    let rows = with_mentor(ctx, query.clone())
        .column_as(Expr::cust("COUNT(*) OVER ()"), "total")
        .offset(offset)
        .limit(limit)
        .into_model::<CountedRow>()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(first) => u64::try_from(first.total).unwrap_or(0),
        None if offset == 0 => 0,
        None => query.count(db).await?,
    };
    let items = rows
        .into_iter()
        .map(|r| CodeWithMember::from(r.row))
        .collect();
    Ok(Page { items, total })
}

/// Sets status and deactivation time; the raw error tells a caller about a unique refusal.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    row: CodeRow,
    status: &str,
    deactivated_at: Option<DateTime<Utc>>,
) -> std::result::Result<CodeRow, DbErr> {
    let mut am: referral_code::ActiveModel = row.into();
    am.status = Set(status.to_string());
    am.deactivated_at = Set(deactivated_at);
    am.update(db).await
}

pub async fn delete<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
) -> std::result::Result<u64, DbErr> {
    scope::delete_by_id::<referral_code::Entity>(ctx, db, id).await
}

/// Referrals attributed through this code.
pub async fn referral_count<C: ConnectionTrait>(ctx: &Ctx, db: &C, code_id: i64) -> Result<u64> {
    scoped::<referral::Entity>(ctx)
        .filter(referral::Column::ReferralCodeId.eq(code_id))
        .count(db)
        .await
}

/// Deactivates every active code of a member (removal keeps the history).
pub async fn deactivate_all_for_member<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
) -> Result<u64> {
    use sea_orm::sea_query::Expr;
    let res = scope::update::<referral_code::Entity>(ctx)
        .col_expr(referral_code::Column::Status, Expr::value(INACTIVE))
        .col_expr(
            referral_code::Column::DeactivatedAt,
            Expr::value(Some(crate::domain::clock::now())),
        )
        .filter(referral_code::Column::MemberId.eq(member_id))
        .filter(is_active())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The active code of each member that has one.
pub async fn active_for_members<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    if member_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::MemberId.is_in(member_ids.to_vec()))
        .filter(is_active())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.member_id, r.code)).collect())
}

/// The active code row with this code in any org: share links are public and the code alone
/// names the tenant (codes are unique across the platform).
pub async fn find_active_any_org<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<CodeRow>> {
    Ok(referral_code::Entity::find()
        .filter(referral_code::Column::Code.eq(code))
        .filter(referral_code::Column::Status.eq(ACTIVE))
        .one(db)
        .await?)
}

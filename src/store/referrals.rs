//! Referrals (003) and the reward-status moves their holds and denials cause. Scoped by the
//! context's org in every query.
//!
//! Invariant: one live referral per (program, customer mailbox) and per (program, external id) —
//! the unique indexes `ux_referral_program_email` / `ux_referral_program_external` decide, and
//! `insert` reports a refusal as `None` (ON CONFLICT DO NOTHING keeps a PostgreSQL transaction
//! usable) so the caller can read the existing referral in the same transaction.
use chrono::{DateTime, Utc};
use entities::{member, referral, referral_code, reward};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, FromQueryResult, IntoActiveModel, Iterable,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::members::MemberRow;
use super::referral_codes::CodeRow;
use super::scope::{self, scoped};
use super::Page;
use crate::domain::Ctx;
use crate::error::Result;

use entities::referral::ActiveModel as ReferralActive;
pub use entities::referral::Entity as ReferralTable;
pub use entities::referral::Model as ReferralRow;

/// The code row (any status) with its member, in one statement.
pub async fn code_with_member<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    code: &str,
) -> Result<Option<(CodeRow, MemberRow)>> {
    let pair = scoped::<referral_code::Entity>(ctx)
        .filter(referral_code::Column::Code.eq(code))
        .into_select()
        .find_also_related(member::Entity)
        .filter(member::Column::OrgId.eq(ctx.org_id))
        .one(db)
        .await?;
    Ok(pair.and_then(|(c, m)| m.map(|m| (c, m))))
}

/// A program's referrals from one client IP since a moment (the velocity check).
#[derive(Debug, Clone, Copy)]
pub struct IpWindow<'a> {
    pub program_id: i64,
    pub ip: &'a str,
    pub since: DateTime<Utc>,
    /// Count no further than this (the program's velocity limit): past it the answer is the
    /// same, and a busy IP costs no more.
    pub limit: u64,
}

/// The velocity check of a new referral: it is held with `reason` when the program already
/// has `window.limit` referrals from the IP in the window.
#[derive(Debug, Clone)]
pub struct VelocityHold<'a> {
    pub window: IpWindow<'a>,
    pub reason: String,
}

/// `COUNT(*)` of the window's referrals, at most `window.limit`.
fn ip_window_count(ctx: &Ctx, w: &IpWindow) -> Expr {
    // Built by value: sea-query's `to_owned()` after `&mut` builders clones the statement.
    let mut window = scope::scoped_ids::<referral::Entity>(ctx);
    window
        .and_where(Expr::col((referral::Entity, referral::Column::ProgramId)).eq(w.program_id))
        .and_where(Expr::col((referral::Entity, referral::Column::IpAddress)).eq(w.ip))
        .and_where(Expr::col((referral::Entity, referral::Column::CreatedAt)).gte(w.since))
        .limit(w.limit);
    let mut count = Query::select();
    count
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(window, "from_ip_window");
    Expr::from(count)
}

/// Inserts `row` (its `id` is ignored); `None` when a unique index refused it (the customer is
/// already a live referral of the program).
///
/// With `velocity`, the INSERT itself decides `held_reason`: a `CASE` over the window's count,
/// a scalar sub-query in its `VALUES`, so the check costs no statement of its own. It counts
/// the rows the statement sees: on SQLite everything committed (one writer at a time); on
/// PostgreSQL what was committed when the statement began, so concurrent referrals from one IP
/// can each pass the check (a velocity limit is a review trigger, not a quota).
pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    row: ReferralRow,
    velocity: Option<&VelocityHold<'_>>,
) -> Result<Option<ReferralRow>> {
    let row: ReferralActive = row.into_active_model().reset_all();
    let (mut columns, mut values) = (vec![], vec![]);
    for column in referral::Column::iter() {
        let value = match (column, velocity) {
            (referral::Column::Id, _) => continue,
            (referral::Column::HeldReason, Some(v)) => Expr::case(
                ip_window_count(ctx, &v.window).gte(v.window.limit),
                v.reason.clone(),
            )
            .into(),
            _ => match row.get(column).into_value() {
                Some(value) => Expr::val(value),
                None => continue,
            },
        };
        columns.push(column);
        values.push(value);
    }
    let insert = Query::insert()
        .into_table(referral::Entity)
        .columns(columns)
        .values_panic(values)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_all()
        .to_owned();
    let statement = db.get_database_backend().build(&insert);
    Ok(ReferralRow::find_by_statement(statement).one(db).await?)
}

/// The live referral of the program, other than `except_id`, with this mailbox or external id
/// (what refused an insert or update).
pub async fn find_duplicate<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    email_key: Option<&str>,
    external_id: Option<&str>,
    except_id: Option<i64>,
) -> Result<Option<ReferralRow>> {
    let mut any = Condition::any();
    if let Some(k) = email_key {
        any = any.add(referral::Column::EmailKey.eq(k));
    }
    if let Some(x) = external_id {
        any = any.add(referral::Column::ExternalIdentifier.eq(x));
    }
    scoped::<referral::Entity>(ctx)
        .filter(referral::Column::ProgramId.eq(program_id))
        .filter(referral::Column::RemovedAt.is_null())
        .filter(referral::Column::Id.ne(except_id.unwrap_or(0)))
        .filter(any)
        .one(db)
        .await
}

/// The org's live referral with this public id; with `lock`, locked for update (PostgreSQL).
pub async fn find_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
    lock: bool,
) -> Result<Option<ReferralRow>> {
    let mut q = scoped::<referral::Entity>(ctx)
        .filter(referral::Column::PublicId.eq(public_id))
        .filter(referral::Column::RemovedAt.is_null())
        .into_select();
    if lock {
        q = q.lock_exclusive();
    }
    Ok(q.one(db).await?)
}

/// Live referrals by numeric id, locked for update.
pub async fn lock_by_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
) -> Result<Option<ReferralRow>> {
    Ok(scoped::<referral::Entity>(ctx)
        .filter(referral::Column::Id.eq(id))
        .filter(referral::Column::RemovedAt.is_null())
        .into_select()
        .lock_exclusive()
        .one(db)
        .await?)
}

/// What a referral query or lookup matches on (all exact; email on the mailbox key).
#[derive(Debug, Clone, Default)]
pub struct Match {
    pub public_id: Option<String>,
    pub email_key: Option<String>,
    pub external_id: Option<String>,
    pub phone: Option<String>,
    /// Any of these matches (a plain-string lookup), instead of all.
    pub any: bool,
    pub program_ids: Option<Vec<i64>>,
}

/// Live referrals matching `m`, at most `limit`.
pub async fn find_matching<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    m: &Match,
    limit: u64,
) -> Result<Vec<ReferralRow>> {
    let mut cond = if m.any {
        Condition::any()
    } else {
        Condition::all()
    };
    if let Some(v) = &m.public_id {
        cond = cond.add(referral::Column::PublicId.eq(v.as_str()));
    }
    if let Some(v) = &m.email_key {
        cond = cond.add(referral::Column::EmailKey.eq(v.as_str()));
    }
    if let Some(v) = &m.external_id {
        cond = cond.add(referral::Column::ExternalIdentifier.eq(v.as_str()));
    }
    if let Some(v) = &m.phone {
        cond = cond.add(referral::Column::PhoneNumber.eq(v.as_str()));
    }
    let mut q = scoped::<referral::Entity>(ctx)
        .filter(referral::Column::RemovedAt.is_null())
        .filter(cond);
    if let Some(p) = &m.program_ids {
        q = q.filter(referral::Column::ProgramId.is_in(p.clone()));
    }
    Ok(q.into_select().limit(limit).all(db).await?)
}

/// How a referral list is ordered (the 003 sort values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    CreatedDesc,
    CreatedAsc,
    AmountDesc,
    AmountAsc,
    QualifiedDesc,
    QualifiedAsc,
    ClosedDesc,
    ClosedAsc,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub program_id: Option<i64>,
    pub member_id: Option<i64>,
    /// Exact public id, email (mailbox key), external id, or (by `code_member_id`) code.
    pub query: Option<String>,
    pub query_email_key: Option<String>,
    pub code_member_id: Option<i64>,
    pub status: Option<&'static str>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    /// Only held referrals.
    pub held: bool,
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &ListFilter,
    sort: Sort,
    offset: u64,
    limit: u64,
) -> Result<Page<ReferralRow>> {
    use referral::Column as C;
    let mut q = scoped::<referral::Entity>(ctx).filter(C::RemovedAt.is_null());
    if let Some(p) = f.program_id {
        q = q.filter(C::ProgramId.eq(p));
    }
    if let Some(m) = f.member_id {
        q = q.filter(C::MemberId.eq(m));
    }
    if let Some(s) = f.status {
        q = q.filter(C::Status.eq(s));
    }
    if f.held {
        q = q.filter(C::HeldReason.is_not_null());
    }
    if let Some(from) = f.date_from {
        q = q.filter(C::CreatedAt.gte(from));
    }
    if let Some(to) = f.date_to {
        q = q.filter(C::CreatedAt.lte(to));
    }
    if let Some(text) = &f.query {
        let mut any = Condition::any()
            .add(C::PublicId.eq(text.as_str()))
            .add(C::ExternalIdentifier.eq(text.as_str()));
        if let Some(k) = &f.query_email_key {
            any = any.add(C::EmailKey.eq(k.as_str()));
        }
        if let Some(m) = f.code_member_id {
            any = any.add(C::MemberId.eq(m));
        }
        q = q.filter(any);
    }
    // Closed = approved or denied: approved_at, else the last update of a denied referral.
    let closed = Expr::cust(
        "CASE WHEN referral.status IN ('approved', 'denied') \
         THEN COALESCE(referral.approved_at, referral.updated_at) END",
    );
    use sea_orm::sea_query::Order;
    q = match sort {
        Sort::CreatedDesc => q.order_by_desc(C::CreatedAt),
        Sort::CreatedAsc => q.order_by_asc(C::CreatedAt),
        Sort::AmountDesc => q.order_by(
            Expr::cust("COALESCE(referral.amount_minor, 0)"),
            Order::Desc,
        ),
        Sort::AmountAsc => q.order_by(Expr::cust("COALESCE(referral.amount_minor, 0)"), Order::Asc),
        Sort::QualifiedDesc => q.order_by_desc(C::QualifiedAt),
        Sort::QualifiedAsc => q.order_by_asc(C::QualifiedAt),
        Sort::ClosedDesc => q.order_by(closed, Order::Desc),
        Sort::ClosedAsc => q.order_by(closed, Order::Asc),
    };
    let q = if matches!(sort, Sort::CreatedAsc) {
        q.order_by_asc(C::Id)
    } else {
        q.order_by_desc(C::Id)
    };
    q.page(db, offset, limit).await
}

/// Saves a changed referral (every column written from `row`).
pub async fn save<C: ConnectionTrait>(db: &C, row: ReferralRow) -> Result<ReferralRow> {
    Ok(row.into_active_model().reset_all().update(db).await?)
}

/// Sets rewards of the referral that are in one of `from` to `to` (release, deny, removal).
pub async fn move_rewards<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    referral_id: i64,
    from: &[&str],
    to: &str,
) -> Result<u64> {
    let res = scope::update::<reward::Entity>(ctx)
        .col_expr(reward::Column::Status, Expr::value(to))
        .col_expr(
            reward::Column::UpdatedAt,
            Expr::value(Some(crate::domain::clock::now())),
        )
        .filter(reward::Column::ReferralId.eq(referral_id))
        .filter(reward::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Codes by numeric id (the code each listed referral came through).
pub async fn codes_by_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
) -> Result<Vec<CodeRow>> {
    scope::find_many::<referral_code::Entity>(ctx, db, ids).await
}

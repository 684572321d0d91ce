//! Rewards as the 003 reward calls see them: insert a manual reward, list with filters and
//! orders, and the conditional updates that change a reward's state exactly once.
//!
//! Invariant: every state change is one `UPDATE … WHERE status = …` whose affected-row count
//! tells the caller whether it won; no read-then-write decides a transition.
use chrono::{DateTime, Utc};
use entities::reward;
use sea_orm::sea_query::{Condition, Expr, Order};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set};

use super::scope::{self, scoped};
use super::Page;
use crate::domain::{clock, ids, Ctx};
use crate::error::Result;

pub use entities::referral::Entity as ReferralTable;
pub use entities::referral::Model as ReferralRow;
pub use entities::reward::Entity as RewardTable;
pub use entities::reward::Model as RewardRow;

/// A reward made by hand (`source` Manual, recipient the member).
#[derive(Debug, Clone)]
pub struct NewManualReward {
    pub member_id: i64,
    pub referral_id: Option<i64>,
    pub recipient_type: String,
    pub program_id: Option<i64>,
    pub payout_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub eligibility_date: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

pub async fn insert_manual<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    r: NewManualReward,
) -> Result<RewardRow> {
    let now = clock::now();
    let am = reward::ActiveModel {
        public_id: Set(ids::new_ordered_id("rwd")),
        org_id: Set(ctx.org_id),
        member_id: Set(r.member_id),
        referral_id: Set(r.referral_id),
        amount_minor: Set(r.amount_minor),
        currency: Set(r.currency),
        status: Set("Pending".into()),
        created_at: Set(now),
        program_id: Set(r.program_id),
        payout_id: Set(r.payout_id),
        recipient_type: Set(r.recipient_type),
        source: Set("Manual".into()),
        description: Set(r.description),
        eligibility_date: Set(r.eligibility_date),
        updated_at: Set(Some(now)),
        ..Default::default()
    };
    Ok(am.insert(db).await?)
}

/// The org's reward with this public id that is not removed.
pub async fn find_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<RewardRow>> {
    scoped::<RewardTable>(ctx)
        .filter(reward::Column::PublicId.eq(public_id))
        .filter(reward::Column::RemovedAt.is_null())
        .one(db)
        .await
}

pub async fn by_id<C: ConnectionTrait>(ctx: &Ctx, db: &C, id: i64) -> Result<Option<RewardRow>> {
    scope::find_by_id::<RewardTable>(ctx, db, id).await
}

/// 003 reward list orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RewardSort {
    #[default]
    CreatedDesc,
    CreatedAsc,
    AmountDesc,
    AmountAsc,
    RecipientNameDesc,
    RecipientNameAsc,
    IssuedDesc,
    IssuedAsc,
}

#[derive(Debug, Clone, Default)]
pub struct RewardFilter {
    pub program_ids: Option<Vec<i64>>,
    pub member_id: Option<i64>,
    pub referral_id: Option<i64>,
    /// `query`: rewards of these recipient members / referrals, or with this public id.
    pub query: Option<(Vec<i64>, Vec<i64>, String)>,
    pub status: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
}

const RECIPIENT_NAME: &str = "(CASE WHEN reward.recipient_type = 'Referral' THEN \
    (SELECT LOWER(COALESCE(r.first_name, '') || ' ' || COALESCE(r.last_name, '')) FROM referral r WHERE r.id = reward.referral_id) \
    ELSE (SELECT LOWER(COALESCE(m.first_name, '') || ' ' || COALESCE(m.last_name, '')) FROM member m WHERE m.id = reward.member_id) END)";

/// Rewards not removed, filtered and ordered (ties by id, newest first).
pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &RewardFilter,
    sort: RewardSort,
    offset: u64,
    limit: u64,
) -> Result<Page<RewardRow>> {
    let mut q = scoped::<RewardTable>(ctx).filter(reward::Column::RemovedAt.is_null());
    if let Some(p) = &f.program_ids {
        q = q.filter(reward::Column::ProgramId.is_in(p.clone()));
    }
    if let Some(m) = f.member_id {
        q = q.filter(reward::Column::MemberId.eq(m));
    }
    if let Some(r) = f.referral_id {
        q = q.filter(reward::Column::ReferralId.eq(r));
    }
    if let Some((members, referrals, public_id)) = &f.query {
        q = q.filter(
            Condition::any()
                .add(reward::Column::PublicId.eq(public_id.as_str()))
                .add(
                    Condition::all()
                        .add(reward::Column::RecipientType.eq("Member"))
                        .add(reward::Column::MemberId.is_in(members.clone())),
                )
                .add(
                    Condition::all()
                        .add(reward::Column::RecipientType.eq("Referral"))
                        .add(reward::Column::ReferralId.is_in(referrals.clone())),
                ),
        );
    }
    if let Some(s) = &f.status {
        q = q.filter(reward::Column::Status.eq(s.as_str()));
    }
    if let Some(from) = f.date_from {
        q = q.filter(reward::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.date_to {
        q = q.filter(reward::Column::CreatedAt.lte(to));
    }
    q = match sort {
        RewardSort::CreatedDesc => q.order_by_desc(reward::Column::CreatedAt),
        RewardSort::CreatedAsc => q.order_by_asc(reward::Column::CreatedAt),
        RewardSort::AmountDesc => q.order_by_desc(reward::Column::AmountMinor),
        RewardSort::AmountAsc => q.order_by_asc(reward::Column::AmountMinor),
        RewardSort::RecipientNameDesc => q.order_by(Expr::cust(RECIPIENT_NAME), Order::Desc),
        RewardSort::RecipientNameAsc => q.order_by(Expr::cust(RECIPIENT_NAME), Order::Asc),
        // Unissued rewards (no date) sort after the issued ones either way.
        RewardSort::IssuedDesc => q
            .order_by(
                Expr::cust("(CASE WHEN reward.issued_at IS NULL THEN 1 ELSE 0 END)"),
                Order::Asc,
            )
            .order_by_desc(reward::Column::IssuedAt),
        RewardSort::IssuedAsc => q
            .order_by(
                Expr::cust("(CASE WHEN reward.issued_at IS NULL THEN 1 ELSE 0 END)"),
                Order::Asc,
            )
            .order_by_asc(reward::Column::IssuedAt),
    };
    q.order_by_desc(reward::Column::Id)
        .page(db, offset, limit)
        .await
}

/// Changes a reward's terms unless it is issued, cancelled or removed; answers whether it did.
#[allow(clippy::too_many_arguments)]
pub async fn update_terms<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
    payout_id: Option<i64>,
    amount_minor: i64,
    eligibility_date: Option<DateTime<Utc>>,
    description: Option<String>,
) -> Result<bool> {
    let res = scope::update::<RewardTable>(ctx)
        .col_expr(reward::Column::PayoutId, Expr::value(payout_id))
        .col_expr(reward::Column::AmountMinor, Expr::value(amount_minor))
        .col_expr(
            reward::Column::EligibilityDate,
            Expr::value(eligibility_date),
        )
        .col_expr(reward::Column::Description, Expr::value(description))
        .col_expr(reward::Column::UpdatedAt, Expr::value(Some(clock::now())))
        .filter(reward::Column::Id.eq(id))
        .filter(reward::Column::RemovedAt.is_null())
        .filter(reward::Column::Status.is_not_in(["Issued", "Cancelled"]))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Issues one Pending, unpaid, live reward; answers whether this call did it.
pub async fn issue_one<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
    note: Option<String>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let res = scope::update::<RewardTable>(ctx)
        .col_expr(reward::Column::Status, Expr::value("Issued"))
        .col_expr(reward::Column::IssuedAt, Expr::value(Some(at)))
        .col_expr(reward::Column::UpdatedAt, Expr::value(Some(at)))
        .col_expr(reward::Column::Note, Expr::value(note))
        .filter(reward::Column::Id.eq(id))
        .filter(reward::Column::Status.eq("Pending"))
        .filter(reward::Column::TransactionId.is_null())
        .filter(reward::Column::RemovedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Cancels and removes a live reward that is not issued; answers whether this call did it.
pub async fn remove_one<C: ConnectionTrait>(ctx: &Ctx, db: &C, id: i64) -> Result<bool> {
    let now = clock::now();
    let res = scope::update::<RewardTable>(ctx)
        .col_expr(reward::Column::Status, Expr::value("Cancelled"))
        .col_expr(reward::Column::RemovedAt, Expr::value(Some(now)))
        .col_expr(reward::Column::UpdatedAt, Expr::value(Some(now)))
        .filter(reward::Column::Id.eq(id))
        .filter(reward::Column::Status.ne("Issued"))
        .filter(reward::Column::TransactionId.is_null())
        .filter(reward::Column::RemovedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Which pending rewards to read.
#[derive(Debug, Clone, Default)]
pub struct PendingFilter {
    pub payout_id: Option<i64>,
    /// Rewards whose recipient is this member.
    pub member_id: Option<i64>,
    /// Rewards whose recipient is this referral.
    pub referral_id: Option<i64>,
    /// Only rewards eligible at this time (none or a past eligibility date); None: all.
    pub eligible_at: Option<DateTime<Utc>>,
}

/// Live, unpaid rewards in status Pending, oldest first.
pub async fn pending<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &PendingFilter,
) -> Result<Vec<RewardRow>> {
    let mut q = scoped::<RewardTable>(ctx)
        .filter(reward::Column::Status.eq("Pending"))
        .filter(reward::Column::TransactionId.is_null())
        .filter(reward::Column::RemovedAt.is_null());
    if let Some(p) = f.payout_id {
        q = q.filter(reward::Column::PayoutId.eq(p));
    }
    if let Some(m) = f.member_id {
        q = q
            .filter(reward::Column::MemberId.eq(m))
            .filter(reward::Column::RecipientType.eq("Member"));
    }
    if let Some(r) = f.referral_id {
        q = q
            .filter(reward::Column::ReferralId.eq(r))
            .filter(reward::Column::RecipientType.eq("Referral"));
    }
    if let Some(at) = f.eligible_at {
        q = q.filter(
            Condition::any()
                .add(reward::Column::EligibilityDate.is_null())
                .add(reward::Column::EligibilityDate.lte(at)),
        );
    }
    q.order_by_asc(reward::Column::Id).all(db).await
}

/// Marks these rewards paid by `transaction_id`, each only if still Pending and unpaid; answers
/// how many it marked (the caller compares with how many it summed).
pub async fn mark_paid<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
    transaction_id: i64,
    at: DateTime<Utc>,
) -> Result<u64> {
    let res = scope::update::<RewardTable>(ctx)
        .col_expr(reward::Column::Status, Expr::value("Issued"))
        .col_expr(
            reward::Column::TransactionId,
            Expr::value(Some(transaction_id)),
        )
        .col_expr(reward::Column::IssuedAt, Expr::value(Some(at)))
        .col_expr(reward::Column::UpdatedAt, Expr::value(Some(at)))
        .filter(reward::Column::Id.is_in(ids))
        .filter(reward::Column::Status.eq("Pending"))
        .filter(reward::Column::TransactionId.is_null())
        .filter(reward::Column::RemovedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Rewards that still owe payment with this payout method (Pending, Processing or Held).
pub async fn unpaid_with_payout<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    payout_id: i64,
) -> Result<u64> {
    scoped::<RewardTable>(ctx)
        .filter(reward::Column::PayoutId.eq(payout_id))
        .filter(reward::Column::RemovedAt.is_null())
        .filter(reward::Column::Status.is_in(["Pending", "Processing", "Held"]))
        .count(db)
        .await
}

/// Referrals (any state) matching an exact public id, email or external identifier.
pub async fn referrals_matching<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    text: &str,
) -> Result<Vec<ReferralRow>> {
    use entities::referral;
    scoped::<ReferralTable>(ctx)
        .filter(
            Condition::any()
                .add(referral::Column::PublicId.eq(text))
                .add(referral::Column::Email.eq(text.to_lowercase()))
                .add(referral::Column::ExternalIdentifier.eq(text)),
        )
        .all(db)
        .await
}

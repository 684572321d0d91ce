//! Payout methods (`pay_…`) and payout transactions (`ptx_…`), scoped by the context's org.
//!
//! A removed payout method keeps its row (`removed_at`): rewards and transactions that name it
//! still resolve it; it leaves every list and lookup.
use chrono::{DateTime, Utc};
use entities::{member, payout, payout_transaction, program, reward_rule};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::scope::scoped;
use super::Page;
use crate::domain::{clock, ids, Ctx};
use crate::error::Result;

pub use entities::payout::Entity as PayoutTable;
pub use entities::payout::Model as PayoutRow;
pub use entities::payout_transaction::Entity as TransactionTable;
pub use entities::payout_transaction::Model as TransactionRow;

pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    description: String,
    payout_type: String,
) -> Result<PayoutRow> {
    let now = clock::now();
    let am = payout::ActiveModel {
        public_id: Set(ids::new_public_id("pay")),
        org_id: Set(ctx.org_id),
        description: Set(description),
        payout_type: Set(payout_type),
        created_at: Set(now),
        updated_at: Set(now),
        removed_at: Set(None),
        ..Default::default()
    };
    Ok(am.insert(db).await?)
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    row: PayoutRow,
    description: String,
    payout_type: String,
) -> Result<PayoutRow> {
    let mut am: payout::ActiveModel = row.into();
    am.description = Set(description);
    am.payout_type = Set(payout_type);
    am.updated_at = Set(clock::now());
    Ok(am.update(db).await?)
}

pub async fn mark_removed<C: ConnectionTrait>(db: &C, row: PayoutRow) -> Result<PayoutRow> {
    let mut am: payout::ActiveModel = row.into();
    let now = clock::now();
    am.removed_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// The org's live payout method with this public id.
pub async fn find_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<PayoutRow>> {
    scoped::<PayoutTable>(ctx)
        .filter(payout::Column::PublicId.eq(public_id))
        .filter(payout::Column::RemovedAt.is_null())
        .one(db)
        .await
}

/// Live payout methods, oldest first.
pub async fn list_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<PayoutRow>> {
    scoped::<PayoutTable>(ctx)
        .filter(payout::Column::RemovedAt.is_null())
        .order_by_asc(payout::Column::Id)
        .page(db, offset, limit)
        .await
}

/// Programs whose rules name one of these payout methods: (payout public id, program).
pub async fn programs_using<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    payout_public_ids: Vec<String>,
) -> Result<Vec<(String, program::Model)>> {
    if payout_public_ids.is_empty() {
        return Ok(vec![]);
    }
    let rules = scoped::<reward_rule::Entity>(ctx)
        .filter(reward_rule::Column::PayoutId.is_in(payout_public_ids))
        .order_by_asc(reward_rule::Column::ProgramId)
        .all(db)
        .await?;
    let program_ids: Vec<i64> = rules.iter().map(|r| r.program_id).collect();
    let programs = super::scope::find_many::<program::Entity>(ctx, db, program_ids).await?;
    let mut out: Vec<(String, program::Model)> = Vec::new();
    for rule in rules {
        let (Some(pay), Some(p)) = (
            rule.payout_id,
            programs.iter().find(|p| p.id == rule.program_id),
        ) else {
            continue;
        };
        if !out.iter().any(|(q, prog)| *q == pay && prog.id == p.id) {
            out.push((pay, p.clone()));
        }
    }
    Ok(out)
}

/// What a new payout transaction records.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub payout_id: i64,
    pub recipient_type: String,
    pub member_id: i64,
    pub referral_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub reward_count: i64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_transaction<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    t: NewTransaction,
) -> Result<TransactionRow> {
    let am = payout_transaction::ActiveModel {
        public_id: Set(ids::new_public_id("ptx")),
        org_id: Set(ctx.org_id),
        payout_id: Set(t.payout_id),
        recipient_type: Set(t.recipient_type),
        member_id: Set(t.member_id),
        referral_id: Set(t.referral_id),
        amount_minor: Set(t.amount_minor),
        currency: Set(t.currency),
        reward_count: Set(t.reward_count),
        status: Set("Completed".into()),
        note: Set(t.note),
        created_at: Set(t.created_at),
        ..Default::default()
    };
    Ok(am.insert(db).await?)
}

/// Which transactions a list shows.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    /// Transactions of this member as recipient (recipient type Member).
    pub member_id: Option<i64>,
    /// Transactions of this referral as recipient.
    pub referral_id: Option<i64>,
    pub public_id: Option<String>,
}

/// Newest first.
pub async fn list_transactions<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &TransactionFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<TransactionRow>> {
    let mut q = scoped::<TransactionTable>(ctx);
    if let Some(m) = f.member_id {
        q = q
            .filter(payout_transaction::Column::MemberId.eq(m))
            .filter(payout_transaction::Column::RecipientType.eq("Member"));
    }
    if let Some(r) = f.referral_id {
        q = q.filter(payout_transaction::Column::ReferralId.eq(r));
    }
    if let Some(id) = &f.public_id {
        q = q.filter(payout_transaction::Column::PublicId.eq(id.as_str()));
    }
    q.order_by_desc(payout_transaction::Column::Id)
        .page(db, offset, limit)
        .await
}

/// Locks these members' rows until the transaction ends (`FOR UPDATE`, in id order so two
/// payers cannot deadlock) on PostgreSQL; SQLite's write transactions are already serialised.
pub async fn lock_members<C: ConnectionTrait>(ctx: &Ctx, db: &C, member_ids: &[i64]) -> Result<()> {
    if member_ids.is_empty() || db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    scoped::<member::Entity>(ctx)
        .filter(member::Column::Id.is_in(member_ids.to_vec()))
        .order_by_asc(member::Column::Id)
        .into_select()
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(())
}

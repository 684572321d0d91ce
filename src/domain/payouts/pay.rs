//! Pending payouts (what is owed, per recipient, payout method and currency) and payout
//! transactions (paying it).
//!
//! Exactly-once payment: `pay` runs in one write transaction that first locks the recipient
//! members' rows (`FOR UPDATE` on PostgreSQL; SQLite's writers already queue), reads the eligible
//! Pending rewards, inserts one transaction per (recipient, currency) and marks its rewards
//! Issued with a conditional UPDATE (`status = 'Pending' AND transaction_id IS NULL`) whose
//! affected-row count must equal the number summed; otherwise the whole transaction rolls back
//! and is tried once more, then answered 409. A reward is therefore in at most one transaction
//! and a transaction's amount is the sum of its rewards.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::domain::{clock, ids, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{MemberRow, MemberTable};
use crate::store::payouts::{
    self as store, NewTransaction, PayoutRow, PayoutTable, TransactionRow,
};
use crate::store::programs::ProgramTable;
use crate::store::reward_records::{
    self as rewards, PendingFilter, ReferralRow, ReferralTable, RewardRow,
};
use crate::store::{events, scope, Db, Page};

/// Whom a pending list or a payment is for (boxed: the rows are wide and only ids are read).
#[derive(Debug, Clone)]
enum Recipient {
    Member(Box<MemberRow>),
    Referral(Box<ReferralRow>),
}

impl Recipient {
    fn filter(&self, f: &mut PendingFilter) {
        match self {
            Recipient::Member(m) => f.member_id = Some(m.id),
            Recipient::Referral(r) => f.referral_id = Some(r.id),
        }
    }
}

/// `recipientId` (`mem_…` or `ref_…`) or the deprecated `memberId`; unknown → 404.
async fn recipient<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    recipient_id: Option<&str>,
    member_id: Option<&str>,
) -> Result<Option<Recipient>> {
    let (field, id) = match (recipient_id, member_id) {
        (Some(r), _) => ("recipientId", r.trim()),
        (None, Some(m)) => ("memberId", m.trim()),
        (None, None) => return Ok(None),
    };
    if ids::has_prefix(id, "mem") {
        let m = scope::get::<MemberTable>(ctx, db, id).await?;
        Ok(Some(Recipient::Member(Box::new(m))))
    } else if ids::has_prefix(id, "ref") && field == "recipientId" {
        let r = scope::get::<ReferralTable>(ctx, db, id).await?;
        Ok(Some(Recipient::Referral(Box::new(r))))
    } else {
        let want = if field == "recipientId" {
            "a member id (`mem_…`) or a referral id (`ref_…`)"
        } else {
            "a member id (`mem_…`)"
        };
        Err(AppError::invalid(field, format!("must be {want}")))
    }
}

fn name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    let n = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let n = n.trim().to_string();
    (!n.is_empty()).then_some(n)
}

/// Who a reward or transaction pays: (type, id, name) by the rows at hand.
struct People {
    members: Vec<MemberRow>,
    referrals: Vec<ReferralRow>,
}

impl People {
    async fn load<C: sea_orm::ConnectionTrait>(
        ctx: &Ctx,
        db: &C,
        member_ids: Vec<i64>,
        referral_ids: Vec<i64>,
    ) -> Result<People> {
        Ok(People {
            members: scope::find_many::<MemberTable>(ctx, db, member_ids).await?,
            referrals: scope::find_many::<ReferralTable>(ctx, db, referral_ids).await?,
        })
    }

    fn member(&self, id: i64) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.id == id)
    }

    fn recipient(
        &self,
        kind: &str,
        member_id: i64,
        referral_id: Option<i64>,
    ) -> (Option<String>, Option<String>) {
        if kind == "Referral" {
            let r = referral_id.and_then(|id| self.referrals.iter().find(|r| r.id == id));
            (
                r.map(|r| r.public_id.clone()),
                r.and_then(|r| name(&r.first_name, &r.last_name)),
            )
        } else {
            let m = self.member(member_id);
            (
                m.map(|m| m.public_id.clone()),
                m.and_then(|m| name(&m.first_name, &m.last_name)),
            )
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PendingInput {
    pub recipient_id: Option<String>,
    pub member_id: Option<String>,
    pub include_ineligible: bool,
}

/// What one recipient is owed with one payout method in one currency.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PendingGroup {
    pub payout_id: Option<String>,
    pub payout_description: Option<String>,
    pub reward_count: i64,
    pub amount_minor: i64,
    pub currency: String,
    /// The rewards' public ids.
    pub reward_ids: Vec<String>,
    /// The program of the group's rewards (None when they span programs).
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    pub member_id: Option<String>,
    pub member_name: Option<String>,
    pub recipient_id: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_type: String,
}

type GroupKey = (String, i64, Option<i64>, Option<i64>, String);

fn group(rows: Vec<RewardRow>) -> BTreeMap<GroupKey, Vec<RewardRow>> {
    let mut groups: BTreeMap<GroupKey, Vec<RewardRow>> = BTreeMap::new();
    for r in rows {
        let referral = (r.recipient_type == "Referral")
            .then_some(r.referral_id)
            .flatten();
        groups
            .entry((
                r.recipient_type.clone(),
                r.member_id,
                referral,
                r.payout_id,
                r.currency.clone(),
            ))
            .or_default()
            .push(r);
    }
    groups
}

/// Pending, eligible (unless `include_ineligible`) rewards grouped per recipient, payout method
/// and currency. Held, cancelled, removed and paid rewards are not pending.
pub async fn pending(ctx: &Ctx, db: &Db, input: PendingInput) -> Result<Vec<PendingGroup>> {
    let conn = db.conn();
    let mut f = PendingFilter {
        eligible_at: (!input.include_ineligible).then(clock::now),
        ..Default::default()
    };
    if let Some(r) = recipient(
        ctx,
        conn,
        input.recipient_id.as_deref(),
        input.member_id.as_deref(),
    )
    .await?
    {
        r.filter(&mut f);
    }
    let rows = rewards::pending(ctx, conn, &f).await?;
    let people = People::load(
        ctx,
        conn,
        rows.iter().map(|r| r.member_id).collect(),
        rows.iter().filter_map(|r| r.referral_id).collect(),
    )
    .await?;
    let payouts = scope::find_many::<PayoutTable>(
        ctx,
        conn,
        rows.iter().filter_map(|r| r.payout_id).collect(),
    )
    .await?;
    let programs = scope::find_many::<ProgramTable>(
        ctx,
        conn,
        rows.iter().filter_map(|r| r.program_id).collect(),
    )
    .await?;
    let mut out = Vec::new();
    for ((kind, member_id, referral_id, payout_id, currency), rows) in group(rows) {
        let payout = payout_id.and_then(|id| payouts.iter().find(|p| p.id == id));
        let program_id = rows[0].program_id;
        let program = if rows.iter().all(|r| r.program_id == program_id) {
            program_id.and_then(|id| programs.iter().find(|p| p.id == id))
        } else {
            None
        };
        let member = people.member(member_id);
        let (recipient_id, recipient_name) = people.recipient(&kind, member_id, referral_id);
        out.push(PendingGroup {
            payout_id: payout.map(|p| p.public_id.clone()),
            payout_description: payout.map(|p| p.description.clone()),
            reward_count: rows.len() as i64,
            amount_minor: rows.iter().map(|r| r.amount_minor).sum(),
            currency,
            reward_ids: rows.iter().map(|r| r.public_id.clone()).collect(),
            program_id: program.map(|p| p.public_id.clone()),
            program_name: program.map(|p| p.name.clone()),
            member_id: member.map(|m| m.public_id.clone()),
            member_name: member.and_then(|m| name(&m.first_name, &m.last_name)),
            recipient_id,
            recipient_name,
            recipient_type: kind,
        });
    }
    Ok(out)
}

/// A payout transaction as the surfaces show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TransactionView {
    pub id: String,
    pub payout_id: Option<String>,
    pub payout_type: Option<String>,
    pub payout_description: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub reward_count: i64,
    pub created_at: DateTime<Utc>,
    pub recipient_id: Option<String>,
    pub recipient_type: String,
    pub status: String,
    pub note: Option<String>,
}

fn transaction_view(
    t: &TransactionRow,
    payout: Option<&PayoutRow>,
    people: &People,
) -> TransactionView {
    let (recipient_id, _) = people.recipient(&t.recipient_type, t.member_id, t.referral_id);
    TransactionView {
        id: t.public_id.clone(),
        payout_id: payout.map(|p| p.public_id.clone()),
        payout_type: payout.map(|p| p.payout_type.clone()),
        payout_description: payout.map(|p| p.description.clone()),
        amount_minor: t.amount_minor,
        currency: t.currency.clone(),
        reward_count: t.reward_count,
        created_at: t.created_at,
        recipient_id,
        recipient_type: t.recipient_type.clone(),
        status: t.status.clone(),
        note: t.note.clone(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct PayInput {
    pub payout_id: String,
    pub recipient_id: Option<String>,
    pub member_id: Option<String>,
    pub note: Option<String>,
    pub override_ineligible: bool,
}

#[derive(Debug, Clone)]
pub struct PayResult {
    pub transactions: Vec<TransactionView>,
    pub message: String,
}

enum Attempt {
    Done(PayResult),
    /// A reward summed was paid, issued or removed by someone else meanwhile.
    Raced,
}

/// Pays every eligible Pending reward of the payout method (of one recipient, or of all): one
/// transaction per (recipient, currency). Nothing to pay is an empty result, not an error.
pub async fn pay(ctx: &Ctx, db: &Db, input: PayInput) -> Result<PayResult> {
    for _ in 0..2 {
        if let Attempt::Done(result) = pay_once(ctx, db, &input).await? {
            return Ok(result);
        }
    }
    Err(AppError::conflict(
        "rewards changed while they were being paid; retry the request",
    ))
}

async fn pay_once(ctx: &Ctx, db: &Db, input: &PayInput) -> Result<Attempt> {
    let txn = db.write(ctx).await?;
    let id = input.payout_id.trim();
    if !ids::has_prefix(id, "pay") {
        return Err(AppError::invalid(
            "payoutId",
            "is not a payout id (expected `pay_…`)",
        ));
    }
    let payout = store::find_live(ctx, &*txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("payout"))?;
    let mut f = PendingFilter {
        payout_id: Some(payout.id),
        ..Default::default()
    };
    let who = recipient(
        ctx,
        &*txn,
        input.recipient_id.as_deref(),
        input.member_id.as_deref(),
    )
    .await?;
    if let Some(r) = &who {
        r.filter(&mut f);
    }
    // Lock the members owed first, then read what they are owed: a concurrent payer of the
    // same members waits here and then finds their rewards already Issued.
    let mut member_ids: Vec<i64> = match &who {
        Some(Recipient::Member(m)) => vec![m.id],
        Some(Recipient::Referral(r)) => vec![r.member_id],
        None => rewards::pending(ctx, &*txn, &f)
            .await?
            .iter()
            .map(|r| r.member_id)
            .collect(),
    };
    member_ids.sort_unstable();
    member_ids.dedup();
    store::lock_members(ctx, &*txn, &member_ids).await?;
    let now = clock::now();
    f.eligible_at = (!input.override_ineligible).then_some(now);
    let rows = rewards::pending(ctx, &*txn, &f).await?;
    if rows.is_empty() {
        return Ok(Attempt::Done(PayResult {
            transactions: vec![],
            message: "no eligible pending rewards to pay".into(),
        }));
    }
    let people = People::load(
        ctx,
        &*txn,
        rows.iter().map(|r| r.member_id).collect(),
        rows.iter().filter_map(|r| r.referral_id).collect(),
    )
    .await?;
    let mut out = Vec::new();
    for ((kind, member_id, referral_id, _, currency), rows) in group(rows) {
        let amount: i64 = rows.iter().map(|r| r.amount_minor).sum();
        let t = store::insert_transaction(
            ctx,
            &*txn,
            NewTransaction {
                payout_id: payout.id,
                recipient_type: kind,
                member_id,
                referral_id,
                amount_minor: amount,
                currency,
                reward_count: rows.len() as i64,
                note: input.note.clone(),
                created_at: now,
            },
        )
        .await?;
        let marked =
            rewards::mark_paid(ctx, &*txn, rows.iter().map(|r| r.id).collect(), t.id, now).await?;
        if marked != rows.len() as u64 {
            drop(txn);
            return Ok(Attempt::Raced);
        }
        let view = transaction_view(&t, Some(&payout), &people);
        let reward_ids: Vec<&str> = rows.iter().map(|r| r.public_id.as_str()).collect();
        events::record(
            ctx,
            &txn,
            "PayoutTransactionAdd",
            &view.id,
            json!({"transaction": view, "rewards": reward_ids}),
        )
        .await?;
        for r in &rows {
            events::record(
                ctx,
                &txn,
                "RewardIssue",
                &r.public_id,
                json!({"reward": r.public_id, "transaction": view.id, "amount_minor": r.amount_minor, "currency": r.currency}),
            )
            .await?;
        }
        out.push(view);
    }
    txn.commit().await?;
    let message = format!("{} payout transaction(s) made", out.len());
    Ok(Attempt::Done(PayResult {
        transactions: out,
        message,
    }))
}

/// Transactions, newest first, of one recipient and/or with one id.
pub async fn list_transactions(
    ctx: &Ctx,
    db: &Db,
    recipient_id: Option<&str>,
    transaction_id: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Page<TransactionView>> {
    let conn = db.conn();
    let mut f = store::TransactionFilter {
        public_id: transaction_id.map(|s| s.trim().to_string()),
        ..Default::default()
    };
    match recipient(ctx, conn, recipient_id, None).await? {
        Some(Recipient::Member(m)) => f.member_id = Some(m.id),
        Some(Recipient::Referral(r)) => f.referral_id = Some(r.id),
        None => {}
    }
    let page = store::list_transactions(ctx, conn, &f, offset, limit).await?;
    let people = People::load(
        ctx,
        conn,
        page.items.iter().map(|t| t.member_id).collect(),
        page.items.iter().filter_map(|t| t.referral_id).collect(),
    )
    .await?;
    let payouts = scope::find_many::<PayoutTable>(
        ctx,
        conn,
        page.items.iter().map(|t| t.payout_id).collect(),
    )
    .await?;
    Ok(Page {
        items: page
            .items
            .iter()
            .map(|t| transaction_view(t, payouts.iter().find(|p| p.id == t.payout_id), &people))
            .collect(),
        total: page.total,
    })
}

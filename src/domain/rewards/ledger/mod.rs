//! Rewards as the 003 calls see and change them: the reward view, the list, manual rewards,
//! update, issue and removal. (Rule rewards are made by `rewards::apply_rules`.)
//!
//! Invariants: a reward moves Pending → Issued once (a conditional UPDATE decides, see
//! `store::reward_records`); an Issued reward never changes or goes away; a removed reward is
//! Cancelled with `removed_at` and leaves every list.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::domain::{programs, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::MemberTable;
use crate::store::payouts::{PayoutTable, TransactionTable};
use crate::store::programs::ProgramTable;
use crate::store::reward_records::{self as store, ReferralTable, RewardRow};
use crate::store::rules::RuleTable;
use crate::store::{scope, Db, Page};

mod change;
mod manual;

pub use change::{issue, remove_many, update_many, IssueOutcome, RewardChange};
pub use manual::{create_many, NewReward, RewardItem, RewardTarget};

/// Reward states, as stored and shown.
pub const STATUSES: [&str; 5] = ["Pending", "Processing", "Issued", "Held", "Cancelled"];

/// A reward as the 003 surface shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RewardView {
    pub id: String,
    pub payout_id: Option<String>,
    pub payout_description: Option<String>,
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    pub member_id: Option<String>,
    pub referral_id: Option<String>,
    /// Member or Referral.
    pub recipient_type: String,
    pub recipient_id: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub recipient_external_id: Option<String>,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub eligibility_date: Option<DateTime<Utc>>,
    pub description: Option<String>,
    pub transaction_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub rule_id: Option<String>,
    pub source: String,
    pub reason: Option<String>,
}

fn full_name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    let name = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Views of these rewards, reading each related table once.
pub(in crate::domain) async fn views<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: Vec<RewardRow>,
) -> Result<Vec<RewardView>> {
    fn ids(rows: &[RewardRow], f: impl Fn(&RewardRow) -> Option<i64>) -> Vec<i64> {
        let mut v: Vec<i64> = rows.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
    let members: HashMap<i64, _> =
        scope::find_many::<MemberTable>(ctx, db, ids(&rows, |r| Some(r.member_id)))
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let referrals: HashMap<i64, _> =
        scope::find_many::<ReferralTable>(ctx, db, ids(&rows, |r| r.referral_id))
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let programs: HashMap<i64, _> =
        scope::find_many::<ProgramTable>(ctx, db, ids(&rows, |r| r.program_id))
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let payouts: HashMap<i64, _> =
        scope::find_many::<PayoutTable>(ctx, db, ids(&rows, |r| r.payout_id))
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let transactions: HashMap<i64, _> =
        scope::find_many::<TransactionTable>(ctx, db, ids(&rows, |r| r.transaction_id))
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let rules: HashMap<i64, _> = scope::find_many::<RuleTable>(ctx, db, ids(&rows, |r| r.rule_id))
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let member = members.get(&r.member_id);
        let referral = r.referral_id.and_then(|id| referrals.get(&id));
        let (recipient_id, recipient_name, recipient_email, recipient_external_id) =
            if r.recipient_type == "Referral" {
                (
                    referral.map(|f| f.public_id.clone()),
                    referral.and_then(|f| full_name(&f.first_name, &f.last_name)),
                    referral.and_then(|f| f.email.clone()),
                    referral.and_then(|f| f.external_identifier.clone()),
                )
            } else {
                (
                    member.map(|m| m.public_id.clone()),
                    member.and_then(|m| full_name(&m.first_name, &m.last_name)),
                    member.and_then(|m| m.email.clone()),
                    member.and_then(|m| m.external_id.clone()),
                )
            };
        let program = r.program_id.and_then(|id| programs.get(&id));
        let payout = r.payout_id.and_then(|id| payouts.get(&id));
        out.push(RewardView {
            id: r.public_id,
            payout_id: payout.map(|p| p.public_id.clone()),
            payout_description: payout.map(|p| p.description.clone()),
            program_id: program.map(|p| p.public_id.clone()),
            program_name: program.map(|p| p.name.clone()),
            member_id: member.map(|m| m.public_id.clone()),
            referral_id: referral.map(|f| f.public_id.clone()),
            recipient_type: r.recipient_type,
            recipient_id,
            recipient_name,
            recipient_email,
            recipient_external_id,
            status: r.status,
            amount_minor: r.amount_minor,
            currency: r.currency,
            created_at: r.created_at,
            issued_at: r.issued_at,
            eligibility_date: r.eligibility_date,
            description: r.description,
            transaction_id: r
                .transaction_id
                .and_then(|id| transactions.get(&id))
                .map(|t| t.public_id.clone()),
            updated_at: r.updated_at,
            rule_id: r
                .rule_id
                .and_then(|id| rules.get(&id))
                .map(|x| x.public_id.clone()),
            source: r.source,
            reason: r.held_reason,
        });
    }
    Ok(out)
}

pub(in crate::domain) async fn view<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    row: RewardRow,
) -> Result<RewardView> {
    Ok(views(ctx, db, vec![row]).await?.remove(0))
}

/// A 003 `GET /api/rewards` request.
#[derive(Debug, Clone, Default)]
pub struct ListRewards {
    pub program: Option<String>,
    pub member_id: Option<String>,
    pub referral_id: Option<String>,
    pub query: Option<String>,
    pub status: Option<String>,
    pub sort: store::RewardSort,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub offset: u64,
    pub count: u64,
}

pub use crate::store::reward_records::RewardSort;

/// A status in any letter case, as stored (`pending` → `Pending`).
pub fn parse_status(field: &str, raw: &str) -> Result<String> {
    STATUSES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(raw.trim()))
        .map(|s| s.to_string())
        .ok_or_else(|| AppError::invalid(field, format!("must be one of {}", STATUSES.join(", "))))
}

/// Rewards not removed, filtered and ordered; unknown program, member or referral → empty.
pub async fn list(ctx: &Ctx, db: &Db, input: ListRewards) -> Result<Page<RewardView>> {
    let conn = db.conn();
    let empty = || Page {
        items: vec![],
        total: 0,
    };
    let mut f = store::RewardFilter {
        status: input.status,
        date_from: input.date_from,
        date_to: input.date_to,
        ..Default::default()
    };
    if let Some(p) = input.program.as_deref() {
        let found = programs::matching(ctx, conn, p).await?;
        if found.is_empty() {
            return Ok(empty());
        }
        f.program_ids = Some(found.iter().map(|p| p.id).collect());
    }
    if let Some(m) = input.member_id.as_deref() {
        match scope::find_by_public_id::<MemberTable>(ctx, conn, m).await? {
            Some(row) => f.member_id = Some(row.id),
            None => return Ok(empty()),
        }
    }
    if let Some(r) = input.referral_id.as_deref() {
        match scope::find_by_public_id::<ReferralTable>(ctx, conn, r).await? {
            Some(row) => f.referral_id = Some(row.id),
            None => return Ok(empty()),
        }
    }
    if let Some(text) = input.query.as_deref() {
        let members = crate::domain::members::matching_text(ctx, conn, text).await?;
        let referrals = store::referrals_matching(ctx, conn, text)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        f.query = Some((members, referrals, text.to_string()));
    }
    let page = store::list(ctx, conn, &f, input.sort, input.offset, input.count).await?;
    Ok(Page {
        items: views(ctx, conn, page.items).await?,
        total: page.total,
    })
}

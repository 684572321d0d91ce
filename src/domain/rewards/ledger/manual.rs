//! `POST /api/rewards`: rewards made by hand for members or referrals, each item on its own.
//!
//! A manual reward is Pending, `source` Manual, in the currency of the member's program (USD
//! for a member without one: orgs have no currency of their own), paid with the given payout
//! method or none.
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{view, RewardView};
use crate::domain::members::{exactly_one, ItemStatus, MemberQuery};
use crate::domain::referrals::{self, ReferralQuery};
use crate::domain::{values, Ctx};
use crate::error::{AppError, Result};
use crate::store::payouts as payout_store;
use crate::store::programs::ProgramTable;
use crate::store::reward_records::{self as store, NewManualReward};
use crate::store::{events, scope, Db};

/// Whom a manual reward is for.
#[derive(Debug, Clone)]
pub enum RewardTarget {
    Member(MemberQuery),
    /// The referral itself is the recipient (type Referral); its referring member is kept.
    Referral(ReferralQuery),
}

/// Who a manual reward goes to, once its query has been resolved.
struct Recipient {
    member_id: i64,
    referral_id: Option<i64>,
    recipient_type: &'static str,
    program_id: Option<i64>,
}

/// A referral query's failure as an item outcome (bad input, none, several).
fn referral_failure(err: AppError) -> Result<RewardItem> {
    let status = match &err {
        AppError::NotFound(_) => ItemStatus::NotFound,
        AppError::Conflict(_) => ItemStatus::Ambiguous,
        AppError::Invalid { .. } | AppError::Missing { .. } => ItemStatus::InvalidQuery,
        _ => return Err(err),
    };
    Ok(RewardItem::fail(status, err.public_message()))
}

#[derive(Debug, Clone)]
pub struct NewReward {
    pub target: RewardTarget,
    pub payout_id: Option<String>,
    /// Decimal text in major units, > 0.
    pub amount: String,
    pub eligibility_date: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

/// One item's outcome in a bulk reward call.
#[derive(Debug, Clone)]
pub struct RewardItem {
    pub status: ItemStatus,
    pub message: String,
    pub reward: Option<RewardView>,
}

impl RewardItem {
    pub(super) fn fail(status: ItemStatus, message: impl Into<String>) -> RewardItem {
        RewardItem {
            status,
            message: message.into(),
            reward: None,
        }
    }
}

async fn create_one(ctx: &Ctx, db: &Db, item: NewReward) -> Result<RewardItem> {
    let txn = db.write(ctx).await?;
    let recipient = match &item.target {
        RewardTarget::Member(query) => match exactly_one(ctx, &txn, query).await {
            Ok(m) => Recipient {
                member_id: m.id,
                referral_id: None,
                recipient_type: "Member",
                program_id: m.program_id,
            },
            Err(r) => return Ok(RewardItem::fail(r.status, r.message)),
        },
        RewardTarget::Referral(query) => match referrals::resolve(ctx, &*txn, query).await {
            Ok(r) => Recipient {
                member_id: r.member_id,
                referral_id: Some(r.id),
                recipient_type: "Referral",
                program_id: r.program_id,
            },
            Err(e) => return referral_failure(e),
        },
    };
    let program = match recipient.program_id {
        Some(id) => scope::find_by_id::<ProgramTable>(ctx, &*txn, id).await?,
        None => None,
    };
    let currency = program
        .as_ref()
        .map(|p| p.currency.clone())
        .unwrap_or_else(|| "USD".into());
    let amount = match values::parse_money("newReward.amount", &item.amount, &currency) {
        Ok(a) if a > 0 => a,
        Ok(_) => {
            return Ok(RewardItem::fail(
                ItemStatus::Failed,
                "newReward.amount: must be more than 0",
            ))
        }
        Err(e) => return Ok(RewardItem::fail(ItemStatus::Failed, e.to_string())),
    };
    let payout_id = match item.payout_id.as_deref() {
        None => None,
        Some(id) => match payout_store::find_live(ctx, &*txn, id).await? {
            Some(p) => Some(p.id),
            None => {
                return Ok(RewardItem::fail(
                    ItemStatus::NotFound,
                    "newReward.payoutId: no payout method with this id",
                ))
            }
        },
    };
    let row = store::insert_manual(
        ctx,
        &*txn,
        NewManualReward {
            member_id: recipient.member_id,
            referral_id: recipient.referral_id,
            recipient_type: recipient.recipient_type.into(),
            program_id: program.as_ref().map(|p| p.id),
            payout_id,
            amount_minor: amount,
            currency,
            eligibility_date: item.eligibility_date,
            description: item.description,
        },
    )
    .await?;
    let reward = view(ctx, &*txn, row).await?;
    events::record(
        ctx,
        &txn,
        "RewardAdd",
        &reward.id,
        json!({"reward": reward}),
    )
    .await?;
    txn.commit().await?;
    Ok(RewardItem {
        status: ItemStatus::Success,
        message: "reward added".into(),
        reward: Some(reward),
    })
}

/// Creates each reward on its own: one bad item does not stop the others.
pub async fn create_many(ctx: &Ctx, db: &Db, items: Vec<NewReward>) -> Result<Vec<RewardItem>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(create_one(ctx, db, item).await?);
    }
    Ok(out)
}

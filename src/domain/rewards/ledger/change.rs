//! Changing rewards: update terms, issue one, remove (cancel). Each decided by a conditional
//! UPDATE, so a concurrent issue, payment or removal can win only once.
use chrono::{DateTime, Utc};
use serde_json::json;

use super::manual::RewardItem;
use super::{view, RewardView};
use crate::domain::members::ItemStatus;
use crate::domain::{clock, values, Ctx};
use crate::error::{AppError, Result};
use crate::store::payouts as payout_store;
use crate::store::reward_records::{self as store, RewardRow};
use crate::store::{events, Db, WriteTxn};

/// One `rewards/update` item; absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct RewardChange {
    pub reward_id: String,
    pub payout_id: Option<String>,
    pub amount: Option<String>,
    pub eligibility_date: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

fn final_state(row: &RewardRow) -> Option<String> {
    match row.status.as_str() {
        "Issued" | "Cancelled" => Some(row.status.clone()),
        _ if row.transaction_id.is_some() => Some("Issued".into()),
        _ => None,
    }
}

async fn update_one(ctx: &Ctx, db: &Db, c: RewardChange) -> Result<RewardItem> {
    let txn = db.write(ctx).await?;
    let Some(row) = store::find_live(ctx, &*txn, &c.reward_id).await? else {
        return Ok(RewardItem::fail(
            ItemStatus::NotFound,
            "no reward with this rewardId",
        ));
    };
    if let Some(state) = final_state(&row) {
        return Ok(RewardItem::fail(
            ItemStatus::Failed,
            format!("the reward is {state}; it cannot be changed"),
        ));
    }
    let payout_id = match c.payout_id.as_deref() {
        None => row.payout_id,
        Some(id) => match payout_store::find_live(ctx, &*txn, id).await? {
            Some(p) => Some(p.id),
            None => {
                return Ok(RewardItem::fail(
                    ItemStatus::NotFound,
                    "payoutId: no payout method with this id",
                ))
            }
        },
    };
    let amount = match c.amount.as_deref() {
        None => row.amount_minor,
        Some(a) => match values::parse_money("amount", a, &row.currency) {
            Ok(a) if a > 0 => a,
            Ok(_) => {
                return Ok(RewardItem::fail(
                    ItemStatus::Failed,
                    "amount: must be more than 0",
                ))
            }
            Err(e) => return Ok(RewardItem::fail(ItemStatus::Failed, e.to_string())),
        },
    };
    let before = view(ctx, &*txn, row.clone()).await?;
    let changed = store::update_terms(
        ctx,
        &*txn,
        row.id,
        payout_id,
        amount,
        c.eligibility_date.or(row.eligibility_date),
        c.description.or(row.description.clone()),
    )
    .await?;
    if !changed {
        return Ok(RewardItem::fail(
            ItemStatus::Failed,
            "the reward was issued or removed meanwhile; it cannot be changed",
        ));
    }
    let after = reread(ctx, &txn, row.id).await?;
    events::record(
        ctx,
        &txn,
        "RewardUpdate",
        &after.id,
        json!({"before": before, "after": after}),
    )
    .await?;
    txn.commit().await?;
    Ok(RewardItem {
        status: ItemStatus::Success,
        message: "reward updated".into(),
        reward: Some(after),
    })
}

async fn reread(ctx: &Ctx, txn: &WriteTxn, id: i64) -> Result<RewardView> {
    let row = store::by_id(ctx, &**txn, id)
        .await?
        .ok_or_else(|| AppError::Internal("reward vanished".into()))?;
    view(ctx, &**txn, row).await
}

/// Applies each change on its own.
pub async fn update_many(ctx: &Ctx, db: &Db, items: Vec<RewardChange>) -> Result<Vec<RewardItem>> {
    let mut out = Vec::with_capacity(items.len());
    for c in items {
        out.push(update_one(ctx, db, c).await?);
    }
    Ok(out)
}

async fn remove_one(ctx: &Ctx, db: &Db, reward_id: &str) -> Result<RewardItem> {
    let txn = db.write(ctx).await?;
    let Some(row) = store::find_live(ctx, &*txn, reward_id).await? else {
        return Ok(RewardItem::fail(
            ItemStatus::NotFound,
            "no reward with this id",
        ));
    };
    if final_state(&row).as_deref() == Some("Issued") {
        return Ok(RewardItem::fail(
            ItemStatus::Failed,
            "the reward is Issued; it cannot be removed",
        ));
    }
    if !store::remove_one(ctx, &*txn, row.id).await? {
        return Ok(RewardItem::fail(
            ItemStatus::Failed,
            "the reward was issued or removed meanwhile",
        ));
    }
    let removed = reread(ctx, &txn, row.id).await?;
    events::record(
        ctx,
        &txn,
        "RewardDelete",
        &removed.id,
        json!({"reward": removed}),
    )
    .await?;
    txn.commit().await?;
    Ok(RewardItem {
        status: ItemStatus::Success,
        message: "reward removed".into(),
        reward: Some(removed),
    })
}

/// Removes (cancels) each reward on its own; issued rewards stay.
pub async fn remove_many(ctx: &Ctx, db: &Db, ids: Vec<String>) -> Result<Vec<RewardItem>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(remove_one(ctx, db, &id).await?);
    }
    Ok(out)
}

/// The result of `rewards/issue`: the reward as it is after the attempt, and the outcome.
#[derive(Debug, Clone)]
pub struct IssueOutcome {
    pub reward: RewardView,
    pub status: ItemStatus,
    pub message: String,
}

/// Issues one Pending reward now (its eligibility date must have come unless
/// `override_ineligible`). Another org's or an unknown reward is a 404; a reward in another
/// state is a Failed outcome naming it.
pub async fn issue(
    ctx: &Ctx,
    db: &Db,
    reward_id: &str,
    note: Option<String>,
    override_ineligible: bool,
) -> Result<IssueOutcome> {
    let txn = db.write(ctx).await?;
    let row = store::find_live(ctx, &*txn, reward_id)
        .await?
        .ok_or_else(|| AppError::not_found("reward"))?;
    // Serialise with payouts of the same member (PostgreSQL; SQLite writers already queue).
    payout_store::lock_members(ctx, &*txn, &[row.member_id]).await?;
    let row = store::by_id(ctx, &*txn, row.id)
        .await?
        .ok_or_else(|| AppError::not_found("reward"))?;
    let now = clock::now();
    let refusal = if let Some(state) = final_state(&row) {
        Some(format!(
            "the reward is {state}; only a Pending reward can be issued"
        ))
    } else if row.status != "Pending" {
        Some(format!(
            "the reward is {}; only a Pending reward can be issued",
            row.status
        ))
    } else {
        match row.eligibility_date {
            Some(at) if at > now && !override_ineligible => Some(format!(
                "the reward is not eligible before {}; pass overrideIneligible=true to issue it now",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            _ => None,
        }
    };
    if let Some(message) = refusal {
        let reward = view(ctx, &*txn, row).await?;
        return Ok(IssueOutcome {
            reward,
            status: ItemStatus::Failed,
            message,
        });
    }
    if !store::issue_one(ctx, &*txn, row.id, note, now).await? {
        let reward = reread(ctx, &txn, row.id).await?;
        return Ok(IssueOutcome {
            message: format!("the reward is {}; it was issued meanwhile", reward.status),
            reward,
            status: ItemStatus::Failed,
        });
    }
    let reward = reread(ctx, &txn, row.id).await?;
    events::record(
        ctx,
        &txn,
        "RewardIssue",
        &reward.id,
        json!({"reward": reward}),
    )
    .await?;
    txn.commit().await?;
    Ok(IssueOutcome {
        reward,
        status: ItemStatus::Success,
        message: "reward issued".into(),
    })
}

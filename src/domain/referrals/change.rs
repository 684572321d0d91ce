//! Changing a referral inside the caller's write transaction: the status machine, the dates a
//! status reaches, the rules a status fires, the rewards a denial cancels, and the events.
//!
//! Invariant: a change that changes nothing writes nothing (no row update, no event); every
//! other change writes ReferralUpdate, and a status change also ReferralStatusChange (payload
//! `from`, `to`, `referral`), in the transaction of the change.
use serde_json::json;

use super::create::fire_for_status;
use super::status::{transition, Move, ReferralStatus};
use super::view::{load_one, Referral};
use crate::domain::Ctx;
use crate::error::Result;
use crate::scripting::Scripts;
use crate::store::referrals::{self as store, ReferralRow};
use crate::store::{events, WriteTxn};

/// Reward statuses a denial or a removal cancels (issued and processing ones stay).
pub(super) const CANCELLABLE: [&str; 2] = ["Pending", "Held"];

pub(super) struct StatusOutcome {
    pub referral: Referral,
    /// Did anything change (and get written)?
    #[allow(dead_code, reason = "read by the bulk update, next")]
    pub changed: bool,
}

pub(super) fn status_of(row: &ReferralRow) -> ReferralStatus {
    ReferralStatus::parse("status", &row.status).unwrap_or(ReferralStatus::Pending)
}

/// Saves `row` (whose fields the caller may have changed: `fields_changed`) with the status
/// move to `to`, if any; an illegal move is a 409 naming the current status.
pub(super) async fn change_status(
    ctx: &Ctx,
    txn: &WriteTxn,
    scripts: &Scripts,
    mut row: ReferralRow,
    to: Option<ReferralStatus>,
    fields_changed: bool,
) -> Result<StatusOutcome> {
    let from = status_of(&row);
    let moved = match to {
        Some(to) => match transition(from, to, row.qualified_at.is_some())? {
            Move::To(to) => Some(to),
            Move::Unchanged => None,
        },
        None => None,
    };
    if moved.is_none() && !fields_changed {
        return Ok(StatusOutcome {
            referral: load_one(ctx, txn, row).await?,
            changed: false,
        });
    }
    let now = crate::domain::clock::now();
    if let Some(to) = moved {
        row.status = to.as_str().into();
        match to {
            ReferralStatus::Qualified => row.qualified_at = row.qualified_at.or(Some(now)),
            ReferralStatus::Approved => row.approved_at = row.approved_at.or(Some(now)),
            _ => {}
        }
    }
    row.updated_at = Some(now);
    let row = store::save(txn, row).await?;
    let id = row.id;
    let referral = load_one(ctx, txn, row).await?;
    let payload = referral.payload();
    events::record(
        ctx,
        txn,
        "ReferralUpdate",
        &referral.public_id,
        payload.clone(),
    )
    .await?;
    if let Some(to) = moved {
        events::record(
            ctx,
            txn,
            "ReferralStatusChange",
            &referral.public_id,
            json!({"from": from.as_vendor(), "to": to.as_vendor(), "referral": payload}),
        )
        .await?;
        if to == ReferralStatus::Denied {
            store::move_rewards(ctx, txn, id, &CANCELLABLE, "Cancelled").await?;
        } else {
            fire_for_status(ctx, txn, scripts, id, to).await?;
        }
    }
    Ok(StatusOutcome {
        referral,
        changed: true,
    })
}

//! Held referrals (fraud review): list them, release one (its Held rewards become Pending) or
//! deny it (status denied; its Held and Pending rewards become Cancelled).
//!
//! A held referral keeps its 003 status; only the native surface shows the hold.
use serde_json::json;

use super::change::{change_status, StatusOutcome};
use super::status::ReferralStatus;
use super::view::{load_many, load_one, Referral};
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::referrals::{self as store, ListFilter, Sort};
use crate::store::{events, Db, Page};

/// A live referral by public id (the native view).
pub async fn get(ctx: &Ctx, db: &Db, public_id: &str) -> Result<Referral> {
    let row = store::find_live(ctx, db.conn(), public_id, false)
        .await?
        .ok_or_else(|| AppError::not_found("referral"))?;
    load_one(ctx, db.conn(), row).await
}

/// Held referrals, newest first.
pub async fn held(ctx: &Ctx, db: &Db, offset: u64, limit: u64) -> Result<Page<Referral>> {
    let filter = ListFilter {
        held: true,
        ..Default::default()
    };
    let page = store::list(ctx, db.conn(), &filter, Sort::CreatedDesc, offset, limit).await?;
    Ok(Page {
        items: load_many(ctx, db.conn(), page.items).await?,
        total: page.total,
    })
}

async fn held_row(
    ctx: &Ctx,
    txn: &crate::store::WriteTxn,
    public_id: &str,
) -> Result<store::ReferralRow> {
    let row = store::find_live(ctx, txn, public_id, true)
        .await?
        .ok_or_else(|| AppError::not_found("referral"))?;
    if row.held_reason.is_none() {
        return Err(AppError::conflict("the referral is not held"));
    }
    Ok(row)
}

/// Clears the hold; the referral's Held rewards become Pending.
pub async fn release(ctx: &Ctx, db: &Db, public_id: &str) -> Result<Referral> {
    let txn = db.write(ctx).await?;
    let mut row = held_row(ctx, &txn, public_id).await?;
    let reason = row.held_reason.take();
    row.updated_at = Some(crate::domain::clock::now());
    let row = store::save(&txn, row).await?;
    store::move_rewards(ctx, &txn, row.id, &["Held"], "Pending").await?;
    let r = load_one(ctx, &txn, row).await?;
    let mut payload = r.payload();
    payload["releasedHold"] = json!(reason);
    events::record(ctx, &txn, "ReferralUpdate", &r.public_id, payload).await?;
    txn.commit().await?;
    Ok(r)
}

/// Denies a held referral: status denied (the status machine applies: an approved referral
/// cannot be denied), the hold cleared, its Held and Pending rewards Cancelled.
pub async fn deny(ctx: &Ctx, db: &Db, scripts: &Scripts, public_id: &str) -> Result<Referral> {
    let txn = db.write(ctx).await?;
    let mut row = held_row(ctx, &txn, public_id).await?;
    row.held_reason = None;
    let StatusOutcome { referral, .. } =
        change_status(ctx, &txn, scripts, row, Some(ReferralStatus::Denied), true).await?;
    txn.commit().await?;
    Ok(referral)
}

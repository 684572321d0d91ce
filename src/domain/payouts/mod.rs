//! Payout methods (`pay_…`): how rewards are paid (a description and a payout type such as
//! PayPal or gift card). Removal is soft and refused while unpaid rewards still use the method.
//! Pending payouts and payout transactions are in `pay`.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{ids, Ctx};
use crate::error::{AppError, Result};
use crate::store::payouts::{self as store, PayoutRow};
use crate::store::reward_records as reward_store;
use crate::store::{events, Db, Page};

mod pay;

pub use pay::{
    list_transactions, pay, pending, PayInput, PayResult, PendingGroup, PendingInput,
    TransactionView,
};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PayoutView {
    pub id: String,
    pub description: String,
    pub payout_type: String,
    /// Programs whose rules pay with this method: (public id, name).
    pub programs: Vec<(String, String)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn plain(row: &PayoutRow) -> PayoutView {
    PayoutView {
        id: row.public_id.clone(),
        description: row.description.clone(),
        payout_type: row.payout_type.clone(),
        programs: vec![],
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn with_programs<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: &[PayoutRow],
) -> Result<Vec<PayoutView>> {
    let using =
        store::programs_using(ctx, db, rows.iter().map(|r| r.public_id.clone()).collect()).await?;
    Ok(rows
        .iter()
        .map(|r| PayoutView {
            programs: using
                .iter()
                .filter(|(pay, _)| *pay == r.public_id)
                .map(|(_, p)| (p.public_id.clone(), p.name.clone()))
                .collect(),
            ..plain(r)
        })
        .collect())
}

/// A payout method's settable fields, checked.
#[derive(Debug, Clone, Default)]
pub struct PayoutInput {
    pub description: Option<String>,
    pub payout_type: Option<String>,
}

fn required(field: &str, v: Option<String>) -> Result<String> {
    let v = v.map(|s| s.trim().to_string()).unwrap_or_default();
    if v.is_empty() {
        return Err(AppError::missing(
            field,
            "is required and must not be blank",
        ));
    }
    Ok(v)
}

fn check_id(id: &str) -> Result<&str> {
    if ids::has_prefix(id, "pay") {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "id",
            "is not a payout id (expected `pay_…`)",
        ))
    }
}

async fn live<C: sea_orm::ConnectionTrait>(ctx: &Ctx, db: &C, id: &str) -> Result<PayoutRow> {
    store::find_live(ctx, db, check_id(id)?)
        .await?
        .ok_or_else(|| AppError::not_found("payout"))
}

pub async fn create(ctx: &Ctx, db: &Db, input: PayoutInput) -> Result<PayoutView> {
    let description = required("description", input.description)?;
    let payout_type = required("payoutType", input.payout_type)?;
    let txn = db.write(ctx).await?;
    let row = store::insert(ctx, &*txn, description, payout_type).await?;
    let view = plain(&row);
    events::record(ctx, &txn, "PayoutAdd", &view.id, json!({"payout": view})).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get(ctx: &Ctx, db: &Db, id: &str) -> Result<PayoutView> {
    let row = live(ctx, db.conn(), id).await?;
    Ok(with_programs(ctx, db.conn(), &[row]).await?.remove(0))
}

pub async fn list(ctx: &Ctx, db: &Db, offset: u64, limit: u64) -> Result<Page<PayoutView>> {
    let page = store::list_live(ctx, db.conn(), offset, limit).await?;
    Ok(Page {
        items: with_programs(ctx, db.conn(), &page.items).await?,
        total: page.total,
    })
}

/// Changes the given fields; absent ones stay.
pub async fn update(ctx: &Ctx, db: &Db, id: &str, input: PayoutInput) -> Result<PayoutView> {
    let description = input
        .description
        .map(|d| required("description", Some(d)))
        .transpose()?;
    let payout_type = input
        .payout_type
        .map(|d| required("payoutType", Some(d)))
        .transpose()?;
    let txn = db.write(ctx).await?;
    let row = live(ctx, &*txn, id).await?;
    let before = plain(&row);
    let row = store::update(
        &*txn,
        row.clone(),
        description.unwrap_or(row.description),
        payout_type.unwrap_or(row.payout_type),
    )
    .await?;
    let after = with_programs(ctx, &*txn, &[row]).await?.remove(0);
    events::record(
        ctx,
        &txn,
        "PayoutUpdate",
        &after.id,
        json!({"before": before, "after": after}),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes a payout method no unpaid reward uses (409 otherwise); paid history keeps naming it.
pub async fn delete(ctx: &Ctx, db: &Db, id: &str) -> Result<PayoutView> {
    let txn = db.write(ctx).await?;
    let row = live(ctx, &*txn, id).await?;
    let unpaid = reward_store::unpaid_with_payout(ctx, &*txn, row.id).await?;
    if unpaid > 0 {
        return Err(AppError::conflict(format!(
            "{unpaid} unpaid reward(s) use this payout method; pay, move or remove them first"
        )));
    }
    let row = store::mark_removed(&*txn, row).await?;
    let view = plain(&row);
    events::record(ctx, &txn, "PayoutDelete", &view.id, json!({"payout": view})).await?;
    txn.commit().await?;
    Ok(view)
}

/// Payout methods by public id (for rule views): (public id → (description, type)).
pub async fn describe(
    ctx: &Ctx,
    db: &Db,
    public_ids: Vec<String>,
) -> Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for id in public_ids {
        if let Some(p) = store::find_live(ctx, db.conn(), &id).await? {
            out.push((p.public_id, p.description, p.payout_type));
        }
    }
    Ok(out)
}

//! The bulk changes of 003: `referral/update` (fields and status by query), `referrals/status`
//! (status by id) and `referral/remove` (soft delete by query). Each item runs in a write
//! transaction of its own, so one item's failure (an illegal move, a duplicate customer) leaves
//! the others done and leaves nothing of itself behind — on PostgreSQL too, where a refused
//! statement spoils the rest of its transaction.
use super::change::{change_status, CANCELLABLE};
use super::identity;
use super::query::{row_by_query, ReferralQuery};
use super::status::ReferralStatus;
use super::view::{load_one, Details, Referral};
use crate::domain::members::ItemStatus;
use crate::domain::values::{self, Email};
use crate::domain::{programs, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::referrals::{self as store, ReferralRow};
use crate::store::{events, unique_violation, Db};

/// One item's outcome.
#[derive(Debug)]
pub struct ReferralItemResult {
    pub status: ItemStatus,
    pub message: String,
    /// The referral after the change (for removals: as removed).
    pub referral: Option<Referral>,
    /// The error, for callers that answer a single item with a status code.
    pub error: Option<AppError>,
}

impl ReferralItemResult {
    fn ok(message: &str, referral: Referral) -> Self {
        ReferralItemResult {
            status: ItemStatus::Success,
            message: message.into(),
            referral: Some(referral),
            error: None,
        }
    }

    fn failed(err: AppError, finding: bool) -> Self {
        let status = match (&err, finding) {
            (AppError::NotFound(_), _) => ItemStatus::NotFound,
            (AppError::Conflict(_), true) => ItemStatus::Ambiguous,
            (AppError::Invalid { .. } | AppError::Missing { .. }, true) => ItemStatus::InvalidQuery,
            _ => ItemStatus::Failed,
        };
        ReferralItemResult {
            status,
            message: err.public_message(),
            referral: None,
            error: Some(err),
        }
    }
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ReferralChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    /// Decimal, in the referral's currency.
    pub amount: Option<String>,
    /// Any letter case.
    pub status: Option<String>,
    pub details: Details,
}

fn set(field: &mut Option<String>, value: Option<String>, changed: &mut bool) {
    if let Some(v) = value.map(|v| v.trim().to_string()) {
        let v = (!v.is_empty()).then_some(v);
        if *field != v {
            *field = v;
            *changed = true;
        }
    }
}

/// Applies `c` to `row`; answers the status asked for and whether any field changed.
fn apply(row: &mut ReferralRow, c: ReferralChanges) -> Result<(Option<ReferralStatus>, bool)> {
    let to = c
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| ReferralStatus::parse("status", s))
        .transpose()?;
    let mut changed = false;
    set(&mut row.first_name, c.first_name, &mut changed);
    set(&mut row.last_name, c.last_name, &mut changed);
    set(&mut row.phone_number, c.phone, &mut changed);
    set(&mut row.external_identifier, c.external_id, &mut changed);
    if let Some(e) = c.email.map(|e| e.trim().to_string()) {
        let email = if e.is_empty() {
            None
        } else {
            Some(Email::parse(&e).map_err(|m| AppError::invalid("email", m))?)
        };
        let key = email.as_ref().map(identity::mailbox);
        let text = email.map(Email::into_inner);
        if row.email != text {
            row.email = text;
            row.email_key = key;
            changed = true;
        }
    }
    if let Some(a) = c.amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        let currency = row.currency.clone().unwrap_or_else(|| "USD".into());
        let minor = Some(values::parse_money("amount", a, &currency)?);
        if row.amount_minor != minor {
            row.amount_minor = minor;
            changed = true;
        }
    }
    let mut details = Details::from_column(row.details.as_deref());
    let before = details.clone();
    details.merge(c.details);
    if details != before {
        row.details = details.to_column();
        changed = true;
    }
    Ok((to, changed))
}

/// A refused update: a duplicate customer names the referral that has it.
async fn duplicate(ctx: &Ctx, db: &Db, err: AppError, row: &ReferralRow) -> AppError {
    let AppError::Db(db_err) = &err else {
        return err;
    };
    if unique_violation(db_err).is_none() {
        return err;
    }
    let Some(program_id) = row.program_id else {
        return AppError::conflict("this customer already is a referral of the program");
    };
    match store::find_duplicate(
        ctx,
        db.conn(),
        program_id,
        row.email_key.as_deref(),
        row.external_identifier.as_deref(),
        Some(row.id),
    )
    .await
    {
        Ok(Some(other)) => AppError::conflict(format!(
            "referral `{}` already is this customer in the program",
            other.public_id
        )),
        _ => AppError::conflict("this customer already is a referral of the program"),
    }
}

async fn update_one(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    query: &ReferralQuery,
    changes: ReferralChanges,
) -> ReferralItemResult {
    let txn = match db.write(ctx).await {
        Ok(t) => t,
        Err(e) => return ReferralItemResult::failed(e, false),
    };
    let row = match row_by_query(ctx, &txn, query).await {
        Ok(r) => r,
        Err(e) => return ReferralItemResult::failed(e, true),
    };
    let row = match store::lock_by_id(ctx, &txn, row.id).await {
        Ok(Some(r)) => r,
        Ok(None) => return ReferralItemResult::failed(AppError::not_found("referral"), true),
        Err(e) => return ReferralItemResult::failed(e, false),
    };
    let mut changed_row = row.clone();
    let (to, changed) = match apply(&mut changed_row, changes) {
        Ok(x) => x,
        Err(e) => return ReferralItemResult::failed(e, false),
    };
    let outcome = match change_status(ctx, &txn, scripts, changed_row.clone(), to, changed).await {
        Ok(o) => o,
        Err(e) => {
            drop(txn);
            return ReferralItemResult::failed(duplicate(ctx, db, e, &changed_row).await, false);
        }
    };
    if let Err(e) = txn.commit().await {
        return ReferralItemResult::failed(e, false);
    }
    let message = if outcome.changed {
        "Success"
    } else {
        "Success: nothing to change"
    };
    ReferralItemResult::ok(message, outcome.referral)
}

/// `referral/update`: each item's query must name one live referral; only given fields change;
/// a status move follows the machine (an illegal one fails the item naming the current status).
pub async fn update_many(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    items: Vec<(ReferralQuery, ReferralChanges)>,
) -> Result<Vec<ReferralItemResult>> {
    let mut out = Vec::with_capacity(items.len());
    for (query, changes) in items {
        out.push(update_one(ctx, db, scripts, &query, changes).await);
    }
    Ok(out)
}

/// One `referrals/status` item.
#[derive(Debug, Clone, Default)]
pub struct StatusChange {
    pub referral_id: String,
    /// Program id, name or title the referral must be in.
    pub program: Option<String>,
    pub status: String,
    pub amount: Option<String>,
    pub public_note: Option<String>,
}

/// `referrals/status`: each item names a referral by id (and optionally its program).
pub async fn set_statuses(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    items: Vec<StatusChange>,
) -> Result<Vec<ReferralItemResult>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(p) = item
            .program
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let program = match programs::resolve(ctx, db.conn(), "programId", p).await {
                Ok(p) => p,
                Err(e) => {
                    out.push(ReferralItemResult::failed(e, true));
                    continue;
                }
            };
            let in_program = store::find_live(ctx, db.conn(), item.referral_id.trim(), false)
                .await?
                .is_some_and(|r| r.program_id == Some(program.id));
            if !in_program {
                out.push(ReferralItemResult::failed(
                    AppError::not_found("referral in this program"),
                    true,
                ));
                continue;
            }
        }
        let query = ReferralQuery {
            referral_id: Some(item.referral_id),
            ..Default::default()
        };
        let changes = ReferralChanges {
            status: Some(item.status),
            amount: item.amount,
            details: Details {
                public_note: item.public_note,
                ..Default::default()
            },
            ..Default::default()
        };
        out.push(update_one(ctx, db, scripts, &query, changes).await);
    }
    Ok(out)
}

async fn remove_one(ctx: &Ctx, db: &Db, query: &ReferralQuery) -> ReferralItemResult {
    let run = async {
        let txn = db.write(ctx).await?;
        let row = row_by_query(ctx, &txn, query).await?;
        let mut row = store::lock_by_id(ctx, &txn, row.id)
            .await?
            .ok_or_else(|| AppError::not_found("referral"))?;
        let now = crate::domain::clock::now();
        row.removed_at = Some(now);
        row.updated_at = Some(now);
        let row = store::save(&txn, row).await?;
        store::move_rewards(ctx, &txn, row.id, &CANCELLABLE, "Cancelled").await?;
        let r = load_one(ctx, &txn, row).await?;
        events::record(ctx, &txn, "ReferralDelete", &r.public_id, r.payload()).await?;
        txn.commit().await?;
        Ok::<_, AppError>(r)
    };
    match run.await {
        Ok(r) => ReferralItemResult::ok("Success", r),
        Err(e) => ReferralItemResult::failed(e, true),
    }
}

/// `referral/remove`: soft delete (the row and its history stay; it leaves every list and
/// query); its rewards not yet issued (Pending, Held) are Cancelled.
pub async fn remove_many(
    ctx: &Ctx,
    db: &Db,
    queries: Vec<ReferralQuery>,
) -> Result<Vec<ReferralItemResult>> {
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        out.push(remove_one(ctx, db, &q).await);
    }
    Ok(out)
}

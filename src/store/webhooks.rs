//! Webhook subscriptions and deliveries (migration `m20261122_000011`).
//!
//! Invariants:
//! - Deliveries are created only by `fan_out`, inside the transaction that writes their events
//!   (`WriteTxn::finish`), one per (live subscription, event); the unique index on
//!   (webhook_id, event_id) makes a second fan-out of the same event a no-op.
//! - A worker owns a delivery from `claim` until `locked_until`; the claim is one statement
//!   (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` on PostgreSQL), so two
//!   instances never claim the same row at once.
//! - `status = 'pending'` is written into the SQL, never bound, so both databases can use the
//!   partial index `ix_webhook_delivery_due`.
use chrono::{DateTime, Utc};
use entities::{event, webhook, webhook_delivery};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set, Statement,
    Value,
};

use super::scope::{scoped, update};
use super::{placeholder, Page, WriteTxn};
use crate::domain::Ctx;
use crate::error::Result;

pub use entities::webhook::Model as WebhookRow;
pub use entities::webhook_delivery::Model as DeliveryRow;

/// The SQL condition of a live subscription (not unsubscribed, not disabled by a 410).
const LIVE: &str = "webhook.deleted_at IS NULL AND webhook.disabled_at IS NULL";

/// Creates a `pending` delivery, due now, for every live subscription of its org to each of
/// these events (by public id). Answers how many were created. The message id joins the
/// event's and the subscription's ids, so it is the same however often this runs.
pub(super) async fn fan_out<C: ConnectionTrait>(db: &C, event_ids: &[&str]) -> Result<u64, DbErr> {
    if event_ids.is_empty() {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    let marks: Vec<String> = (0..event_ids.len())
        .map(|i| placeholder(backend, i))
        .collect();
    let sql = format!(
        "INSERT INTO webhook_delivery (public_id, org_id, webhook_id, event_id, event_type, \
         target_url, status, attempts, next_attempt_at, created_at, updated_at) \
         SELECT 'msg_' || substr(event.public_id, 5) || substr(webhook.public_id, 5), \
         event.org_id, webhook.id, event.id, event.event_type, webhook.target_url, 'pending', 0, \
         event.created_at, event.created_at, event.created_at \
         FROM event JOIN webhook ON webhook.org_id = event.org_id \
         AND webhook.event = event.event_type AND {LIVE} \
         WHERE event.public_id IN ({}) \
         ON CONFLICT (webhook_id, event_id) DO NOTHING",
        marks.join(", ")
    );
    let values: Vec<Value> = event_ids.iter().map(|id| (*id).into()).collect();
    let done = db
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(done.rows_affected())
}

/// A new subscription's fields.
pub struct NewWebhook<'a> {
    pub public_id: String,
    pub event: &'a str,
    pub target_url: &'a str,
    pub secret: String,
}

pub async fn insert(ctx: &Ctx, txn: &WriteTxn, new: NewWebhook<'_>) -> Result<WebhookRow> {
    let now = crate::domain::clock::now();
    let row = webhook::ActiveModel {
        public_id: Set(new.public_id),
        org_id: Set(ctx.org_id),
        event: Set(new.event.to_string()),
        target_url: Set(new.target_url.to_string()),
        secret: Set(new.secret),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(webhook::Entity::insert(row)
        .exec_with_returning(txn)
        .await?)
}

/// The org's subscription with this public id, unless unsubscribed.
pub async fn find_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<WebhookRow>> {
    scoped::<webhook::Entity>(ctx)
        .filter(webhook::Column::PublicId.eq(public_id))
        .filter(webhook::Column::DeletedAt.is_null())
        .one(db)
        .await
}

/// The org's subscriptions (not unsubscribed), oldest first.
pub async fn list_live<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    offset: u64,
    limit: u64,
) -> Result<Page<WebhookRow>> {
    scoped::<webhook::Entity>(ctx)
        .filter(webhook::Column::DeletedAt.is_null())
        .order_by_asc(webhook::Column::Id)
        .page(db, offset, limit)
        .await
}

/// The org's subscriptions with these numeric ids, unsubscribed ones included (the history
/// names the subscription of each delivery).
pub async fn by_ids<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
) -> Result<Vec<WebhookRow>> {
    scoped::<webhook::Entity>(ctx)
        .filter(webhook::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// Rotates a live subscription's secret in one statement: the current one becomes the previous
/// one, signing until `overlap_until`. `None` when it is not live (unsubscribed meanwhile).
pub async fn rotate_secret(
    ctx: &Ctx,
    txn: &WriteTxn,
    id: i64,
    secret: &str,
    overlap_until: DateTime<Utc>,
) -> Result<Option<WebhookRow>> {
    use webhook::Column as W;
    let rows = update::<webhook::Entity>(ctx)
        .col_expr(W::PreviousSecret, Expr::col(W::Secret))
        .col_expr(W::Secret, Expr::value(secret))
        .col_expr(W::PreviousSecretUntil, Expr::value(overlap_until))
        .col_expr(W::UpdatedAt, Expr::value(crate::domain::clock::now()))
        .filter(W::Id.eq(id))
        .filter(W::DeletedAt.is_null())
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Enables a subscription a 410 disabled, unless it was unsubscribed meanwhile.
pub async fn enable(ctx: &Ctx, txn: &WriteTxn, id: i64) -> Result<Option<WebhookRow>> {
    use webhook::Column as W;
    let rows = update::<webhook::Entity>(ctx)
        .col_expr(W::DisabledAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(W::DisabledReason, Expr::value(Option::<String>::None))
        .col_expr(W::UpdatedAt, Expr::value(crate::domain::clock::now()))
        .filter(W::Id.eq(id))
        .filter(W::DeletedAt.is_null())
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Marks a subscription unsubscribed and cancels its pending deliveries.
pub async fn mark_deleted(ctx: &Ctx, txn: &WriteTxn, id: i64) -> Result<()> {
    let now = crate::domain::clock::now();
    update::<webhook::Entity>(ctx)
        .col_expr(webhook::Column::DeletedAt, Expr::value(now))
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(id))
        .exec(txn)
        .await?;
    cancel_pending(txn, id, now).await?;
    Ok(())
}

async fn cancel_pending<C: ConnectionTrait>(
    db: &C,
    webhook_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value("cancelled"))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .filter(Expr::cust("webhook_delivery.status = 'pending'"))
        .exec(db)
        .await?;
    Ok(())
}

/// The org's deliveries of one event type, newest first.
pub async fn history<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    event_type: &str,
    offset: u64,
    limit: u64,
) -> Result<Page<DeliveryRow>> {
    scoped::<webhook_delivery::Entity>(ctx)
        .filter(webhook_delivery::Column::EventType.eq(event_type))
        .order_by_desc(webhook_delivery::Column::Id)
        .page(db, offset, limit)
        .await
}

/// The org's delivery with this message id.
pub async fn find_delivery<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<DeliveryRow>> {
    super::scope::find_by_public_id::<webhook_delivery::Entity>(ctx, db, public_id).await
}

/// Makes a failed or cancelled delivery pending again, due now, for one more attempt. `None`
/// when it is no longer failed or cancelled (a racing retry got there first).
pub async fn requeue(ctx: &Ctx, txn: &WriteTxn, id: i64) -> Result<Option<DeliveryRow>> {
    let now = crate::domain::clock::now();
    let rows = update::<webhook_delivery::Entity>(ctx)
        .col_expr(webhook_delivery::Column::Status, Expr::value("pending"))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            webhook_delivery::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.is_in(["failed", "cancelled"]))
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// A delivery a worker claimed, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub webhook: WebhookRow,
    /// The event's element, as recorded with the event.
    pub payload: String,
}

/// Leases up to `limit` due deliveries until `lease_until`, skipping the orgs in `busy` (those
/// already at their share of this worker), oldest due first, and counts the attempt (so a send
/// that never records its end still uses up the schedule). Any org's: the worker runs for the
/// whole instance.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
    busy: &[i64],
) -> Result<Vec<Claimed>> {
    use webhook_delivery::Column as D;
    let due = table().due_ids(db.get_database_backend(), now, limit, busy);
    let deliveries = webhook_delivery::Entity::update_many()
        .col_expr(D::LockedUntil, Expr::value(lease_until))
        .col_expr(D::Attempts, Expr::col(D::Attempts).add(1))
        .col_expr(D::UpdatedAt, Expr::value(now))
        .filter(D::Id.in_subquery(due))
        .exec_with_returning(db)
        .await?;
    if deliveries.is_empty() {
        return Ok(vec![]);
    }
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(deliveries.iter().map(|d| d.webhook_id)))
        .all(db)
        .await?;
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(deliveries.iter().map(|d| d.event_id)))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        let hook = hooks.iter().find(|h| h.id == delivery.webhook_id);
        let event = events.iter().find(|e| e.id == delivery.event_id);
        if let (Some(hook), Some(event)) = (hook, event) {
            out.push(Claimed {
                webhook: hook.clone(),
                payload: event.payload.clone(),
                delivery,
            });
        }
    }
    out.sort_by_key(|c| c.delivery.next_attempt_at);
    Ok(out)
}

/// The table as a leased queue (`super::leases`).
fn table() -> super::leases::Table<webhook_delivery::Entity> {
    use webhook_delivery::Column as D;
    super::leases::Table {
        entity: webhook_delivery::Entity,
        due_sql: "webhook_delivery.status = 'pending'",
        id: D::Id,
        org_id: D::OrgId,
        next_attempt_at: D::NextAttemptAt,
        locked_until: D::LockedUntil,
    }
}

/// Is any delivery due now and not leased? (`leases::Table::any_due`.)
pub async fn any_due<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<bool> {
    table().any_due(db, now).await
}

/// Gives claimed deliveries back unsent: the lease ends and the attempt is not counted.
pub async fn release<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<()> {
    use webhook_delivery::Column as D;
    if ids.is_empty() {
        return Ok(());
    }
    webhook_delivery::Entity::update_many()
        .col_expr(D::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::Attempts, Expr::col(D::Attempts).sub(1))
        .filter(D::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: Option<i64>,
    pub error: Option<String>,
    /// `pending` (with `next_attempt_at`), `succeeded`, `failed` or `cancelled`.
    pub status: &'static str,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Records the attempt `claim` counted and releases the lease. A delivery cancelled while it
/// was being sent (its subscription went away) stays cancelled.
pub async fn record_attempt<C: ConnectionTrait>(
    db: &C,
    delivery: &DeliveryRow,
    attempt: Attempt,
) -> Result<()> {
    use webhook_delivery::Column as D;
    webhook_delivery::Entity::update_many()
        .col_expr(D::Status, Expr::value(attempt.status))
        .col_expr(D::NextAttemptAt, Expr::value(attempt.next_attempt_at))
        .col_expr(D::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::LastAttemptAt, Expr::value(attempt.at))
        .col_expr(D::LastStatusCode, Expr::value(attempt.status_code))
        .col_expr(D::LastLatencyMs, Expr::value(attempt.latency_ms))
        .col_expr(D::LastError, Expr::value(attempt.error))
        .col_expr(D::UpdatedAt, Expr::value(attempt.at))
        .filter(D::Id.eq(delivery.id))
        .filter(Expr::cust("webhook_delivery.status = 'pending'"))
        .exec(db)
        .await?;
    Ok(())
}

/// Closes a delivery without sending it (its subscription went away meanwhile).
pub async fn cancel<C: ConnectionTrait>(db: &C, delivery: &DeliveryRow) -> Result<()> {
    use webhook_delivery::Column as D;
    let now = crate::domain::clock::now();
    webhook_delivery::Entity::update_many()
        .col_expr(D::Status, Expr::value("cancelled"))
        .col_expr(D::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::UpdatedAt, Expr::value(now))
        .filter(D::Id.eq(delivery.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Disables a subscription whose receiver answered 410 Gone, and cancels its other pending
/// deliveries.
pub async fn disable<C: ConnectionTrait>(db: &C, webhook_id: i64, reason: &str) -> Result<()> {
    let now = crate::domain::clock::now();
    webhook::Entity::update_many()
        .col_expr(webhook::Column::DisabledAt, Expr::value(now))
        .col_expr(webhook::Column::DisabledReason, Expr::value(reason))
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(webhook_id))
        .exec(db)
        .await?;
    cancel_pending(db, webhook_id, now).await?;
    Ok(())
}

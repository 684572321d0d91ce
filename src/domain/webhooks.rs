//! Webhook subscriptions (seed 003 §7) and their delivery history.
//!
//! Rules kept here:
//! - A subscription names one event (`webhooks::EVENTS`; an unknown name answers 400 listing the
//!   valid ones) and one target URL, which must pass the SSRF guard now (scheme, literal
//!   addresses, and the addresses the name resolves to, when it resolves) and again at every
//!   send (`webhooks::client`).
//! - Each subscription has its own secret, shown when it is created or rotated and never
//!   again. A rotation keeps the old secret signing beside the new one for `ROTATION_OVERLAP`.
//! - An org has at most `MAX_SUBSCRIPTIONS` live subscriptions: each costs every matching write
//!   a row and the worker a request.
//! - Unsubscribing cancels the subscription's pending deliveries; its history stays.
//! - Only a `failed` (or `cancelled`, by a 410) delivery can be retried; retrying one whose
//!   subscription a 410 disabled enables the subscription again (the tenant says the endpoint
//!   is back).
use chrono::{DateTime, Duration, Utc};
use url::Url;

use super::{ids, Ctx, PageReq};
use crate::error::{AppError, Result};
use crate::store::webhooks::{self as store, DeliveryRow, NewWebhook, WebhookRow};
use crate::store::{orgs, Db, Page};
use crate::webhooks::guard::{self, Policy};
use crate::webhooks::{event_name, sign, EVENTS};

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// Live subscriptions per org.
pub const MAX_SUBSCRIPTIONS: u64 = 100;
/// The longest target URL accepted.
const MAX_URL: usize = 2048;

/// A subscription as shown (never its secret).
#[derive(Debug, Clone)]
pub struct WebhookView {
    pub id: String,
    pub event: String,
    pub target_url: String,
    pub created_at: DateTime<Utc>,
    /// When a 410 Gone from the receiver disabled it.
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// While a rotated-out secret still signs, until when.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// A subscription with its secret: the answer to creating or rotating one, the only times the
/// secret is shown. `Debug` leaves the secret out.
#[derive(Clone)]
pub struct WithSecret {
    pub webhook: WebhookView,
    pub secret: String,
}

impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret")
            .field("webhook", &self.webhook)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn view(row: &WebhookRow) -> WebhookView {
    let now = super::clock::now();
    WebhookView {
        id: row.public_id.clone(),
        event: row.event.clone(),
        target_url: row.target_url.clone(),
        created_at: row.created_at,
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason.clone(),
        previous_secret_until: row.previous_secret_until.filter(|t| *t > now),
    }
}

/// The event name given as `field`, or 400 naming the valid ones.
fn event_field(given: &str, field: &str) -> Result<&'static str> {
    event_name(given).ok_or_else(|| {
        AppError::invalid(
            field,
            format!(
                "`{}` is not an event; valid events: {}",
                given.chars().take(64).collect::<String>(),
                EVENTS.join(", ")
            ),
        )
    })
}

/// The target URL, parsed and checked (see the module's rules).
async fn target_field(given: &str, policy: Policy) -> Result<Url> {
    let invalid = |m: String| AppError::invalid("target_url", m);
    let given = given.trim();
    if given.len() > MAX_URL {
        return Err(invalid(format!("must be at most {MAX_URL} characters")));
    }
    let url = Url::parse(given).map_err(|e| invalid(format!("is not a URL ({e})")))?;
    guard::check_url(&url, policy).map_err(|e| invalid(e.0))?;
    if let Some(url::Host::Domain(name)) = url.host() {
        let port = url.port_or_known_default().unwrap_or(443);
        // A name that does not resolve (yet) is accepted: every send checks again.
        let lookup = tokio::net::lookup_host((name, port));
        if let Ok(Ok(addrs)) = tokio::time::timeout(std::time::Duration::from_secs(3), lookup).await
        {
            let ips: Vec<_> = addrs.map(|a| a.ip()).collect();
            if !ips.is_empty() {
                guard::check_resolved(name, &ips, policy).map_err(|e| invalid(e.0))?;
            }
        }
    }
    Ok(url)
}

/// Subscribes the org to `event` at `target_url`.
pub async fn subscribe(
    ctx: &Ctx,
    db: &Db,
    policy: Policy,
    event: &str,
    target_url: &str,
) -> Result<WithSecret> {
    let event = event_field(event, "event")?;
    let url = target_field(target_url, policy).await?;
    let txn = db.write(ctx).await?;
    // Under the org's lock, so that racing subscriptions cannot pass the cap together.
    orgs::lock_for_update(ctx, &txn).await?;
    let live = store::list_live(ctx, &*txn, 0, 1).await?.total;
    if live >= MAX_SUBSCRIPTIONS {
        return Err(AppError::conflict(format!(
            "the org already has {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe one first"
        )));
    }
    let secret = sign::new_secret();
    let row = store::insert(
        ctx,
        &txn,
        NewWebhook {
            public_id: ids::new_public_id("whk"),
            event,
            target_url: url.as_str(),
            secret: secret.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(WithSecret {
        webhook: view(&row),
        secret,
    })
}

async fn live(ctx: &Ctx, db: &Db, id: &str, field: &str) -> Result<WebhookRow> {
    let id = id.trim();
    if !ids::has_prefix(id, "whk") {
        return Err(AppError::invalid(
            field,
            "must be a subscription id (`whk_…`)",
        ));
    }
    store::find_live(ctx, db.conn(), id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("webhook subscription `{id}`")))
}

/// Unsubscribes: nothing more is sent, pending deliveries are cancelled.
pub async fn unsubscribe(ctx: &Ctx, db: &Db, id: &str) -> Result<()> {
    let row = live(ctx, db, id, "web_hook_id").await?;
    let txn = db.write(ctx).await?;
    store::mark_deleted(ctx, &txn, row.id).await?;
    txn.commit().await
}

/// The org's live subscriptions, oldest first.
pub async fn list(ctx: &Ctx, db: &Db, page: PageReq) -> Result<Page<WebhookView>> {
    let rows = store::list_live(ctx, db.conn(), page.offset(), page.limit).await?;
    Ok(Page {
        items: rows.items.iter().map(view).collect(),
        total: rows.total,
    })
}

/// Gives a subscription a new secret; the old one signs too until `ROTATION_OVERLAP` passes.
/// (A second rotation within the overlap retires the first secret at once: only the secret
/// just replaced keeps signing.)
pub async fn rotate_secret(ctx: &Ctx, db: &Db, id: &str) -> Result<WithSecret> {
    let row = live(ctx, db, id, "id").await?;
    let secret = sign::new_secret();
    let until = super::clock::now() + ROTATION_OVERLAP;
    let txn = db.write(ctx).await?;
    let row = store::rotate_secret(ctx, &txn, row.id, &secret, until)
        .await?
        .ok_or_else(|| AppError::not_found(format!("webhook subscription `{}`", id.trim())))?;
    txn.commit().await?;
    Ok(WithSecret {
        webhook: view(&row),
        secret,
    })
}

/// One delivery as the history shows it.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The message id (`webhook-id`), `msg_…`.
    pub id: String,
    pub event_type: String,
    /// The subscription (`whk_…`).
    pub webhook_id: String,
    pub target_url: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub response_code: Option<i32>,
    pub latency_ms: Option<i64>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
    Cancelled,
}

impl DeliveryStatus {
    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            "cancelled" => DeliveryStatus::Cancelled,
            _ => DeliveryStatus::Pending,
        }
    }
}

fn delivery_view(row: DeliveryRow, hooks: &[WebhookRow]) -> DeliveryView {
    let webhook_id = hooks
        .iter()
        .find(|h| h.id == row.webhook_id)
        .map(|h| h.public_id.clone())
        .unwrap_or_default();
    DeliveryView {
        id: row.public_id,
        event_type: row.event_type,
        webhook_id,
        target_url: row.target_url,
        status: DeliveryStatus::parse(&row.status),
        attempts: row.attempts,
        created_at: row.created_at,
        last_attempt_at: row.last_attempt_at,
        response_code: row.last_status_code,
        latency_ms: row.last_latency_ms,
        error: row.last_error,
        next_attempt_at: row.next_attempt_at,
    }
}

/// The org's deliveries of one event, newest first.
pub async fn history(
    ctx: &Ctx,
    db: &Db,
    event: &str,
    offset: u64,
    limit: u64,
) -> Result<Page<DeliveryView>> {
    let event = event_field(event, "eventName")?;
    let rows = store::history(ctx, db.conn(), event, offset, limit).await?;
    let mut hook_ids: Vec<i64> = rows.items.iter().map(|d| d.webhook_id).collect();
    hook_ids.sort_unstable();
    hook_ids.dedup();
    let hooks = store::by_ids(ctx, db.conn(), hook_ids).await?;
    Ok(Page {
        items: rows
            .items
            .into_iter()
            .map(|d| delivery_view(d, &hooks))
            .collect(),
        total: rows.total,
    })
}

/// Sends a failed delivery once more, now (see the module's rules).
pub async fn retry(ctx: &Ctx, db: &Db, id: &str) -> Result<DeliveryView> {
    let id = id.trim();
    if !ids::has_prefix(id, "msg") {
        return Err(AppError::invalid("id", "must be a delivery id (`msg_…`)"));
    }
    let row = store::find_delivery(ctx, db.conn(), id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("webhook delivery `{id}`")))?;
    let hooks = store::by_ids(ctx, db.conn(), vec![row.webhook_id]).await?;
    let Some(mut hook) = hooks.into_iter().next() else {
        return Err(AppError::not_found(format!("webhook delivery `{id}`")));
    };
    if hook.deleted_at.is_some() {
        return Err(AppError::conflict(
            "the delivery's subscription was unsubscribed; subscribe again",
        ));
    }
    match DeliveryStatus::parse(&row.status) {
        DeliveryStatus::Failed | DeliveryStatus::Cancelled => {}
        DeliveryStatus::Pending => {
            return Err(AppError::conflict(
                "the delivery is still pending; the worker sends it when it is due",
            ))
        }
        DeliveryStatus::Succeeded => {
            return Err(AppError::conflict("the delivery already succeeded"))
        }
    }
    let txn = db.write(ctx).await?;
    if hook.disabled_at.is_some() {
        hook = store::enable(ctx, &txn, hook.id).await?.ok_or_else(|| {
            AppError::conflict("the delivery's subscription was unsubscribed; subscribe again")
        })?;
    }
    let row = store::requeue(ctx, &txn, row.id)
        .await?
        .ok_or_else(|| AppError::conflict("the delivery is being retried already"))?;
    txn.commit().await?;
    db.wake_delivery_worker();
    Ok(delivery_view(row, &[hook]))
}

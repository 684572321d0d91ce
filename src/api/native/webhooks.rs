//! Webhook subscriptions on the native surface: `GET /api/v1/hooks`, secret rotation, and
//! retrying a failed delivery. Subscribing, unsubscribing and the history are 003's routes
//! (`api::rr::hooks`), which share the shapes below.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::Pagination;
use crate::api::wire::{IdText, PageLimit, PageNumber, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::webhooks::{self, DeliveryStatus, DeliveryView, WebhookView, WithSecret};

pub struct WebhooksApi {
    pub state: State,
}

/// A webhook subscription (its secret is shown only when created or rotated).
#[derive(Object, Debug)]
pub struct Webhook {
    /// `whk_…`; 003 calls it `web_hook_id`.
    pub id: String,
    /// The event it listens to.
    pub event: WebhookEvent,
    pub target_url: String,
    pub created_at: Timestamp,
    /// When the receiver's 410 Gone disabled it (nothing is sent meanwhile; retrying a
    /// delivery enables it again).
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
    /// While the secret before the last rotation still signs too: until when.
    pub previous_secret_until: Option<Timestamp>,
}

/// A subscription with its signing secret.
#[derive(Object)]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// `whsec_` + base64 of 32 random bytes: the HMAC-SHA256 key of `webhook-signature`
    /// (Standard Webhooks). Shown now only.
    pub secret: String,
}

#[derive(Object)]
pub struct WebhookList {
    pub data: Vec<Webhook>,
    pub pagination: Pagination,
}

/// The events a subscription may name.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "PascalCase")]
pub enum WebhookEvent {
    ProgramAdd,
    ProgramUpdate,
    ProgramDelete,
    MemberAdd,
    MemberUpdate,
    MemberDelete,
    ReferralAdd,
    ReferralUpdate,
    ReferralDelete,
    ReferralStatusChange,
    RewardAdd,
    RewardUpdate,
    RewardDelete,
    RewardIssue,
    EmailUnsubscribed,
    PayoutTransactionAdd,
}

impl WebhookEvent {
    /// The wire value of a stored event name (always one of `webhooks::EVENTS`).
    pub fn of(name: &str) -> WebhookEvent {
        use poem_openapi::types::{ParseFromJSON, ToJSON};
        let parsed = WebhookEvent::parse_from_json(Some(serde_json::Value::from(name))).ok();
        debug_assert!(parsed.is_some_and(|e| e.to_json() == Some(name.into())));
        parsed.unwrap_or(WebhookEvent::MemberAdd)
    }
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt (`next_attempt_at`).
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Every attempt failed, or the receiver answered 410 Gone.
    Failed,
    /// Not sent (any more): the subscription was unsubscribed or disabled while it was due.
    Cancelled,
}

/// One delivery of one event to one subscription.
#[derive(Object)]
pub struct WebhookDelivery {
    /// `msg_…`: the `webhook-id` header, the same on every attempt.
    pub id: String,
    pub event: WebhookEvent,
    /// The subscription, `whk_…`.
    pub web_hook_id: String,
    pub target_url: String,
    pub status: WebhookDeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the event happened.
    pub created_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    /// The HTTP status of the last answer; `null` before the first attempt or when none came.
    pub response_code: Option<i32>,
    pub latency_ms: Option<i64>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When the next attempt is due (`pending` only).
    pub next_attempt_at: Option<Timestamp>,
}

impl From<WebhookView> for Webhook {
    fn from(v: WebhookView) -> Self {
        Webhook {
            event: WebhookEvent::of(&v.event),
            id: v.id,
            target_url: v.target_url,
            created_at: v.created_at.into(),
            disabled_at: v.disabled_at.map(Into::into),
            disabled_reason: v.disabled_reason,
            previous_secret_until: v.previous_secret_until.map(Into::into),
        }
    }
}

impl From<WithSecret> for WebhookWithSecret {
    fn from(v: WithSecret) -> Self {
        WebhookWithSecret {
            webhook: v.webhook.into(),
            secret: v.secret,
        }
    }
}

impl From<DeliveryView> for WebhookDelivery {
    fn from(d: DeliveryView) -> Self {
        WebhookDelivery {
            event: WebhookEvent::of(&d.event_type),
            id: d.id,
            web_hook_id: d.webhook_id,
            target_url: d.target_url,
            status: match d.status {
                DeliveryStatus::Pending => WebhookDeliveryStatus::Pending,
                DeliveryStatus::Succeeded => WebhookDeliveryStatus::Succeeded,
                DeliveryStatus::Failed => WebhookDeliveryStatus::Failed,
                DeliveryStatus::Cancelled => WebhookDeliveryStatus::Cancelled,
            },
            attempts: d.attempts,
            created_at: d.created_at.into(),
            last_attempt_at: d.last_attempt_at.map(Into::into),
            response_code: d.response_code,
            latency_ms: d.latency_ms,
            error: d.error,
            next_attempt_at: d.next_attempt_at.map(Into::into),
        }
    }
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// List the org's webhook subscriptions
    ///
    /// Oldest first; unsubscribed ones are not listed (their deliveries stay in the history).
    #[oai(path = "/api/v1/hooks", method = "get", operation_id = "listWebhooks")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<WebhookList>, ApiError> {
        let ctx = self.state.tenant(auth, "listWebhooks").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = webhooks::list(&ctx, &self.state.db, req).await?;
        Ok(Json(WebhookList {
            data: rows.items.into_iter().map(Into::into).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Rotate a subscription's signing secret
    ///
    /// Answers the new secret. For the next 24 hours every delivery carries two signatures in
    /// `webhook-signature` (new secret first, then the old), so a receiver can switch to the
    /// new secret whenever it likes within that time.
    #[oai(
        path = "/api/v1/hooks/:id/rotate-secret",
        method = "post",
        operation_id = "rotateWebhookSecret"
    )]
    async fn rotate(
        &self,
        auth: ApiAuth,
        /// The subscription, `whk_…`.
        id: Path<IdText>,
    ) -> Result<Json<WebhookWithSecret>, ApiError> {
        let ctx = self.state.tenant(auth, "rotateWebhookSecret").await?;
        let done = webhooks::rotate_secret(&ctx, &self.state.db, &id.0).await?;
        Ok(Json(done.into()))
    }

    /// Send a failed delivery again
    ///
    /// The delivery becomes `pending` and is sent at once, with the same `webhook-id`. If this
    /// attempt fails too, the retry schedule goes on from where it stopped (a delivery that had
    /// used every scheduled attempt fails again at once). A subscription that a 410 disabled is
    /// enabled again.
    #[oai(
        path = "/api/v1/hooks/deliveries/:id/retry",
        method = "post",
        operation_id = "retryWebhookDelivery"
    )]
    async fn retry(
        &self,
        auth: ApiAuth,
        /// The delivery, `msg_…`.
        id: Path<IdText>,
    ) -> Result<Json<WebhookDelivery>, ApiError> {
        let ctx = self.state.tenant(auth, "retryWebhookDelivery").await?;
        let done = webhooks::retry(&ctx, &self.state.db, &id.0).await?;
        Ok(Json(done.into()))
    }
}

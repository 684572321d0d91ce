//! Webhook subscriptions on the 003 surface: `POST /api/hooks` `{target_url, event}` → 201
//! `{web_hook_id}` (plus the signing secret, shown once), `DELETE /api/hooks` with a JSON body
//! `{web_hook_id}`, and the delivery history `GET /api/hooks/history/{eventName}`.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::RrError;
use crate::api::native::webhooks::{Webhook, WebhookDelivery};
use crate::api::wire::{Count, IdText, Line, Offset, Short};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::parse_window;
use crate::domain::webhooks;

pub struct RrHooksApi {
    pub state: State,
}

/// 003's `WebHookSubscription`.
#[derive(Object, Debug)]
pub struct RrWebHookSubscription {
    /// The https URL deliveries are POSTed to. It must not be or resolve to a loopback,
    /// private, link-local or unspecified address (an operator can allow those with
    /// `VOUCH_WEBHOOK_ALLOW_PRIVATE=true`).
    pub target_url: Short,
    /// The event: ProgramAdd, ProgramUpdate, ProgramDelete, MemberAdd, MemberUpdate,
    /// MemberDelete (MemberRemove is read as MemberDelete), ReferralAdd, ReferralUpdate,
    /// ReferralDelete, ReferralStatusChange, RewardAdd, RewardUpdate, RewardDelete, RewardIssue,
    /// EmailUnsubscribed or PayoutTransactionAdd; case is ignored. Another name answers 400
    /// listing these.
    pub event: Line<64>,
}

/// 003's `WebHookSubscriptionResult`, with the secret and the subscription. (No `Debug`: it
/// holds the secret.)
#[derive(Object)]
pub struct RrWebHookSubscriptionResult {
    /// The subscription's id (`whk_…`): the key to unsubscribe.
    pub web_hook_id: String,
    /// The signing secret (`whsec_…`), shown now only; see `webhook-signature`.
    pub secret: String,
    /// The subscription as stored.
    pub webhook: Webhook,
}

/// 003's `WebHookUnsubscription`.
#[derive(Object, Debug)]
pub struct RrWebHookUnsubscription {
    pub web_hook_id: IdText,
}

#[derive(ApiResponse)]
pub enum RrSubscribeResponse {
    /// Subscribed.
    #[oai(status = 201)]
    Created(Json<RrWebHookSubscriptionResult>),
}

#[derive(ApiResponse)]
pub enum RrUnsubscribeResponse {
    /// Unsubscribed; its pending deliveries are cancelled.
    #[oai(status = 200)]
    Ok,
}

/// Deliveries of one event, newest first.
#[derive(Object)]
pub struct RrWebHookHistory {
    pub deliveries: Vec<WebhookDelivery>,
    pub offset: u64,
    pub total: u64,
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl RrHooksApi {
    /// Subscribe to an event
    ///
    /// Every time the event happens in the org, the element it concerns (as recorded with the
    /// event) is POSTed as JSON to `target_url`, signed the Standard Webhooks way: headers
    /// `webhook-id` (the same on every retry), `webhook-timestamp` and `webhook-signature`
    /// (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret's bytes
    /// after `whsec_`). Failed attempts are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
    /// 14 h, 20 h and 24 h; a 410 answer disables the subscription.
    #[oai(
        path = "/api/hooks",
        method = "post",
        operation_id = "rrSubscribeWebhook"
    )]
    async fn subscribe(
        &self,
        auth: ApiAuth,
        body: Json<RrWebHookSubscription>,
    ) -> Result<RrSubscribeResponse, RrError> {
        let ctx = self.state.tenant(auth, "rrSubscribeWebhook").await?;
        let done = webhooks::subscribe(
            &ctx,
            &self.state.db,
            self.state.webhook_policy,
            &body.0.event,
            &body.0.target_url,
        )
        .await?;
        Ok(RrSubscribeResponse::Created(Json(
            RrWebHookSubscriptionResult {
                web_hook_id: done.webhook.id.clone(),
                secret: done.secret,
                webhook: done.webhook.into(),
            },
        )))
    }

    /// Unsubscribe (DELETE with a JSON body)
    #[oai(
        path = "/api/hooks",
        method = "delete",
        operation_id = "rrUnsubscribeWebhook"
    )]
    async fn unsubscribe(
        &self,
        auth: ApiAuth,
        body: Json<RrWebHookUnsubscription>,
    ) -> Result<RrUnsubscribeResponse, RrError> {
        let ctx = self.state.tenant(auth, "rrUnsubscribeWebhook").await?;
        webhooks::unsubscribe(&ctx, &self.state.db, &body.0.web_hook_id).await?;
        Ok(RrUnsubscribeResponse::Ok)
    }

    /// List the deliveries of an event
    ///
    /// Newest first: when, where, the status, attempts, the last response code and the next
    /// attempt.
    #[oai(
        path = "/api/hooks/history/:eventName",
        method = "get",
        operation_id = "rrWebhookHistory"
    )]
    async fn history(
        &self,
        auth: ApiAuth,
        /// The event name, as when subscribing.
        #[oai(name = "eventName")]
        event_name: Path<Line<64>>,
        /// 0-based index of the first delivery.
        offset: Query<Option<Offset>>,
        /// How many deliveries, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrWebHookHistory>, RrError> {
        let ctx = self.state.tenant(auth, "rrWebhookHistory").await?;
        let (offset, count) = parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        let page = webhooks::history(&ctx, &self.state.db, &event_name.0, offset, count).await?;
        Ok(Json(RrWebHookHistory {
            deliveries: page.items.into_iter().map(Into::into).collect(),
            offset,
            total: page.total,
        }))
    }
}

//! `POST /api/memberaccessurls` (and the deprecated `POST /api/memberaccess`): a member's share
//! links and time-limited URLs of their portal and share widget.
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::RrError;
use crate::api::wire::{ExpireMinutes, Line, Timestamp};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::access;
use crate::domain::members::MemberQuery;

pub struct RrAccessApi {
    pub state: State,
}

/// Exactly one of these names the member.
#[derive(Object, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrAccessMemberQuery {
    pub member_id: Option<Line<200>>,
    pub referral_code: Option<Line<200>>,
    pub email: Option<Line<254>>,
    /// Same as `email` (the name 003's documentation uses).
    pub email_address: Option<Line<254>>,
    pub external_id: Option<Line<200>>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrAccessRequest {
    pub member_query: RrAccessMemberQuery,
    /// Lifetime of the portal and widget URLs, 1–43200 minutes (default 1440, one day).
    pub expire_in_minutes: Option<ExpireMinutes>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrAccessUrls {
    pub referral_code: String,
    /// Tracked share link: counts a view, then redirects to the program's site.
    pub share_url: String,
    /// The program's site with `ref=<code>` (null when the program has no URL).
    pub web_share_url: Option<String>,
    pub sms_share_url: String,
    pub whats_app_share_url: String,
    /// The share widget, for an iframe.
    pub share_embed_url: String,
    /// The full member portal, for an iframe.
    pub full_embed_url: String,
    pub portal_url: String,
    pub expires_at: Timestamp,
    /// Id of the access token behind these URLs (to revoke it: DELETE /api/v1/access-tokens/{id}).
    pub access_token_id: String,
}

impl RrAccessApi {
    async fn grant(
        &self,
        auth: ApiAuth,
        operation_id: &str,
        body: RrAccessRequest,
    ) -> Result<Json<RrAccessUrls>, RrError> {
        let ctx = self.state.tenant(auth, operation_id).await?;
        let q = body.member_query;
        let query = MemberQuery {
            member_id: q.member_id.map(Into::into),
            referral_code: q.referral_code.map(Into::into),
            email: q.email.or(q.email_address).map(Into::into),
            external_id: q.external_id.map(Into::into),
            ..Default::default()
        };
        let grant = access::grant(
            &ctx,
            &self.state.db,
            &query,
            body.expire_in_minutes.map(Into::into),
        )
        .await?;
        let base = &self.state.public_base;
        let l = grant.member.links(base, &grant.code);
        Ok(Json(RrAccessUrls {
            referral_code: grant.code,
            share_url: l.share_url,
            web_share_url: l.web_share_url,
            sms_share_url: l.sms_share_url,
            whats_app_share_url: l.whatsapp_share_url,
            share_embed_url: format!("{base}/widget/{}", grant.token),
            full_embed_url: format!("{base}/portal/{}", grant.token),
            portal_url: format!("{base}/portal/{}", grant.token),
            expires_at: grant.expires_at.into(),
            access_token_id: grant.token_id,
        }))
    }
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrAccessApi {
    /// Get a member's share links and portal and widget URLs
    #[oai(
        path = "/api/memberaccessurls",
        method = "post",
        operation_id = "rrMemberAccessUrls"
    )]
    async fn member_access_urls(
        &self,
        auth: ApiAuth,
        body: Json<RrAccessRequest>,
    ) -> Result<Json<RrAccessUrls>, RrError> {
        self.grant(auth, "rrMemberAccessUrls", body.0).await
    }

    /// Deprecated: use /api/memberaccessurls
    #[oai(
        path = "/api/memberaccess",
        method = "post",
        operation_id = "rrMemberAccess",
        deprecated
    )]
    async fn member_access(
        &self,
        auth: ApiAuth,
        body: Json<RrAccessRequest>,
    ) -> Result<Json<RrAccessUrls>, RrError> {
        self.grant(auth, "rrMemberAccess", body.0).await
    }
}

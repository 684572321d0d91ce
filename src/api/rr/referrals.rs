//! `/api/referrals` (create, list), `/api/referral/single` and `getsingle`,
//! `/api/referral/update`, `/api/referrals/status`, `/api/referral/remove` in 003's shapes.
//!
//! The client IP that velocity checks count by is the TCP peer address (poem's `RemoteAddr`);
//! forwarded-for headers are not trusted, so behind a proxy every client shares its address.
use poem::web::RemoteAddr;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

pub use super::referral_types::*;
use super::RrError;
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::referrals::{self, NewReferral, Source};

pub struct RrReferralsApi {
    pub state: State,
}

/// The peer's IP address as text, when the connection has one.
pub(crate) fn client_ip(remote: &RemoteAddr) -> Option<String> {
    remote.as_socket_addr().map(|a| a.ip().to_string())
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrReferralsApi {
    /// Create a referral credited to the member whose referral or promo code it names
    #[oai(
        path = "/api/referrals",
        method = "post",
        operation_id = "rrCreateReferral"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        remote: &RemoteAddr,
        body: Json<RrNewReferral>,
    ) -> Result<RrCreateReferralResponse, RrError> {
        let ctx = self.state.tenant(auth, "rrCreateReferral").await?;
        let mut b = body.0;
        let f = &mut b.fields;
        let input = NewReferral {
            referral_code: b.referral_code.into(),
            first_name: f.first_name.take().map(Into::into),
            last_name: f.last_name.take().map(Into::into),
            email: f.email.take().map(Into::into),
            phone: f.phone_number.take().map(Into::into),
            external_id: f.external_identifier.take().map(Into::into),
            amount: f.amount.take().map(Into::into),
            status: f.status.take().map(Into::into),
            details: f.details(),
        };
        let r = referrals::create(
            &ctx,
            &self.state.db,
            &self.state.scripts,
            input,
            Source::Api,
            client_ip(remote),
        )
        .await?;
        Ok(RrCreateReferralResponse::Created(Json(RrCreatedReferral {
            message: "Referral Added".into(),
            referral: rr_referral(r)?,
        })))
    }
}

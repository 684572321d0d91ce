//! Native member helpers: revoke partner-page access tokens, resolve a promo code.
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use crate::api::wire::{AccessTokenId, IdText, MemberId};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::{access, members};

pub struct MembersApi {
    pub state: State,
}

#[derive(Object)]
pub struct Revoked {
    /// How many live tokens were revoked.
    pub revoked: u64,
}

#[derive(Object)]
pub struct PromoCodeMember {
    /// The member's public id, `mem_…`.
    pub member_id: String,
    pub program_id: Option<String>,
    pub promo_code: String,
    /// The member's active referral code, if any.
    pub referral_code: Option<String>,
}

#[OpenApi(tag = "ApiTags::Members")]
impl MembersApi {
    /// Revoke every partner-page access token of a member
    #[oai(
        path = "/api/v1/members/:id/access-tokens/revoke",
        method = "post",
        operation_id = "revokeMemberAccessTokens"
    )]
    async fn revoke_member(
        &self,
        auth: ApiAuth,
        id: Path<MemberId>,
    ) -> Result<Json<Revoked>, ApiError> {
        let ctx = self.state.tenant(auth, "revokeMemberAccessTokens").await?;
        Ok(Json(Revoked {
            revoked: access::revoke_member(&ctx, &self.state.db, &id.0).await?,
        }))
    }

    /// Revoke one partner-page access token
    #[oai(
        path = "/api/v1/access-tokens/:id",
        method = "delete",
        operation_id = "revokeAccessToken"
    )]
    async fn revoke_token(
        &self,
        auth: ApiAuth,
        id: Path<AccessTokenId>,
    ) -> Result<Json<Revoked>, ApiError> {
        let ctx = self.state.tenant(auth, "revokeAccessToken").await?;
        access::revoke_token(&ctx, &self.state.db, &id.0).await?;
        Ok(Json(Revoked { revoked: 1 }))
    }

    /// Find the member a promo code belongs to
    #[oai(
        path = "/api/v1/promo-codes/:code",
        method = "get",
        operation_id = "resolvePromoCode"
    )]
    async fn resolve(
        &self,
        auth: ApiAuth,
        code: Path<IdText>,
    ) -> Result<Json<PromoCodeMember>, ApiError> {
        let ctx = self.state.tenant(auth, "resolvePromoCode").await?;
        let d = members::resolve_promo_code(&ctx, &self.state.db, &code.0).await?;
        Ok(Json(PromoCodeMember {
            promo_code: d.promo_code().unwrap_or_default(),
            member_id: d.member.public_id.clone(),
            program_id: d.program.as_ref().map(|p| p.public_id.clone()),
            referral_code: d.referral_code,
        }))
    }
}

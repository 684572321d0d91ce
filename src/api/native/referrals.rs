//! Native referral views and fraud review: `GET /api/v1/referrals/{id}` (with the hold),
//! `GET /api/v1/referrals/held`, `POST /api/v1/referrals/{id}/release` and `…/deny`.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Pagination;
use crate::api::rr::referral_types::{rr_referral, RrReferral};
use crate::api::wire::{PageLimit, PageNumber, ReferralId};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::referrals::{hold, Referral};
use crate::error::AppError;

pub struct ReferralsApi {
    pub state: State,
}

/// A referral (the 003 fields) with its fraud-review hold.
#[derive(Object)]
pub struct NativeReferral {
    /// Held for review (velocity or fraud script); its rewards wait as Held.
    pub held: bool,
    /// Why it is held; null when it is not.
    pub held_reason: Option<String>,
    #[oai(flatten)]
    pub referral: RrReferral,
}

fn native(r: Referral) -> Result<NativeReferral, AppError> {
    Ok(NativeReferral {
        held: r.held(),
        held_reason: r.held_reason.clone(),
        referral: rr_referral(r)?,
    })
}

#[derive(Object)]
pub struct HeldReferralList {
    pub data: Vec<NativeReferral>,
    pub pagination: Pagination,
}

#[OpenApi(tag = "ApiTags::Members")]
impl ReferralsApi {
    /// List referrals held for fraud review, newest first
    #[oai(
        path = "/api/v1/referrals/held",
        method = "get",
        operation_id = "listHeldReferrals"
    )]
    async fn held(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<HeldReferralList>, ApiError> {
        let ctx = self.state.tenant(auth, "listHeldReferrals").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = hold::held(&ctx, &self.state.db, req.offset(), req.limit).await?;
        Ok(Json(HeldReferralList {
            data: rows
                .items
                .into_iter()
                .map(native)
                .collect::<Result<_, _>>()?,
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get a referral with its fraud-review hold
    #[oai(
        path = "/api/v1/referrals/:id",
        method = "get",
        operation_id = "getReferral"
    )]
    async fn get(
        &self,
        auth: ApiAuth,
        id: Path<ReferralId>,
    ) -> Result<Json<NativeReferral>, ApiError> {
        let ctx = self.state.tenant(auth, "getReferral").await?;
        Ok(Json(native(hold::get(&ctx, &self.state.db, &id.0).await?)?))
    }

    /// Release a held referral: the hold is cleared and its Held rewards become Pending
    #[oai(
        path = "/api/v1/referrals/:id/release",
        method = "post",
        operation_id = "releaseReferral"
    )]
    async fn release(
        &self,
        auth: ApiAuth,
        id: Path<ReferralId>,
    ) -> Result<Json<NativeReferral>, ApiError> {
        let ctx = self.state.tenant(auth, "releaseReferral").await?;
        Ok(Json(native(
            hold::release(&ctx, &self.state.db, &id.0).await?,
        )?))
    }

    /// Deny a held referral: status denied, its Held and Pending rewards Cancelled
    #[oai(
        path = "/api/v1/referrals/:id/deny",
        method = "post",
        operation_id = "denyReferral"
    )]
    async fn deny(
        &self,
        auth: ApiAuth,
        id: Path<ReferralId>,
    ) -> Result<Json<NativeReferral>, ApiError> {
        let ctx = self.state.tenant(auth, "denyReferral").await?;
        Ok(Json(native(
            hold::deny(&ctx, &self.state.db, &self.state.scripts, &id.0).await?,
        )?))
    }
}

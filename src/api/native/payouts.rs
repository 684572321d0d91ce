//! `/api/v1/payouts`: native CRUD of payout methods (create answers 201; PATCH changes the
//! given fields; DELETE removes softly and is refused while unpaid rewards use the method).
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::wire::{Line, PageLimit, PageNumber, PayoutId, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::payouts::{self, PayoutInput, PayoutView};

pub struct PayoutsApi {
    pub state: State,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct NewPayoutBody {
    /// Shown to members and in reward lists, 1–200 characters.
    pub description: Line<200>,
    /// How it pays, e.g. `PayPal`, `GiftCard`, `BankTransfer` (free text, 1–100 characters).
    pub payout_type: Line<100>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PayoutChangesBody {
    pub description: Option<Line<200>>,
    pub payout_type: Option<Line<100>>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PayoutProgramRef {
    pub program_id: String,
    pub program_name: String,
}

/// A payout method.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct Payout {
    /// Public id, `pay_…`.
    pub id: String,
    pub description: String,
    pub payout_type: String,
    /// Programs whose rules pay with this method.
    pub payout_programs: Vec<PayoutProgramRef>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<PayoutView> for Payout {
    fn from(v: PayoutView) -> Self {
        Payout {
            id: v.id,
            description: v.description,
            payout_type: v.payout_type,
            payout_programs: v
                .programs
                .into_iter()
                .map(|(program_id, program_name)| PayoutProgramRef {
                    program_id,
                    program_name,
                })
                .collect(),
            created_at: v.created_at.into(),
            updated_at: v.updated_at.into(),
        }
    }
}

#[derive(Object)]
pub struct PayoutList {
    pub data: Vec<Payout>,
    pub pagination: Pagination,
}

#[derive(ApiResponse)]
pub enum CreatePayoutResponse {
    /// The new payout method.
    #[oai(status = 201)]
    Created(Json<Payout>),
}

#[OpenApi(tag = "ApiTags::Payouts")]
impl PayoutsApi {
    /// Create a payout method
    #[oai(
        path = "/api/v1/payouts",
        method = "post",
        operation_id = "createPayout"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<NewPayoutBody>,
    ) -> Result<CreatePayoutResponse, ApiError> {
        let ctx = self.state.tenant(auth, "createPayout").await?;
        let input = PayoutInput {
            description: Some(body.0.description.into()),
            payout_type: Some(body.0.payout_type.into()),
        };
        let p = payouts::create(&ctx, &self.state.db, input).await?;
        Ok(CreatePayoutResponse::Created(Json(p.into())))
    }

    /// List payout methods (removed ones are not listed)
    #[oai(path = "/api/v1/payouts", method = "get", operation_id = "listPayouts")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<PayoutList>, ApiError> {
        let ctx = self.state.tenant(auth, "listPayouts").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = payouts::list(&ctx, &self.state.db, req.offset(), req.limit).await?;
        Ok(Json(PayoutList {
            data: rows.items.into_iter().map(Payout::from).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get a payout method
    #[oai(
        path = "/api/v1/payouts/:id",
        method = "get",
        operation_id = "getPayout"
    )]
    async fn get(&self, auth: ApiAuth, id: Path<PayoutId>) -> Result<Json<Payout>, ApiError> {
        let ctx = self.state.tenant(auth, "getPayout").await?;
        Ok(Json(
            payouts::get(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }

    /// Change a payout method's description or type (absent fields stay)
    #[oai(
        path = "/api/v1/payouts/:id",
        method = "patch",
        operation_id = "updatePayout"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        id: Path<PayoutId>,
        body: Json<PayoutChangesBody>,
    ) -> Result<Json<Payout>, ApiError> {
        let ctx = self.state.tenant(auth, "updatePayout").await?;
        let input = PayoutInput {
            description: body.0.description.map(Into::into),
            payout_type: body.0.payout_type.map(Into::into),
        };
        Ok(Json(
            payouts::update(&ctx, &self.state.db, &id.0, input)
                .await?
                .into(),
        ))
    }

    /// Remove a payout method no unpaid reward uses (history keeps naming it)
    #[oai(
        path = "/api/v1/payouts/:id",
        method = "delete",
        operation_id = "deletePayout"
    )]
    async fn delete(&self, auth: ApiAuth, id: Path<PayoutId>) -> Result<Json<Payout>, ApiError> {
        let ctx = self.state.tenant(auth, "deletePayout").await?;
        Ok(Json(
            payouts::delete(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }
}

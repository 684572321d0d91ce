//! `/api/v1/programs`: native program CRUD (create answers 201 with the program).
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::wire::{Line, PageLimit, PageNumber, ProgramId, Text, Timestamp, WebUrl};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::programs::{self, ProgramInput, ProgramView};

pub struct ProgramsApi {
    pub state: State,
}

/// A program's settings (the same body creates and, with PUT, replaces a program).
#[derive(Object)]
pub struct ProgramBody {
    /// Unique in the org, 1–100 characters.
    pub name: Line<100>,
    /// Shown to members; defaults to the name.
    pub title: Option<Line<100>>,
    /// Free-form kind, default `referral`.
    #[oai(rename = "type")]
    pub program_type: Option<Line<100>>,
    /// The provider the program runs under (002's `project`); one default program per project.
    pub project: Option<Line<100>>,
    /// Promo-code template; must contain `@ID@`, replaced by the member's numeric id.
    pub promocode: Line<100>,
    /// The site members' links lead to (`ref=<code>` is appended).
    pub url: Option<WebUrl>,
    pub start_date: Option<Timestamp>,
    /// Not before start_date.
    pub end_date: Option<Timestamp>,
    /// New customers of the project join this program (at most one per project).
    pub assign_by_default: Option<bool>,
    pub account_group: Option<Line<200>>,
    pub account_group_restrict: Option<Line<200>>,
    pub member_offer: Option<Text<2000>>,
    pub referral_offer: Option<Text<2000>>,
    /// Default true.
    pub is_active: Option<bool>,
    /// ISO 4217, default USD.
    pub currency: Option<Line<3>>,
    /// Origins allowed to frame the partner pages, e.g. `https://partner.example.com`.
    pub embed_origins: Option<Vec<String>>,
    /// Referrals from one client IP within 72 hours before the next one is held for review
    /// (≥ 1, default 3).
    pub velocity_limit: Option<i64>,
    /// A script of kind fraud (`scr_…`) run on each new referral: allow, review (hold) or deny.
    pub fraud_script_id: Option<Line<100>>,
}

impl From<ProgramBody> for ProgramInput {
    fn from(b: ProgramBody) -> Self {
        ProgramInput {
            name: b.name.into(),
            title: b.title.map(Into::into),
            program_type: b.program_type.map(Into::into),
            project: b.project.map(Into::into),
            promocode: b.promocode.into(),
            url: b.url.map(Into::into),
            start_date: b.start_date.map(Into::into),
            end_date: b.end_date.map(Into::into),
            assign_by_default: b.assign_by_default.unwrap_or(false),
            account_group: b.account_group.map(Into::into),
            account_group_restrict: b.account_group_restrict.map(Into::into),
            member_offer: b.member_offer.map(Into::into),
            referral_offer: b.referral_offer.map(Into::into),
            is_active: b.is_active,
            currency: b.currency.map(Into::into),
            embed_origins: b.embed_origins.unwrap_or_default(),
            velocity_limit: b.velocity_limit,
            fraud_script_id: b.fraud_script_id.map(Into::into),
        }
    }
}

#[derive(Object)]
pub struct Program {
    /// Public id, `prog_…`.
    pub id: String,
    pub name: String,
    pub title: String,
    #[oai(rename = "type")]
    pub program_type: String,
    pub project: String,
    pub promocode: String,
    pub url: Option<String>,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    pub is_active: bool,
    pub currency: String,
    pub embed_origins: Vec<String>,
    pub velocity_limit: i32,
    pub fraud_script_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<ProgramView> for Program {
    fn from(v: ProgramView) -> Self {
        Program {
            id: v.id,
            name: v.name,
            title: v.title,
            program_type: v.program_type,
            project: v.project,
            promocode: v.promocode,
            url: v.url,
            start_date: v.start_date.map(Into::into),
            end_date: v.end_date.map(Into::into),
            assign_by_default: v.assign_by_default,
            account_group: v.account_group,
            account_group_restrict: v.account_group_restrict,
            member_offer: v.member_offer,
            referral_offer: v.referral_offer,
            is_active: v.is_active,
            currency: v.currency,
            embed_origins: v.embed_origins,
            velocity_limit: v.velocity_limit,
            fraud_script_id: v.fraud_script_id,
            created_at: v.created_at.into(),
            updated_at: v.updated_at.into(),
        }
    }
}

#[derive(Object)]
pub struct ProgramList {
    pub data: Vec<Program>,
    pub pagination: Pagination,
}

#[derive(ApiResponse)]
pub enum CreateProgramResponse {
    /// The new program.
    #[oai(status = 201)]
    Created(Json<Program>),
}

#[OpenApi(tag = "ApiTags::Programs")]
impl ProgramsApi {
    /// Create a referral program
    #[oai(
        path = "/api/v1/programs",
        method = "post",
        operation_id = "createProgram"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<ProgramBody>,
    ) -> Result<CreateProgramResponse, ApiError> {
        let ctx = self.state.tenant(auth, "createProgram").await?;
        let program = programs::create(&ctx, &self.state.db, body.0.into()).await?;
        Ok(CreateProgramResponse::Created(Json(program.into())))
    }

    /// List referral programs
    #[oai(
        path = "/api/v1/programs",
        method = "get",
        operation_id = "listPrograms"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<ProgramList>, ApiError> {
        let ctx = self.state.tenant(auth, "listPrograms").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = programs::list(&ctx, &self.state.db, req.offset(), req.limit).await?;
        Ok(Json(ProgramList {
            data: rows.items.into_iter().map(Program::from).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get a referral program
    #[oai(
        path = "/api/v1/programs/:id",
        method = "get",
        operation_id = "getProgram"
    )]
    async fn get(&self, auth: ApiAuth, id: Path<ProgramId>) -> Result<Json<Program>, ApiError> {
        let ctx = self.state.tenant(auth, "getProgram").await?;
        Ok(Json(
            programs::get(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }

    /// Replace a referral program's settings
    #[oai(
        path = "/api/v1/programs/:id",
        method = "put",
        operation_id = "updateProgram"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        id: Path<ProgramId>,
        body: Json<ProgramBody>,
    ) -> Result<Json<Program>, ApiError> {
        let ctx = self.state.tenant(auth, "updateProgram").await?;
        Ok(Json(
            programs::update(&ctx, &self.state.db, &id.0, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Delete a referral program that has no members
    #[oai(
        path = "/api/v1/programs/:id",
        method = "delete",
        operation_id = "deleteProgram"
    )]
    async fn delete(&self, auth: ApiAuth, id: Path<ProgramId>) -> Result<Json<Program>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteProgram").await?;
        Ok(Json(
            programs::delete(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }
}

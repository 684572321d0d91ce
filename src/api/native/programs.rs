//! `/api/v1/programs`: native program CRUD (create answers 201 with the program).
use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::programs::{self, ProgramInput, ProgramView};
use crate::domain::PageReq;

pub struct ProgramsApi {
    pub state: State,
}

/// A program's settings (the same body creates and, with PUT, replaces a program).
#[derive(Object)]
pub struct ProgramBody {
    /// Unique in the org, 1–100 characters.
    #[oai(deserialize_with = "crate::api::strict::strict_string")]
    pub name: String,
    /// Shown to members; defaults to the name.
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub title: Option<String>,
    /// Free-form kind, default `referral`.
    #[oai(
        rename = "type",
        deserialize_with = "crate::api::strict::strict_opt_string"
    )]
    pub program_type: Option<String>,
    /// The provider the program runs under (002's `project`); one default program per project.
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub project: Option<String>,
    /// Promo-code template; must contain `@ID@`, replaced by the member's numeric id.
    #[oai(deserialize_with = "crate::api::strict::strict_string")]
    pub promocode: String,
    /// The site members' links lead to (`ref=<code>` is appended).
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub url: Option<String>,
    pub start_date: Option<DateTime<Utc>>,
    /// Not before start_date.
    pub end_date: Option<DateTime<Utc>>,
    /// New customers of the project join this program (at most one per project).
    pub assign_by_default: Option<bool>,
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub account_group: Option<String>,
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub account_group_restrict: Option<String>,
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub member_offer: Option<String>,
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub referral_offer: Option<String>,
    /// Default true.
    pub is_active: Option<bool>,
    /// ISO 4217, default USD.
    #[oai(deserialize_with = "crate::api::strict::strict_opt_string")]
    pub currency: Option<String>,
    /// Origins allowed to frame the partner pages, e.g. `https://partner.example.com`.
    pub embed_origins: Option<Vec<String>>,
}

impl From<ProgramBody> for ProgramInput {
    fn from(b: ProgramBody) -> Self {
        ProgramInput {
            name: b.name,
            title: b.title,
            program_type: b.program_type,
            project: b.project,
            promocode: b.promocode,
            url: b.url,
            start_date: b.start_date,
            end_date: b.end_date,
            assign_by_default: b.assign_by_default.unwrap_or(false),
            account_group: b.account_group,
            account_group_restrict: b.account_group_restrict,
            member_offer: b.member_offer,
            referral_offer: b.referral_offer,
            is_active: b.is_active,
            currency: b.currency,
            embed_origins: b.embed_origins.unwrap_or_default(),
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
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    pub is_active: bool,
    pub currency: String,
    pub embed_origins: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            start_date: v.start_date,
            end_date: v.end_date,
            assign_by_default: v.assign_by_default,
            account_group: v.account_group,
            account_group_restrict: v.account_group_restrict,
            member_offer: v.member_offer,
            referral_offer: v.referral_offer,
            is_active: v.is_active,
            currency: v.currency,
            embed_origins: v.embed_origins,
            created_at: v.created_at,
            updated_at: v.updated_at,
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
        page: Query<Option<i64>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<i64>>,
    ) -> Result<Json<ProgramList>, ApiError> {
        let ctx = self.state.tenant(auth, "listPrograms").await?;
        let req = PageReq::parse(page.0, limit.0)?;
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
    async fn get(&self, auth: ApiAuth, id: Path<String>) -> Result<Json<Program>, ApiError> {
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
        id: Path<String>,
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
    async fn delete(&self, auth: ApiAuth, id: Path<String>) -> Result<Json<Program>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteProgram").await?;
        Ok(Json(
            programs::delete(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }
}

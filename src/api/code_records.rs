//! `/api/v1/referral-code-records`: the seed 004 contract, field for field.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::native::Pagination;
use super::{ApiAuth, ApiError, ApiTags, State};
use crate::api::wire::{CodeRecordId, IdText, Line, PageLimit, PageNumber, Timestamp};
use crate::domain::members::MemberNames;
use crate::domain::referral_codes::{
    self as domain, CodeRecord, CreateCode, ListCodes, UpdateCode,
};
use crate::domain::values::{self, Email};
use crate::error::AppError;

pub struct CodeRecordsApi {
    pub state: State,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum CodeStatus {
    Active,
    Inactive,
}

impl CodeStatus {
    fn as_str(&self) -> &'static str {
        match self {
            CodeStatus::Active => "active",
            CodeStatus::Inactive => "inactive",
        }
    }

    fn from_domain(s: &str) -> Result<Self, AppError> {
        match s {
            "active" => Ok(CodeStatus::Active),
            "inactive" => Ok(CodeStatus::Inactive),
            other => Err(AppError::Internal(format!("stored code status `{other}`"))),
        }
    }
}

/// A referral code record.
#[derive(Object, Debug)]
pub struct ReferralCodeRecord {
    /// Public id, `rc_…`.
    pub id: String,
    /// The referrer: the tenant's own identifier for them, or their member id (`mem_…`).
    pub mentor_id: String,
    pub org_id: String,
    /// 4–32 characters of A–Z, 0–9 and `-`; unique across the platform, case-insensitive.
    pub code: String,
    pub status: CodeStatus,
    pub created_at: Timestamp,
    pub deactivated_at: Option<Timestamp>,
}

impl TryFrom<CodeRecord> for ReferralCodeRecord {
    type Error = AppError;
    fn try_from(r: CodeRecord) -> Result<Self, AppError> {
        Ok(ReferralCodeRecord {
            id: r.id,
            mentor_id: r.mentor_id,
            org_id: r.org_id,
            code: r.code,
            status: CodeStatus::from_domain(&r.status)?,
            created_at: r.created_at.into(),
            deactivated_at: r.deactivated_at.map(Into::into),
        })
    }
}

#[derive(Object)]
pub struct CreateReferralCodeRecord {
    /// The referrer: your identifier for them (created as a member on first use) or a `mem_…` id.
    pub mentor_id: Line<200>,
    /// Optional; when given it must be the key's org.
    pub org_id: Option<Line<200>>,
    /// Optional; generated from the mentor's name plus a random suffix when omitted.
    pub code: Option<Line<32>>,
    /// Used only when this call creates the mentor.
    pub first_name: Option<Line<100>>,
    /// Used only when this call creates the mentor.
    pub last_name: Option<Line<100>>,
    /// Used only when this call creates the mentor.
    pub email: Option<Email>,
}

#[derive(Object)]
pub struct UpdateReferralCodeRecord {
    /// `inactive` deactivates; `active` reactivates when the mentor has no other active code.
    pub status: CodeStatus,
    /// When the code stopped working (default: now); must be absent or null when reactivating.
    pub deactivated_at: Option<Timestamp>,
}

#[derive(Object)]
pub struct ReferralCodeRecordList {
    pub data: Vec<ReferralCodeRecord>,
    pub pagination: Pagination,
}

#[derive(Object)]
pub struct DeletedReferralCodeRecord {
    pub id: String,
    pub deleted: bool,
    pub deleted_at: Timestamp,
}

#[derive(ApiResponse)]
pub enum CreateResponse {
    /// The new, active record.
    #[oai(status = 201)]
    Created(Json<ReferralCodeRecord>),
}

fn one(rec: CodeRecord) -> Result<Json<ReferralCodeRecord>, ApiError> {
    Ok(Json(ReferralCodeRecord::try_from(rec)?))
}

#[OpenApi(tag = "ApiTags::ReferralCodeRecords")]
impl CodeRecordsApi {
    /// List all referral code records
    #[oai(
        path = "/api/v1/referral-code-records",
        method = "get",
        operation_id = "listReferralCodeRecords"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
        /// Only this mentor's records.
        mentor_id: Query<Option<IdText>>,
        /// Only records with this status.
        status: Query<Option<CodeStatus>>,
    ) -> Result<Json<ReferralCodeRecordList>, ApiError> {
        let ctx = self.state.tenant(auth, "listReferralCodeRecords").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let input = ListCodes {
            page: req,
            mentor_id: mentor_id.0.map(Into::into),
            status: status.0.map(|s| s.as_str().to_string()),
        };
        let rows = domain::list(&ctx, &self.state.db, input).await?;
        let data = rows
            .items
            .into_iter()
            .map(ReferralCodeRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(ReferralCodeRecordList {
            data,
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Create a new referral code record (createCode)
    #[oai(
        path = "/api/v1/referral-code-records",
        method = "post",
        operation_id = "createReferralCodeRecord"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<CreateReferralCodeRecord>,
    ) -> Result<CreateResponse, ApiError> {
        let ctx = self.state.tenant(auth, "createReferralCodeRecord").await?;
        let body = body.0;
        let names = MemberNames {
            first_name: values::opt_text("first_name", body.first_name.as_deref(), 100)?,
            last_name: values::opt_text("last_name", body.last_name.as_deref(), 100)?,
            email: body.email.map(Email::into_inner),
        };
        let input = CreateCode {
            mentor_id: body.mentor_id.into(),
            org_id: body.org_id.map(Into::into),
            code: body.code.map(Into::into),
            names,
        };
        let rec = domain::create(&ctx, &self.state.db, input).await?;
        Ok(CreateResponse::Created(one(rec)?))
    }

    /// Get the active code for a mentor+org pair (getActiveCode)
    #[oai(
        path = "/api/v1/referral-code-records/active",
        method = "get",
        operation_id = "getActiveReferralCodeRecord"
    )]
    async fn active(
        &self,
        auth: ApiAuth,
        /// The mentor, as given when the code was created.
        mentor_id: Query<IdText>,
        /// Optional; when given it must be the key's org.
        org_id: Query<Option<IdText>>,
    ) -> Result<Json<ReferralCodeRecord>, ApiError> {
        let ctx = self
            .state
            .tenant(auth, "getActiveReferralCodeRecord")
            .await?;
        one(domain::active(&ctx, &self.state.db, &mentor_id.0, org_id.0.as_deref()).await?)
    }

    /// Find a record by code string (findByCode)
    #[oai(
        path = "/api/v1/referral-code-records/lookup",
        method = "get",
        operation_id = "lookupReferralCodeRecord"
    )]
    async fn lookup(
        &self,
        auth: ApiAuth,
        /// The code, in any letter case.
        code: Query<IdText>,
    ) -> Result<Json<ReferralCodeRecord>, ApiError> {
        let ctx = self.state.tenant(auth, "lookupReferralCodeRecord").await?;
        one(domain::lookup(&ctx, &self.state.db, &code.0).await?)
    }

    /// Get a referral code record by ID
    #[oai(
        path = "/api/v1/referral-code-records/:id",
        method = "get",
        operation_id = "getReferralCodeRecord"
    )]
    async fn get(
        &self,
        auth: ApiAuth,
        id: Path<CodeRecordId>,
    ) -> Result<Json<ReferralCodeRecord>, ApiError> {
        let ctx = self.state.tenant(auth, "getReferralCodeRecord").await?;
        one(domain::get(&ctx, &self.state.db, &id.0).await?)
    }

    /// Update a referral code record (deactivateCode)
    #[oai(
        path = "/api/v1/referral-code-records/:id",
        method = "put",
        operation_id = "updateReferralCodeRecord"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        id: Path<CodeRecordId>,
        body: Json<UpdateReferralCodeRecord>,
    ) -> Result<Json<ReferralCodeRecord>, ApiError> {
        let ctx = self.state.tenant(auth, "updateReferralCodeRecord").await?;
        let input = UpdateCode {
            status: Some(body.status.as_str().to_string()),
            deactivated_at: body.deactivated_at.map(Into::into),
        };
        one(domain::update(&ctx, &self.state.db, &id.0, input).await?)
    }

    /// Delete a referral code record (refused while referrals are attributed to it)
    #[oai(
        path = "/api/v1/referral-code-records/:id",
        method = "delete",
        operation_id = "deleteReferralCodeRecord"
    )]
    async fn delete(
        &self,
        auth: ApiAuth,
        id: Path<CodeRecordId>,
    ) -> Result<Json<DeletedReferralCodeRecord>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteReferralCodeRecord").await?;
        let deleted = domain::delete(&ctx, &self.state.db, &id.0).await?;
        Ok(Json(DeletedReferralCodeRecord {
            id: deleted.id,
            deleted: true,
            deleted_at: deleted.deleted_at.into(),
        }))
    }
}

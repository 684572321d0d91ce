//! `/api/v1/orgs`: the platform admin creates, lists, reads, disables and re-enables orgs.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::wire::{Line, OrgId, PageLimit, PageNumber, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::orgs::{self, OrgView};

pub struct OrgsApi {
    pub state: State,
}

#[derive(Object)]
pub struct CreateOrgRequest {
    /// Display name, 1–200 characters.
    pub name: Line<200>,
}

#[derive(Object)]
pub struct Org {
    /// Public id, `org_…`.
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    /// Set while the org is disabled; its keys do not work then.
    pub disabled_at: Option<Timestamp>,
}

impl From<OrgView> for Org {
    fn from(v: OrgView) -> Self {
        Org {
            id: v.id,
            name: v.name,
            created_at: v.created_at.into(),
            disabled_at: v.disabled_at.map(Into::into),
        }
    }
}

#[derive(Object)]
pub struct CreatedOrg {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    /// The org's first key, role `owner`. Shown once: store it now.
    pub owner_key: String,
    /// The owner key's id (the user name for HTTP Basic).
    pub owner_key_id: String,
}

#[derive(Object)]
pub struct OrgList {
    pub data: Vec<Org>,
    pub pagination: Pagination,
}

#[derive(ApiResponse)]
pub enum CreateOrgResponse {
    /// The org and its owner key.
    #[oai(status = 201)]
    Created(Json<CreatedOrg>),
}

#[OpenApi(tag = "ApiTags::Orgs")]
impl OrgsApi {
    /// Create an org and its first owner key
    #[oai(path = "/api/v1/orgs", method = "post", operation_id = "createOrg")]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<CreateOrgRequest>,
    ) -> Result<CreateOrgResponse, ApiError> {
        let admin = self.state.admin(auth).await?;
        let (org, key) = orgs::create(&admin, &self.state.db, &body.name).await?;
        Ok(CreateOrgResponse::Created(Json(CreatedOrg {
            id: org.id,
            name: org.name,
            created_at: org.created_at.into(),
            owner_key: key.key,
            owner_key_id: key.view.id,
        })))
    }

    /// List orgs
    #[oai(path = "/api/v1/orgs", method = "get", operation_id = "listOrgs")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<OrgList>, ApiError> {
        let admin = self.state.admin(auth).await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = orgs::list(&admin, &self.state.db, req).await?;
        Ok(Json(OrgList {
            data: rows.items.into_iter().map(Org::from).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get an org
    #[oai(path = "/api/v1/orgs/:id", method = "get", operation_id = "getOrg")]
    async fn get(&self, auth: ApiAuth, id: Path<OrgId>) -> Result<Json<Org>, ApiError> {
        let admin = self.state.admin(auth).await?;
        Ok(Json(orgs::get(&admin, &self.state.db, &id.0).await?.into()))
    }

    /// Disable an org: its keys stop working at once
    #[oai(
        path = "/api/v1/orgs/:id/disable",
        method = "post",
        operation_id = "disableOrg"
    )]
    async fn disable(&self, auth: ApiAuth, id: Path<OrgId>) -> Result<Json<Org>, ApiError> {
        let admin = self.state.admin(auth).await?;
        Ok(Json(
            orgs::set_disabled(&admin, &self.state.db, &id.0, true)
                .await?
                .into(),
        ))
    }

    /// Re-enable a disabled org
    #[oai(
        path = "/api/v1/orgs/:id/enable",
        method = "post",
        operation_id = "enableOrg"
    )]
    async fn enable(&self, auth: ApiAuth, id: Path<OrgId>) -> Result<Json<Org>, ApiError> {
        let admin = self.state.admin(auth).await?;
        Ok(Json(
            orgs::set_disabled(&admin, &self.state.db, &id.0, false)
                .await?
                .into(),
        ))
    }
}

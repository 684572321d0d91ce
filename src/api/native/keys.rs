//! `/api/v1/api-keys`: an owner or admin key creates, lists and revokes its org's keys.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::enums::KeyRole;
use crate::api::wire::{KeyId, Line, PageLimit, PageNumber, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::keys::{self, KeyView};
use crate::error::AppError;

pub struct KeysApi {
    pub state: State,
}

#[derive(Object)]
pub struct CreateKeyRequest {
    /// A label for people, 1–100 characters.
    pub name: Line<100>,
    /// owner, admin, developer, analyst or support. Only an owner key may create owner keys.
    pub role: KeyRole,
}

#[derive(Object)]
pub struct ApiKey {
    /// Public id, `key_…` (the user name for HTTP Basic).
    pub id: String,
    pub name: String,
    pub role: KeyRole,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl TryFrom<KeyView> for ApiKey {
    type Error = AppError;
    fn try_from(v: KeyView) -> Result<Self, AppError> {
        Ok(ApiKey {
            id: v.id,
            name: v.name,
            role: KeyRole::from_stored(&v.role)?,
            prefix: v.prefix,
            created_at: v.created_at.into(),
            last_used_at: v.last_used_at.map(Into::into),
            revoked_at: v.revoked_at.map(Into::into),
        })
    }
}

#[derive(Object)]
pub struct CreatedKey {
    pub id: String,
    /// The secret. Shown once: store it now.
    pub key: String,
    pub name: String,
    pub role: KeyRole,
    pub created_at: Timestamp,
}

#[derive(Object)]
pub struct ApiKeyList {
    pub data: Vec<ApiKey>,
    pub pagination: Pagination,
}

#[derive(ApiResponse)]
pub enum CreateKeyResponse {
    /// The key, with its secret shown this once.
    #[oai(status = 201)]
    Created(Json<CreatedKey>),
}

#[OpenApi(tag = "ApiTags::ApiKeys")]
impl KeysApi {
    /// Create an API key with a role
    #[oai(
        path = "/api/v1/api-keys",
        method = "post",
        operation_id = "createApiKey"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<CreateKeyRequest>,
    ) -> Result<CreateKeyResponse, ApiError> {
        let ctx = self.state.tenant(auth, "createApiKey").await?;
        let created = keys::create(&ctx, &self.state.db, &body.name, body.role.as_str()).await?;
        Ok(CreateKeyResponse::Created(Json(CreatedKey {
            id: created.view.id,
            key: created.key,
            name: created.view.name,
            role: KeyRole::from_stored(&created.view.role)?,
            created_at: created.view.created_at.into(),
        })))
    }

    /// List the org's API keys (never their secrets)
    #[oai(
        path = "/api/v1/api-keys",
        method = "get",
        operation_id = "listApiKeys"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<ApiKeyList>, ApiError> {
        let ctx = self.state.tenant(auth, "listApiKeys").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = keys::list(&ctx, &self.state.db, req).await?;
        Ok(Json(ApiKeyList {
            data: rows
                .items
                .into_iter()
                .map(ApiKey::try_from)
                .collect::<Result<_, _>>()?,
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Revoke an API key
    #[oai(
        path = "/api/v1/api-keys/:id",
        method = "delete",
        operation_id = "revokeApiKey"
    )]
    async fn revoke(&self, auth: ApiAuth, id: Path<KeyId>) -> Result<Json<ApiKey>, ApiError> {
        let ctx = self.state.tenant(auth, "revokeApiKey").await?;
        Ok(Json(
            keys::revoke(&ctx, &self.state.db, &id.0)
                .await?
                .try_into()?,
        ))
    }
}

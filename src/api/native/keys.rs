//! `/api/v1/api-keys`: an owner or admin key creates, lists and revokes its org's keys.
use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::keys::{self, KeyView};
use crate::domain::PageReq;

pub struct KeysApi {
    pub state: State,
}

#[derive(Object)]
pub struct CreateKeyRequest {
    /// A label for people, 1–100 characters.
    #[oai(deserialize_with = "crate::api::strict::strict_string")]
    pub name: String,
    /// owner, admin, developer, analyst or support. Only an owner key may create owner keys.
    #[oai(deserialize_with = "crate::api::strict::strict_string")]
    pub role: String,
}

#[derive(Object)]
pub struct ApiKey {
    /// Public id, `key_…` (the user name for HTTP Basic).
    pub id: String,
    pub name: String,
    pub role: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyView> for ApiKey {
    fn from(v: KeyView) -> Self {
        ApiKey {
            id: v.id,
            name: v.name,
            role: v.role,
            prefix: v.prefix,
            created_at: v.created_at,
            last_used_at: v.last_used_at,
            revoked_at: v.revoked_at,
        }
    }
}

#[derive(Object)]
pub struct CreatedKey {
    pub id: String,
    /// The secret. Shown once: store it now.
    pub key: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
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
        let created = keys::create(&ctx, &self.state.db, &body.name, &body.role).await?;
        Ok(CreateKeyResponse::Created(Json(CreatedKey {
            id: created.view.id,
            key: created.key,
            name: created.view.name,
            role: created.view.role,
            created_at: created.view.created_at,
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
        page: Query<Option<i64>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<i64>>,
    ) -> Result<Json<ApiKeyList>, ApiError> {
        let ctx = self.state.tenant(auth, "listApiKeys").await?;
        let req = PageReq::parse(page.0, limit.0)?;
        let rows = keys::list(&ctx, &self.state.db, req).await?;
        Ok(Json(ApiKeyList {
            data: rows.items.into_iter().map(ApiKey::from).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Revoke an API key
    #[oai(
        path = "/api/v1/api-keys/:id",
        method = "delete",
        operation_id = "revokeApiKey"
    )]
    async fn revoke(&self, auth: ApiAuth, id: Path<String>) -> Result<Json<ApiKey>, ApiError> {
        let ctx = self.state.tenant(auth, "revokeApiKey").await?;
        Ok(Json(
            keys::revoke(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }
}

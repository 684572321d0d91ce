//! `/api/v1/scripts`: tenant Rhai scripts — upload, versions, read, delete, test on sample facts.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::enums::ScriptKind;
use crate::api::wire::{Line, PageLimit, PageNumber, ScriptId, Text, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::scripts::{self, ScriptView, TestRun, VersionView};
use crate::error::AppError;
use crate::scripting::ScriptFacts;

pub struct ScriptsApi {
    pub state: State,
}

#[derive(Object)]
pub struct UploadScript {
    /// Unique in the org, 1–100 characters.
    pub name: Line<100>,
    /// `condition` (returns true/false), `amount` (returns minor units) or `fraud` ("allow", "review", "deny").
    pub kind: ScriptKind,
    /// Rhai source; compiled on upload (a syntax error answers 422 with line and column).
    pub source: Text<65536>,
}

#[derive(Object)]
pub struct NewVersion {
    /// Rhai source of the new version; it replaces the current one at once.
    pub source: Text<65536>,
}

#[derive(Object)]
pub struct Script {
    /// Public id, `scr_…`.
    pub id: String,
    pub name: String,
    pub kind: ScriptKind,
    /// The current version.
    pub version: i64,
    /// Source of the current version (absent in lists).
    pub source: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<ScriptView> for Script {
    type Error = AppError;
    fn try_from(v: ScriptView) -> Result<Self, AppError> {
        Ok(Script {
            id: v.id,
            name: v.name,
            kind: ScriptKind::from_stored(&v.kind)?,
            version: v.version,
            source: v.source,
            created_at: v.created_at.into(),
            updated_at: v.updated_at.into(),
        })
    }
}

#[derive(Object)]
pub struct ScriptVersion {
    pub version: i64,
    pub source: String,
    /// The key that uploaded it.
    pub created_by: String,
    pub created_at: Timestamp,
}

impl From<VersionView> for ScriptVersion {
    fn from(v: VersionView) -> Self {
        ScriptVersion {
            version: v.version,
            source: v.source,
            created_by: v.created_by,
            created_at: v.created_at.into(),
        }
    }
}

#[derive(Object)]
pub struct ScriptList {
    pub data: Vec<Script>,
    pub pagination: Pagination,
}

#[derive(Object)]
pub struct ScriptVersionList {
    pub data: Vec<ScriptVersion>,
}

/// Sample facts for a test run; see README for every field. Money is in minor units.
#[derive(Object, Default)]
pub struct TestScript {
    /// `{referral, referrer, program, event}`; missing parts are empty.
    pub facts: Option<serde_json::Value>,
}

#[derive(Object)]
pub struct ScriptTestResult {
    /// Did the run finish with a value of the script's kind?
    pub ok: bool,
    /// The version that ran.
    pub version: i64,
    pub result: Option<serde_json::Value>,
    /// Why it failed, naming the limit when one stopped it.
    pub error: Option<String>,
    /// Rhai operations used.
    pub operations: u64,
    /// Wall time of the run, microseconds.
    pub elapsed_us: u64,
}

impl From<TestRun> for ScriptTestResult {
    fn from(t: TestRun) -> Self {
        ScriptTestResult {
            ok: t.ok,
            version: t.version,
            result: t.result,
            error: t.error,
            operations: t.operations,
            elapsed_us: t.elapsed_us,
        }
    }
}

#[derive(ApiResponse)]
pub enum CreatedScript {
    /// The script, compiled and stored as version 1.
    #[oai(status = 201)]
    Created(Json<Script>),
}

/// Parses sample facts, naming the part that does not fit.
pub fn parse_facts(value: Option<serde_json::Value>) -> Result<ScriptFacts, AppError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(ScriptFacts::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| AppError::invalid("facts", e.to_string())),
    }
}

#[OpenApi(tag = "ApiTags::Scripts")]
impl ScriptsApi {
    /// Upload a script (compiled first)
    #[oai(
        path = "/api/v1/scripts",
        method = "post",
        operation_id = "createScript"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<UploadScript>,
    ) -> Result<CreatedScript, ApiError> {
        let ctx = self.state.tenant(auth, "createScript").await?;
        let s = scripts::upload(
            &ctx,
            &self.state.db,
            &self.state.scripts,
            &body.name,
            body.kind.as_str(),
            &body.source,
        )
        .await?;
        Ok(CreatedScript::Created(Json(s.try_into()?)))
    }

    /// List scripts
    #[oai(path = "/api/v1/scripts", method = "get", operation_id = "listScripts")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<ScriptList>, ApiError> {
        let ctx = self.state.tenant(auth, "listScripts").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = scripts::list(&ctx, &self.state.db, req.offset(), req.limit).await?;
        Ok(Json(ScriptList {
            data: rows
                .items
                .into_iter()
                .map(Script::try_from)
                .collect::<Result<_, _>>()?,
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get a script with its current source
    #[oai(
        path = "/api/v1/scripts/:id",
        method = "get",
        operation_id = "getScript"
    )]
    async fn get(&self, auth: ApiAuth, id: Path<ScriptId>) -> Result<Json<Script>, ApiError> {
        let ctx = self.state.tenant(auth, "getScript").await?;
        Ok(Json(
            scripts::get(&ctx, &self.state.db, &id.0)
                .await?
                .try_into()?,
        ))
    }

    /// List a script's versions, newest first
    #[oai(
        path = "/api/v1/scripts/:id/versions",
        method = "get",
        operation_id = "listScriptVersions"
    )]
    async fn versions(
        &self,
        auth: ApiAuth,
        id: Path<ScriptId>,
    ) -> Result<Json<ScriptVersionList>, ApiError> {
        let ctx = self.state.tenant(auth, "listScriptVersions").await?;
        let data = scripts::versions(&ctx, &self.state.db, &id.0)
            .await?
            .into_iter()
            .map(ScriptVersion::from)
            .collect();
        Ok(Json(ScriptVersionList { data }))
    }

    /// Add a version (it replaces the current one at once)
    #[oai(
        path = "/api/v1/scripts/:id/versions",
        method = "post",
        operation_id = "addScriptVersion"
    )]
    async fn add_version(
        &self,
        auth: ApiAuth,
        id: Path<ScriptId>,
        body: Json<NewVersion>,
    ) -> Result<Json<Script>, ApiError> {
        let ctx = self.state.tenant(auth, "addScriptVersion").await?;
        Ok(Json(
            scripts::add_version(
                &ctx,
                &self.state.db,
                &self.state.scripts,
                &id.0,
                &body.source,
            )
            .await?
            .try_into()?,
        ))
    }

    /// Delete a script no rule uses
    #[oai(
        path = "/api/v1/scripts/:id",
        method = "delete",
        operation_id = "deleteScript"
    )]
    async fn delete(&self, auth: ApiAuth, id: Path<ScriptId>) -> Result<Json<Script>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteScript").await?;
        Ok(Json(
            scripts::delete(&ctx, &self.state.db, &self.state.scripts, &id.0)
                .await?
                .try_into()?,
        ))
    }

    /// Run a script on sample facts: its result, operations used and time taken
    #[oai(
        path = "/api/v1/scripts/:id/test",
        method = "post",
        operation_id = "testScript"
    )]
    async fn test(
        &self,
        auth: ApiAuth,
        id: Path<ScriptId>,
        body: Json<TestScript>,
    ) -> Result<Json<ScriptTestResult>, ApiError> {
        let ctx = self.state.tenant(auth, "testScript").await?;
        let facts = parse_facts(body.0.facts)?;
        Ok(Json(
            scripts::test(&ctx, &self.state.db, &self.state.scripts, &id.0, facts)
                .await?
                .into(),
        ))
    }
}

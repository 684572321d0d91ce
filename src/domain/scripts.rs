//! Tenant scripts: upload (compiled first: a syntax error is a 422 with line and column), new
//! versions, reads, delete (refused while a rule uses it), and test runs on sample facts.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{ids, values, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::{CompileError, Kind, ScriptFacts, Scripts};
use crate::store::scripts::{self as store, ScriptRow, ScriptTable, VersionRow};
use crate::store::{events, scope, unique_violation, Db, Page};

#[derive(Debug, Clone, Serialize)]
pub struct ScriptView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub version: i64,
    /// The current version's source (absent in lists).
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: &ScriptRow, source: Option<String>) -> ScriptView {
    ScriptView {
        id: row.public_id.clone(),
        name: row.name.clone(),
        kind: row.kind.clone(),
        version: row.current_version,
        source,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: i64,
    pub source: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn unprocessable(e: CompileError) -> AppError {
    AppError::Unprocessable {
        field: "source".into(),
        message: e.message,
        line: e.line,
        column: e.column,
    }
}

fn parse_kind(raw: &str) -> Result<Kind> {
    Kind::parse(raw.trim()).ok_or_else(|| {
        AppError::invalid(
            "kind",
            format!("must be condition, amount or fraud, got `{raw}`"),
        )
    })
}

fn parse_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if ids::has_prefix(id, "scr") {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "id",
            "is not a script id (expected `scr_…`)",
        ))
    }
}

async fn find(ctx: &Ctx, db: &impl sea_orm::ConnectionTrait, id: &str) -> Result<ScriptRow> {
    scope::get::<ScriptTable>(ctx, db, parse_id(id)?).await
}

async fn current_source(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &ScriptRow,
) -> Result<VersionRow> {
    store::version(ctx, db, row.id, row.current_version)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!(
                "script {} has no version {}",
                row.id, row.current_version
            ))
        })
}

pub async fn upload(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    name: &str,
    kind: &str,
    source: &str,
) -> Result<ScriptView> {
    let name = values::text("name", name, 100)?;
    let kind = parse_kind(kind)?;
    scripts.check(source).await?.map_err(unprocessable)?;
    let txn = db.write(ctx).await?;
    let row = match store::insert(ctx, &txn, &name, kind.as_str(), source).await {
        Ok(row) => row,
        Err(err) if unique_violation(&err).is_some() => {
            return Err(AppError::conflict(format!(
                "name: a script named `{name}` exists; add a version to it instead"
            )))
        }
        Err(err) => return Err(err.into()),
    };
    let script = view(&row, Some(source.to_string()));
    events::record(
        ctx,
        &txn,
        "ScriptAdd",
        &script.id,
        json!({"id": script.id, "name": script.name, "kind": script.kind, "version": 1}),
    )
    .await?;
    txn.commit().await?;
    Ok(script)
}

/// Adds a version; it replaces the previous one everywhere at once (rules name the script, not
/// a version, and the cache is keyed by version).
pub async fn add_version(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    id: &str,
    source: &str,
) -> Result<ScriptView> {
    scripts.check(source).await?.map_err(unprocessable)?;
    let txn = db.write(ctx).await?;
    let row = find(ctx, &txn, id).await?;
    let row = match store::add_version(ctx, &txn, row, source).await {
        Ok(row) => row,
        Err(err) if unique_violation(&err).is_some() => {
            return Err(AppError::conflict(
                "another version was added at the same moment; retry",
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let script = view(&row, Some(source.to_string()));
    events::record(
        ctx,
        &txn,
        "ScriptUpdate",
        &script.id,
        json!({"id": script.id, "version": script.version}),
    )
    .await?;
    txn.commit().await?;
    scripts.retire(row.id, row.current_version);
    Ok(script)
}

pub async fn list(ctx: &Ctx, db: &Db, offset: u64, limit: u64) -> Result<Page<ScriptView>> {
    let rows = store::list(ctx, db.conn(), offset, limit).await?;
    Ok(Page {
        items: rows.items.iter().map(|r| view(r, None)).collect(),
        total: rows.total,
    })
}

pub async fn get(ctx: &Ctx, db: &Db, id: &str) -> Result<ScriptView> {
    let row = find(ctx, db.conn(), id).await?;
    let source = current_source(ctx, db.conn(), &row).await?.source;
    Ok(view(&row, Some(source)))
}

pub async fn versions(ctx: &Ctx, db: &Db, id: &str) -> Result<Vec<VersionView>> {
    let row = find(ctx, db.conn(), id).await?;
    Ok(store::versions(ctx, db.conn(), row.id)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            source: v.source,
            created_by: v.created_by,
            created_at: v.created_at,
        })
        .collect())
}

pub async fn delete(ctx: &Ctx, db: &Db, scripts: &Scripts, id: &str) -> Result<ScriptView> {
    let txn = db.write(ctx).await?;
    let row = find(ctx, &txn, id).await?;
    let used = store::usage(ctx, &txn, row.id).await?;
    if used > 0 {
        return Err(AppError::conflict(format!(
            "script is used by {used} rule(s) or condition(s); detach it first"
        )));
    }
    store::delete(ctx, &txn, row.id).await?;
    let script = view(&row, None);
    events::record(
        ctx,
        &txn,
        "ScriptDelete",
        &script.id,
        json!({"id": script.id, "name": script.name}),
    )
    .await?;
    txn.commit().await?;
    scripts.retire(row.id, row.current_version + 1);
    Ok(script)
}

/// A script run's answer, for tenants trying a script.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    pub ok: bool,
    pub version: i64,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub operations: u64,
    pub elapsed_us: u64,
}

pub async fn test(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    id: &str,
    facts: ScriptFacts,
) -> Result<TestRun> {
    let row = find(ctx, db.conn(), id).await?;
    run_row(ctx, db.conn(), scripts, &row, facts).await
}

/// Runs a stored script's current version on facts and checks its answer against its kind.
/// The source is read only when the compiled version is not cached.
async fn run_row(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    scripts: &Scripts,
    row: &ScriptRow,
    facts: ScriptFacts,
) -> Result<TestRun> {
    let kind = parse_kind(&row.kind)?;
    let ast = match scripts.cached(row.id, row.current_version) {
        Some(ast) => ast,
        None => {
            let version = current_source(ctx, db, row).await?;
            scripts
                .compiled(row.id, version.version, &version.source)
                .map_err(unprocessable)?
        }
    };
    run_ast(ctx, scripts, kind, row.current_version, ast, facts).await
}

/// Runs a compiled script in the bounded pool and checks its answer against `kind`.
pub(in crate::domain) async fn run_ast(
    ctx: &Ctx,
    scripts: &Scripts,
    kind: Kind,
    version: i64,
    ast: std::sync::Arc<rhai::AST>,
    facts: ScriptFacts,
) -> Result<TestRun> {
    Ok(match scripts.run(ctx.org_id, ast, facts).await? {
        Ok(out) => {
            let (result, error) = match kind.check(&out.value) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(e)),
            };
            TestRun {
                ok: error.is_none(),
                version,
                result,
                error,
                operations: out.operations,
                elapsed_us: out.elapsed.as_micros() as u64,
            }
        }
        Err(e) => TestRun {
            ok: false,
            version,
            result: None,
            error: Some(e.message),
            operations: e.operations,
            elapsed_us: e.elapsed_us,
        },
    })
}

/// Compiles a source given inline (simulation candidates); a syntax error is a 422 naming
/// `field`.
pub(in crate::domain) async fn compile_inline(
    scripts: &Scripts,
    field: &str,
    source: &str,
) -> Result<std::sync::Arc<rhai::AST>> {
    scripts
        .check(source)
        .await?
        .map_err(|e| AppError::Unprocessable {
            field: field.into(),
            message: e.message,
            line: e.line,
            column: e.column,
        })?;
    scripts
        .compile(source)
        .map(std::sync::Arc::new)
        .map_err(unprocessable)
}

/// A script referenced from a rule or condition body: it must exist in the caller's org and be
/// of the expected kind, else the field is bad input (another org's script is simply unknown).
pub(in crate::domain) async fn for_use(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    field: &str,
    id: &str,
    kind: Kind,
) -> Result<ScriptRow> {
    let unknown = || AppError::invalid(field, format!("no script `{}` in this org", id.trim()));
    if !ids::has_prefix(id.trim(), "scr") {
        return Err(unknown());
    }
    let row = scope::find_by_public_id::<ScriptTable>(ctx, db, id.trim())
        .await?
        .ok_or_else(unknown)?;
    if row.kind != kind.as_str() {
        return Err(AppError::invalid(
            field,
            format!(
                "script `{}` is a {} script; a {} script is needed",
                row.public_id,
                row.kind,
                kind.as_str()
            ),
        ));
    }
    Ok(row)
}

/// Runs a stored script's current version on facts (for rule evaluation).
pub(in crate::domain) async fn run_current(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    scripts: &Scripts,
    row: &ScriptRow,
    facts: ScriptFacts,
) -> Result<std::result::Result<serde_json::Value, String>> {
    let run = run_row(ctx, db, scripts, row, facts).await?;
    Ok(match (run.result, run.error) {
        (Some(value), None) => Ok(value),
        (_, error) => Err(error.unwrap_or_else(|| "the script gave no answer".into())),
    })
}

//! Referral programs: validated once here for every surface (native v1, 003 reads, later 002).
//!
//! Name uniqueness per org and "one default program per project" are unique indexes; this module
//! turns their refusals into 409s.
use crate::store::WriteTxn;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{ids, Ctx};
use crate::error::{AppError, Result};
use crate::store::programs::{self as store, ProgramFields, ProgramRow, ProgramTable};
use crate::store::{events, scope, unique_violation, Db, Page};

mod input;

pub use input::{parse, ProgramInput};

/// A program as the native surface shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramView {
    pub id: String,
    /// The numeric id (the func surface of seed 002 shows these).
    #[serde(skip)]
    pub number: i64,
    pub name: String,
    pub title: String,
    #[serde(rename = "type")]
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
    /// Referrals from one IP within 72 hours before the next is held for review.
    pub velocity_limit: i32,
    /// The fraud script run on each new referral (`scr_…`), if any.
    pub fraud_script_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(in crate::domain) fn view(row: &ProgramRow) -> ProgramView {
    ProgramView {
        id: row.public_id.clone(),
        number: row.id,
        name: row.name.clone(),
        title: row.title.clone(),
        program_type: row.program_type.clone(),
        project: row.project.clone(),
        promocode: row.promocode.clone(),
        url: row.url.clone(),
        start_date: row.start_date,
        end_date: row.end_date,
        assign_by_default: row.assign_by_default,
        account_group: row.account_group.clone(),
        account_group_restrict: row.account_group_restrict.clone(),
        member_offer: row.member_offer.clone(),
        referral_offer: row.referral_offer.clone(),
        is_active: row.is_active,
        currency: row.currency.clone(),
        embed_origins: store::embed_origins(row),
        velocity_limit: row.velocity_limit,
        fraud_script_id: row.fraud_script_id.map(|n| format!("#{n}")),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn conflict(err: &sea_orm::DbErr, fields: &ProgramFields) -> Option<AppError> {
    let msg = unique_violation(err)?;
    Some(if msg.contains("one_default") || msg.contains("project") {
        AppError::conflict(format!(
            "assign_by_default: project `{}` already has a default program; unset it there first",
            fields.project
        ))
    } else {
        AppError::conflict(format!(
            "name: a program named `{}` already exists",
            fields.name
        ))
    })
}

/// The numeric id of the fraud script a program names: an id of this org's script of kind
/// fraud (not a script id: 400; unknown, another org's included: 404; another kind: 422).
async fn fraud_script(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    id: Option<&str>,
) -> Result<Option<i64>> {
    let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    // A view not yet shown (`#<number>`, e.g. the func surface's overlay) keeps its script.
    if let Some(n) = id.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(
            scope::find_by_id::<crate::store::scripts::ScriptTable>(ctx, db, n)
                .await?
                .map(|s| s.id),
        );
    }
    if !ids::has_prefix(id, "scr") {
        return Err(AppError::invalid(
            "fraud_script_id",
            "is not a script id (expected `scr_…`)",
        ));
    }
    let row = scope::find_by_public_id::<crate::store::scripts::ScriptTable>(ctx, db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("fraud_script_id: script `{id}`")))?;
    if row.kind != crate::scripting::Kind::Fraud.as_str() {
        return Err(AppError::unprocessable(
            "fraud_script_id",
            format!(
                "script `{id}` is a {} script; a fraud script is needed",
                row.kind
            ),
        ));
    }
    Ok(Some(row.id))
}

/// Shows the fraud script by its public id (views carry `#<number>` until this runs).
async fn with_script(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    mut v: ProgramView,
) -> Result<ProgramView> {
    if let Some(n) = v
        .fraud_script_id
        .as_deref()
        .and_then(|s| s.strip_prefix('#'))
        .and_then(|s| s.parse::<i64>().ok())
    {
        v.fraud_script_id = scope::find_by_id::<crate::store::scripts::ScriptTable>(ctx, db, n)
            .await?
            .map(|s| s.public_id);
    }
    Ok(v)
}

pub async fn create(ctx: &Ctx, db: &Db, input: ProgramInput) -> Result<ProgramView> {
    let script = input.fraud_script_id.clone();
    let mut fields = parse(input)?;
    let txn = db.write(ctx).await?;
    fields.fraud_script_id = fraud_script(ctx, &txn, script.as_deref()).await?;
    let row = match store::insert(ctx, &txn, fields.clone()).await {
        Ok(row) => row,
        Err(err) => return Err(conflict(&err, &fields).unwrap_or(err.into())),
    };
    let program = with_script(ctx, &txn, view(&row)).await?;
    events::record(ctx, &txn, "ProgramAdd", &program.id, json!(program)).await?;
    txn.commit().await?;
    Ok(program)
}

fn parse_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if ids::has_prefix(id, "prog") {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "id",
            "is not a program id (expected `prog_…`)",
        ))
    }
}

pub async fn get(ctx: &Ctx, db: &Db, id: &str) -> Result<ProgramView> {
    let row = scope::get::<ProgramTable>(ctx, db.conn(), parse_id(id)?).await?;
    with_script(ctx, db.conn(), view(&row)).await
}

/// Programs in creation order, `limit` of them from `offset` (native pages and 003 windows).
pub async fn list(ctx: &Ctx, db: &Db, offset: u64, limit: u64) -> Result<Page<ProgramView>> {
    let rows = store::list(ctx, db.conn(), offset, limit).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for row in &rows.items {
        items.push(with_script(ctx, db.conn(), view(row)).await?);
    }
    Ok(Page {
        items,
        total: rows.total,
    })
}

/// Replaces every field of a program (the body is the same as for create).
pub async fn update(ctx: &Ctx, db: &Db, id: &str, input: ProgramInput) -> Result<ProgramView> {
    let id = parse_id(id)?;
    let script = input.fraud_script_id.clone();
    let mut fields = parse(input)?;
    let txn = db.write(ctx).await?;
    fields.fraud_script_id = fraud_script(ctx, &txn, script.as_deref()).await?;
    let row = scope::get::<ProgramTable>(ctx, &txn, id).await?;
    let before = with_script(ctx, &txn, view(&row)).await?;
    let row = match store::update(&txn, row, fields.clone()).await {
        Ok(row) => row,
        Err(err) => return Err(conflict(&err, &fields).unwrap_or(err.into())),
    };
    let program = with_script(ctx, &txn, view(&row)).await?;
    events::record(
        ctx,
        &txn,
        "ProgramUpdate",
        &program.id,
        json!({"before": before, "after": program}),
    )
    .await?;
    txn.commit().await?;
    Ok(program)
}

/// Refuses (409) a program that has members: their history must stay attributable.
async fn refuse_with_members(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &ProgramRow,
) -> Result<()> {
    let members = store::member_count(ctx, db, row.id).await?;
    if members > 0 {
        return Err(AppError::conflict(format!(
            "program `{}` has {members} member(s); set is_active to false instead of deleting it",
            row.name
        )));
    }
    Ok(())
}

/// Deletes a program that never had members; one with members answers 409 (their history stays).
pub async fn delete(ctx: &Ctx, db: &Db, id: &str) -> Result<ProgramView> {
    let id = parse_id(id)?;
    let txn = db.write(ctx).await?;
    let row = scope::get::<ProgramTable>(ctx, &txn, id).await?;
    let program = remove(ctx, &txn, row).await?;
    txn.commit().await?;
    Ok(program)
}

/// Deletes the programs with these numeric ids (the func surface's `elid=1, 2, 3`) in one
/// transaction: all of them, or none when any is missing or refused as `delete` refuses it.
pub async fn delete_numbers(ctx: &Ctx, db: &Db, numbers: &[i64]) -> Result<Vec<ProgramView>> {
    let txn = db.write(ctx).await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = scope::find_by_id::<ProgramTable>(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("program"))?;
        deleted.push(remove(ctx, &txn, row).await?);
    }
    txn.commit().await?;
    Ok(deleted)
}

/// One program's deletion inside the caller's transaction (refused while it has members).
async fn remove(ctx: &Ctx, txn: &WriteTxn, row: ProgramRow) -> Result<ProgramView> {
    refuse_with_members(ctx, txn, &row).await?;
    // Rules belong to their program; they go with it.
    crate::store::rules::delete_for_program(ctx, txn, row.id).await?;
    store::delete(ctx, txn, row.id).await?;
    let program = view(&row);
    events::record(ctx, txn, "ProgramDelete", &program.id, json!(program)).await?;
    Ok(program)
}

/// Every program a 003 tertiaryInfo value names: by public id, else by name, else by title
/// (titles need not be unique, so this can be several).
pub(in crate::domain) async fn matching<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    key: &str,
) -> Result<Vec<ProgramRow>> {
    let key = key.trim();
    if ids::has_prefix(key, "prog") {
        if let Some(row) = scope::find_by_public_id::<ProgramTable>(ctx, db, key).await? {
            return Ok(vec![row]);
        }
    }
    store::find_by_name_or_title(ctx, db, key).await
}

/// The program a 003 `programId` or `programName` names: by public id, name or title.
pub async fn lookup(ctx: &Ctx, db: &Db, field: &str, key: &str) -> Result<ProgramView> {
    with_script(
        ctx,
        db.conn(),
        view(&resolve(ctx, db.conn(), field, key).await?),
    )
    .await
}

/// Finds a program by public id, name or title (003's `programId` accepts any of them).
pub(in crate::domain) async fn resolve<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    field: &str,
    key: &str,
) -> Result<ProgramRow> {
    let key = key.trim();
    if key.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    let mut rows = matching(ctx, db, key).await?;
    match rows.len() {
        0 => Err(AppError::not_found(format!("{field} `{key}`"))),
        1 => Ok(rows.remove(0)),
        _ => Err(AppError::invalid(
            field,
            format!("`{key}` matches several programs by title; use the id or name"),
        )),
    }
}

//! Referral programs: validated once here for every surface (native v1, 003 reads, later 002).
//!
//! Name uniqueness per org and "one default program per project" are unique indexes; this module
//! turns their refusals into 409s.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{ids, values, Ctx};
use crate::error::{AppError, Result};
use crate::store::programs::{self as store, ProgramFields, ProgramRow};
use crate::store::{events, unique_violation, Db, Page};

const MAX_EMBED_ORIGINS: usize = 20;

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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn view(row: &ProgramRow) -> ProgramView {
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
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Unvalidated program input, as any surface receives it.
#[derive(Debug, Clone, Default)]
pub struct ProgramInput {
    pub name: String,
    pub title: Option<String>,
    pub program_type: Option<String>,
    pub project: Option<String>,
    pub promocode: String,
    pub url: Option<String>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    pub is_active: Option<bool>,
    pub currency: Option<String>,
    pub embed_origins: Vec<String>,
}

impl ProgramInput {
    /// The input that reproduces a stored program (the func surface edits by overlaying on it).
    pub fn from_view(v: &ProgramView) -> ProgramInput {
        ProgramInput {
            name: v.name.clone(),
            title: Some(v.title.clone()),
            program_type: Some(v.program_type.clone()),
            project: Some(v.project.clone()),
            promocode: v.promocode.clone(),
            url: v.url.clone(),
            start_date: v.start_date,
            end_date: v.end_date,
            assign_by_default: v.assign_by_default,
            account_group: v.account_group.clone(),
            account_group_restrict: v.account_group_restrict.clone(),
            member_offer: v.member_offer.clone(),
            referral_offer: v.referral_offer.clone(),
            is_active: Some(v.is_active),
            currency: Some(v.currency.clone()),
            embed_origins: v.embed_origins.clone(),
        }
    }
}

pub fn parse(input: ProgramInput) -> Result<ProgramFields> {
    let name = values::text("name", &input.name, 100)?;
    if let (Some(start), Some(end)) = (input.start_date, input.end_date) {
        if end < start {
            return Err(AppError::invalid(
                "end_date",
                "must not be before start_date",
            ));
        }
    }
    if input.embed_origins.len() > MAX_EMBED_ORIGINS {
        return Err(AppError::invalid(
            "embed_origins",
            format!("at most {MAX_EMBED_ORIGINS} origins"),
        ));
    }
    let embed_origins = input
        .embed_origins
        .iter()
        .map(|o| values::origin("embed_origins", o))
        .collect::<Result<Vec<_>>>()?;
    Ok(ProgramFields {
        title: values::opt_text("title", input.title.as_deref(), 200)?
            .unwrap_or_else(|| name.clone()),
        program_type: values::opt_text("type", input.program_type.as_deref(), 50)?
            .unwrap_or_else(|| "referral".into()),
        project: values::opt_text("project", input.project.as_deref(), 100)?.unwrap_or_default(),
        promocode: values::promo_template("promocode", &input.promocode)?,
        url: input
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| values::web_url("url", u))
            .transpose()?,
        start_date: input.start_date,
        end_date: input.end_date,
        assign_by_default: input.assign_by_default,
        account_group: values::opt_text("account_group", input.account_group.as_deref(), 100)?,
        account_group_restrict: values::opt_text(
            "account_group_restrict",
            input.account_group_restrict.as_deref(),
            100,
        )?,
        member_offer: values::opt_text("member_offer", input.member_offer.as_deref(), 2000)?,
        referral_offer: values::opt_text("referral_offer", input.referral_offer.as_deref(), 2000)?,
        is_active: input.is_active.unwrap_or(true),
        currency: values::currency("currency", input.currency.as_deref())?,
        embed_origins,
        name,
    })
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

pub async fn create(ctx: &Ctx, db: &Db, input: ProgramInput) -> Result<ProgramView> {
    let fields = parse(input)?;
    let txn = db.write().await?;
    let row = match store::insert(ctx, &txn, fields.clone()).await {
        Ok(row) => row,
        Err(err) => return Err(conflict(&err, &fields).unwrap_or(err.into())),
    };
    let program = view(&row);
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
    let row = store::find(ctx, db.conn(), parse_id(id)?)
        .await?
        .ok_or_else(|| AppError::not_found("program"))?;
    Ok(view(&row))
}

/// Programs in creation order, `limit` of them from `offset` (native pages and 003 windows).
pub async fn list(ctx: &Ctx, db: &Db, offset: u64, limit: u64) -> Result<Page<ProgramView>> {
    let rows = store::list(ctx, db.conn(), offset, limit).await?;
    Ok(Page {
        items: rows.items.iter().map(view).collect(),
        total: rows.total,
    })
}

/// Replaces every field of a program (the body is the same as for create).
pub async fn update(ctx: &Ctx, db: &Db, id: &str, input: ProgramInput) -> Result<ProgramView> {
    let id = parse_id(id)?;
    let fields = parse(input)?;
    let txn = db.write().await?;
    let row = store::find(ctx, &txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("program"))?;
    let before = view(&row);
    let row = match store::update(&txn, row, fields.clone()).await {
        Ok(row) => row,
        Err(err) => return Err(conflict(&err, &fields).unwrap_or(err.into())),
    };
    let program = view(&row);
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
    let txn = db.write().await?;
    let row = store::find(ctx, &txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("program"))?;
    refuse_with_members(ctx, &txn, &row).await?;
    // Rules belong to their program; they go with it.
    crate::store::rules::delete_for_program(ctx, &txn, row.id).await?;
    store::delete(ctx, &txn, row.id).await?;
    let program = view(&row);
    events::record(ctx, &txn, "ProgramDelete", &program.id, json!(program)).await?;
    txn.commit().await?;
    Ok(program)
}

/// Deletes the programs with these numeric ids (the func surface's `elid=1, 2, 3`) in one
/// transaction: all of them, or none when any is missing or refused as `delete` refuses it.
pub async fn delete_numbers(ctx: &Ctx, db: &Db, numbers: &[i64]) -> Result<Vec<ProgramView>> {
    let txn = db.write().await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = store::find_by_id(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("program"))?;
        refuse_with_members(ctx, &txn, &row).await?;
        crate::store::rules::delete_for_program(ctx, &txn, row.id).await?;
        store::delete(ctx, &txn, row.id).await?;
        let program = view(&row);
        events::record(ctx, &txn, "ProgramDelete", &program.id, json!(program)).await?;
        deleted.push(program);
    }
    txn.commit().await?;
    Ok(deleted)
}

/// Every program a 003 tertiaryInfo value names: by public id, else by name, else by title
/// (titles need not be unique, so this can be several).
pub async fn matching<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    key: &str,
) -> Result<Vec<ProgramRow>> {
    let key = key.trim();
    if ids::has_prefix(key, "prog") {
        if let Some(row) = store::find(ctx, db, key).await? {
            return Ok(vec![row]);
        }
    }
    store::find_by_name_or_title(ctx, db, key).await
}

/// Finds a program by public id, name or title (003's `programId` accepts any of them).
pub async fn resolve<C: sea_orm::ConnectionTrait>(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProgramInput {
        ProgramInput {
            name: "Spring".into(),
            promocode: "SPRING-@ID@".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_fill_title_type_currency_and_activity() {
        let f = parse(input()).unwrap();
        assert_eq!(
            (
                f.title.as_str(),
                f.program_type.as_str(),
                f.currency.as_str(),
                f.is_active
            ),
            ("Spring", "referral", "USD", true)
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |i: ProgramInput| match parse(i).unwrap_err() {
            AppError::Invalid { field, .. } | AppError::Missing { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(
            field(ProgramInput {
                promocode: "SPRING".into(),
                ..input()
            }),
            "promocode"
        );
        assert_eq!(
            field(ProgramInput {
                name: " ".into(),
                ..input()
            }),
            "name"
        );
        let start = Utc::now();
        assert_eq!(
            field(ProgramInput {
                start_date: Some(start),
                end_date: Some(start - chrono::Duration::days(1)),
                ..input()
            }),
            "end_date"
        );
        assert_eq!(
            field(ProgramInput {
                currency: Some("EURO".into()),
                ..input()
            }),
            "currency"
        );
        assert_eq!(
            field(ProgramInput {
                url: Some("ftp://x".into()),
                ..input()
            }),
            "url"
        );
        assert_eq!(
            field(ProgramInput {
                embed_origins: vec!["https://a.com/x".into()],
                ..input()
            }),
            "embed_origins"
        );
    }
}

//! Creating a member: program by id, name or title (or the org's one default), profile, and a
//! referral code (given, or generated) in one transaction.
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{detail, parse_profile, program_field, MemberDetail, Profile};
use crate::domain::codes::Code;
use crate::domain::{programs, referral_codes, Ctx};
use crate::error::{AppError, Result};
use crate::store::members as store;
use crate::store::programs::{self as program_store, ProgramRow};
use crate::store::{events, unique_violation, Db};

pub struct NewMember {
    /// Program id, name or title; omitted means the org's one default program.
    pub program: Option<String>,
    pub profile: Profile,
    pub referral_code: Option<String>,
    pub disabled: bool,
}

async fn default_program<C: ConnectionTrait>(ctx: &Ctx, db: &C) -> Result<ProgramRow> {
    let mut defaults: Vec<ProgramRow> = program_store::all(ctx, db)
        .await?
        .into_iter()
        .filter(|p| p.assign_by_default)
        .collect();
    match defaults.len() {
        1 => Ok(defaults.remove(0)),
        0 => Err(AppError::missing(
            "programId",
            "is required (the org has no default program)",
        )),
        _ => Err(AppError::missing(
            "programId",
            "is required (the org has several default programs)",
        )),
    }
}

pub(super) fn member_payload(d: &MemberDetail) -> serde_json::Value {
    json!({
        "id": d.member.public_id,
        "email": d.member.email,
        "externalIdentifier": d.member.external_id,
        "programId": d.program.as_ref().map(|p| p.public_id.clone()),
        "referralCode": d.referral_code,
        "status": d.status(),
    })
}

/// Explains which uniqueness rule a member insert or update ran into.
pub(super) fn member_conflict(
    err: sea_orm::DbErr,
    email: &str,
    external_id: Option<&str>,
    program: &str,
) -> AppError {
    match unique_violation(&err) {
        Some(msg) if msg.contains("external") => AppError::conflict(format!(
            "externalIdentifier: `{}` already names another member of this org",
            external_id.unwrap_or_default()
        )),
        Some(_) => AppError::conflict(format!(
            "email: `{email}` is already a member of program `{program}`"
        )),
        None => err.into(),
    }
}

pub async fn create(ctx: &Ctx, db: &Db, input: NewMember) -> Result<MemberDetail> {
    let profile = parse_profile(input.profile)?;
    if profile.first_name.is_none() {
        return Err(AppError::missing("firstName", "is required"));
    }
    let email = profile
        .email
        .clone()
        .ok_or_else(|| AppError::missing("email", "is required"))?;
    let given = input
        .referral_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let given = given.map(|c| Code::parse("referralCode", c)).transpose()?;
    let txn = db.write(ctx).await?;
    let program = match input
        .program
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(key) => program_field(programs::resolve(ctx, &txn, "programId", key).await)?,
        None => default_program(ctx, &txn).await?,
    };
    let external_id = profile.external_id.clone();
    let member = match store::insert(ctx, &txn, program.id, profile, input.disabled).await {
        Ok(m) => m,
        Err(err) => {
            return Err(member_conflict(
                err,
                &email,
                external_id.as_deref(),
                &program.name,
            ))
        }
    };
    referral_codes::issue(ctx, &txn, &member, given.as_ref(), "referralCode").await?;
    let d = detail(ctx, &txn, member).await?;
    events::record(
        ctx,
        &txn,
        "MemberAdd",
        &d.member.public_id,
        member_payload(&d),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

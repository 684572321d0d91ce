//! Members of programs (003): create with a referral code, list, bulk update and remove by query.
//!
//! Removing keeps the row and its history (codes deactivated, tokens revoked, referrals and
//! rewards still attributable); removed members leave every list and query.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::json;

use super::codes::Code;
use super::{ids, programs, referral_codes, values, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{
    self as store, ListFilter, MemberColumn, MemberRow, MemberTable, Profile, Sort, Stats,
};
use crate::store::programs::{self as program_store, ProgramRow, ProgramTable};
use crate::store::referral_codes as code_store;
use crate::store::{access_tokens, events, scope, unique_violation, Db, Page};

/// Largest page of members one list call answers (003 `count`).
pub const MAX_COUNT: u64 = 100;
pub const DEFAULT_COUNT: u64 = 20;

/// A member with what its views show: program, active code, promo code, figures.
#[derive(Debug, Clone)]
pub struct MemberDetail {
    pub member: MemberRow,
    pub program: Option<ProgramRow>,
    pub referral_code: Option<String>,
    pub stats: Stats,
}

impl MemberDetail {
    pub fn promo_code(&self) -> Option<String> {
        self.program
            .as_ref()
            .map(|p| values::promo_code(&p.promocode, self.member.id))
    }

    pub fn status(&self) -> &'static str {
        if self.member.removed_at.is_some() {
            "Removed"
        } else if self.member.disabled {
            "Disabled"
        } else {
            "Active"
        }
    }

    pub fn display_name(&self) -> String {
        let m = &self.member;
        let name = [m.first_name.as_deref(), m.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            m.email
                .clone()
                .or_else(|| m.external_id.clone())
                .unwrap_or_else(|| m.public_id.clone())
        } else {
            name
        }
    }
}

/// Loads programs, active codes and figures for a page of members in a few queries.
pub async fn details<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: Vec<MemberRow>,
) -> Result<Vec<MemberDetail>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let codes = code_store::active_for_members(ctx, db, &ids).await?;
    let mut stats = store::stats(ctx, db, &ids).await?;
    let mut programs: std::collections::HashMap<i64, ProgramRow> = Default::default();
    for pid in rows.iter().filter_map(|m| m.program_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = programs.entry(pid) {
            if let Some(p) = scope::find_by_id::<ProgramTable>(ctx, db, pid).await? {
                e.insert(p);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| MemberDetail {
            program: m.program_id.and_then(|p| programs.get(&p).cloned()),
            referral_code: codes.get(&m.id).cloned(),
            stats: stats.remove(&m.id).unwrap_or_default(),
            member: m,
        })
        .collect())
}

async fn detail<C: ConnectionTrait>(ctx: &Ctx, db: &C, row: MemberRow) -> Result<MemberDetail> {
    details(ctx, db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("member detail vanished".into()))
}

/// Validates profile fields; `email` is lower-cased, lengths bounded.
pub fn parse_profile(p: Profile) -> Result<Profile> {
    let t = |field: &str, v: Option<String>, max: usize| values::opt_text(field, v.as_deref(), max);
    Ok(Profile {
        email: p
            .email
            .as_deref()
            .map(|e| values::email("email", e))
            .transpose()?,
        custom_override_url: p
            .custom_override_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| values::web_url("customOverrideURL", u))
            .transpose()?,
        first_name: t("firstName", p.first_name, 100)?,
        last_name: t("lastName", p.last_name, 100)?,
        phone: t("phone", p.phone, 40)?,
        external_id: t("externalIdentifier", p.external_id, 128)?,
        date_of_birth: t("dateOfBirth", p.date_of_birth, 40)?,
        address_line1: t("addressLine1", p.address_line1, 200)?,
        address_line2: t("addressLine2", p.address_line2, 200)?,
        city: t("city", p.city, 100)?,
        country_subdivision: t("countrySubdivision", p.country_subdivision, 100)?,
        country: t("country", p.country, 100)?,
        postal_code: t("postalCode", p.postal_code, 20)?,
        payout_info: t("payoutInfo", p.payout_info, 500)?,
        custom_option1_name: t("customOption1Name", p.custom_option1_name, 100)?,
        custom_option1_value: t("customOption1Value", p.custom_option1_value, 500)?,
        custom_text1_name: t("customText1Name", p.custom_text1_name, 100)?,
        custom_text1_value: t("customText1Value", p.custom_text1_value, 500)?,
        custom_text2_name: t("customText2Name", p.custom_text2_name, 100)?,
        custom_text2_value: t("customText2Value", p.custom_text2_value, 500)?,
    })
}

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

fn member_payload(d: &MemberDetail) -> serde_json::Value {
    json!({
        "id": d.member.public_id,
        "email": d.member.email,
        "externalIdentifier": d.member.external_id,
        "programId": d.program.as_ref().map(|p| p.public_id.clone()),
        "referralCode": d.referral_code,
        "status": d.status(),
    })
}

/// A program named in a request body that does not exist is bad input (400), not a 404.
fn program_field(found: Result<ProgramRow>) -> Result<ProgramRow> {
    found.map_err(|e| match e {
        AppError::NotFound(what) => {
            AppError::invalid("programId", format!("no program matches ({what})"))
        }
        other => other,
    })
}

/// Explains which uniqueness rule a member insert or update ran into.
fn member_conflict(
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
    let txn = db.write().await?;
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

pub struct ListMembers {
    pub program: Option<String>,
    pub query: Option<String>,
    pub show_disabled: bool,
    pub sort: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub offset: Option<i64>,
    pub count: Option<i64>,
}

pub fn parse_sort(raw: Option<&str>) -> Result<Sort> {
    Ok(match raw.map(str::trim).unwrap_or("Create_Dt_Desc") {
        "" | "Create_Dt_Desc" => Sort::CreatedDesc,
        "Create_Dt_Asc" => Sort::CreatedAsc,
        "Member_Full_Name_Asc" => Sort::NameAsc,
        "Member_Full_Name_Desc" => Sort::NameDesc,
        "Lead_Count_Asc" => Sort::LeadsAsc,
        "Lead_Count_Desc" => Sort::LeadsDesc,
        "Reward_Issued_Total_Asc" => Sort::RewardsIssuedAsc,
        "Reward_Issued_Total_Desc" => Sort::RewardsIssuedDesc,
        other => {
            return Err(AppError::invalid(
                "sort",
                format!("unknown sort `{other}`; one of Create_Dt_Desc, Create_Dt_Asc, Member_Full_Name_Asc, Member_Full_Name_Desc, Lead_Count_Asc, Lead_Count_Desc, Reward_Issued_Total_Asc, Reward_Issued_Total_Desc"),
            ))
        }
    })
}

/// 003 paging: `offset` ≥ 0 (default 0), `count` 1–100 (default 20); out of range is a 400.
pub fn parse_window(offset: Option<i64>, count: Option<i64>) -> Result<(u64, u64)> {
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::invalid(
            "offset",
            format!("must be 0 or more, got {offset}"),
        ));
    }
    let count = count.unwrap_or(DEFAULT_COUNT as i64);
    if !(1..=MAX_COUNT as i64).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("must be between 1 and {MAX_COUNT}, got {count}"),
        ));
    }
    Ok((offset as u64, count as u64))
}

pub async fn list(ctx: &Ctx, db: &Db, input: ListMembers) -> Result<(u64, Page<MemberDetail>)> {
    let (offset, count) = parse_window(input.offset, input.count)?;
    let sort = parse_sort(input.sort.as_deref())?;
    if let (Some(from), Some(to)) = (input.date_from, input.date_to) {
        if to < from {
            return Err(AppError::invalid("dateTo", "must not be before dateFrom"));
        }
    }
    let mut filter = ListFilter {
        show_disabled: input.show_disabled,
        date_from: input.date_from,
        date_to: input.date_to,
        ..Default::default()
    };
    if let Some(p) = input
        .program
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        filter.program_id =
            Some(program_field(programs::resolve(ctx, db.conn(), "programId", p).await)?.id);
    }
    if let Some(q) = input
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        filter.query = Some(q.to_string());
        if let Ok(code) = Code::parse("query", q) {
            filter.code_member_id = code_store::find_by_code(ctx, db.conn(), code.as_str())
                .await?
                .map(|c| c.member.id);
        }
    }
    let page = store::list(ctx, db.conn(), &filter, sort, offset, count).await?;
    let items = details(ctx, db.conn(), page.items).await?;
    Ok((
        offset,
        Page {
            items,
            total: page.total,
        },
    ))
}

/// A 003 member query: primaryInfo, or secondaryInfo together with tertiaryInfo.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    pub member_id: Option<String>,
    pub referral_code: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    pub program_title: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Success,
    NotFound,
    Ambiguous,
    InvalidQuery,
    Failed,
}

impl ItemStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ItemStatus::Success => "Success",
            ItemStatus::NotFound => "NotFound",
            ItemStatus::Ambiguous => "Ambiguous",
            ItemStatus::InvalidQuery => "InvalidQuery",
            ItemStatus::Failed => "Failed",
        }
    }
}

/// One item's outcome in a bulk call.
#[derive(Debug, Clone)]
pub struct ItemResult {
    pub status: ItemStatus,
    pub message: String,
    pub member: Option<MemberDetail>,
}

impl ItemResult {
    fn fail(status: ItemStatus, message: impl Into<String>) -> Self {
        ItemResult {
            status,
            message: message.into(),
            member: None,
        }
    }
}

/// Live members matching the query (the caller needs exactly one).
async fn matches(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    q: &MemberQuery,
) -> std::result::Result<Vec<MemberRow>, ItemResult> {
    let invalid = |m: &str| ItemResult::fail(ItemStatus::InvalidQuery, m);
    let internal = |e: AppError| ItemResult::fail(ItemStatus::Failed, e.public_message());
    let primary = present(&q.member_id).is_some() || present(&q.referral_code).is_some();
    if primary {
        let mut found: Option<Vec<MemberRow>> = None;
        if let Some(id) = present(&q.member_id) {
            found = Some(
                store::find_live_by(ctx, txn, MemberColumn::PublicId, id, None)
                    .await
                    .map_err(internal)?,
            );
        }
        if let Some(code) = present(&q.referral_code) {
            let code = Code::parse("referralCode", code).map_err(|e| invalid(&e.to_string()))?;
            let by_code = code_store::find_by_code(ctx, txn, code.as_str())
                .await
                .map_err(internal)?;
            let by_code: Vec<MemberRow> = by_code
                .map(|c| c.member)
                .filter(|m| m.removed_at.is_none())
                .into_iter()
                .collect();
            found = Some(match found {
                Some(by_id) => by_id
                    .into_iter()
                    .filter(|m| by_code.iter().any(|c| c.id == m.id))
                    .collect(),
                None => by_code,
            });
        }
        return Ok(found.unwrap_or_default());
    }
    let secondary = [
        (&q.email, MemberColumn::Email),
        (&q.external_id, MemberColumn::ExternalId),
    ]
    .into_iter()
    .find_map(|(v, col)| present(v).map(|v| (v.to_string(), col)));
    let tertiary = [&q.program_id, &q.program_name, &q.program_title]
        .into_iter()
        .find_map(present);
    let (Some((value, column)), Some(program_key)) = (secondary, tertiary) else {
        return Err(invalid(
            "query needs primaryInfo (memberId or referralCode), or secondaryInfo and tertiaryInfo",
        ));
    };
    let programs = programs::matching(ctx, txn, program_key)
        .await
        .map_err(internal)?;
    if programs.is_empty() {
        return Ok(vec![]);
    }
    let value = if matches!(column, MemberColumn::Email) {
        value.to_lowercase()
    } else {
        value
    };
    let program_ids = programs.iter().map(|p| p.id).collect();
    store::find_live_by(ctx, txn, column, &value, Some(program_ids))
        .await
        .map_err(internal)
}

async fn exactly_one(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    q: &MemberQuery,
) -> std::result::Result<MemberRow, ItemResult> {
    let mut found = matches(ctx, txn, q).await?;
    match found.len() {
        0 => Err(ItemResult::fail(
            ItemStatus::NotFound,
            "no member matches the query",
        )),
        1 => Ok(found.remove(0)),
        n => Err(ItemResult::fail(
            ItemStatus::Ambiguous,
            format!("{n} members match the query; nothing changed"),
        )),
    }
}

pub struct MemberChanges {
    pub profile: Profile,
    pub disabled: Option<bool>,
}

async fn update_one(
    ctx: &Ctx,
    db: &Db,
    query: &MemberQuery,
    changes: MemberChanges,
) -> Result<ItemResult> {
    let profile = match parse_profile(changes.profile) {
        Ok(p) => p,
        Err(e) => return Ok(ItemResult::fail(ItemStatus::Failed, e.to_string())),
    };
    let txn = db.write().await?;
    let row = match exactly_one(ctx, &txn, query).await {
        Ok(row) => row,
        Err(result) => return Ok(result),
    };
    let before = detail(ctx, &txn, row.clone()).await?;
    let (email, external_id) = (
        profile.email.clone().unwrap_or_default(),
        profile.external_id.clone(),
    );
    let row = match store::update_profile(&txn, row, profile, changes.disabled).await {
        Ok(r) => r,
        Err(err) => {
            return match member_conflict(err, &email, external_id.as_deref(), "its program") {
                AppError::Conflict(msg) => Ok(ItemResult::fail(ItemStatus::Failed, msg)),
                other => Err(other),
            }
        }
    };
    let after = detail(ctx, &txn, row).await?;
    events::record(
        ctx,
        &txn,
        "MemberUpdate",
        &after.member.public_id,
        json!({"before": member_payload(&before), "after": member_payload(&after)}),
    )
    .await?;
    txn.commit().await?;
    Ok(ItemResult {
        status: ItemStatus::Success,
        message: "member updated".into(),
        member: Some(after),
    })
}

/// Applies each item on its own: one bad item does not stop the others.
pub async fn update_many(
    ctx: &Ctx,
    db: &Db,
    items: Vec<(MemberQuery, MemberChanges)>,
) -> Result<Vec<ItemResult>> {
    let mut out = Vec::with_capacity(items.len());
    for (query, changes) in items {
        out.push(update_one(ctx, db, &query, changes).await?);
    }
    Ok(out)
}

async fn remove_one(ctx: &Ctx, db: &Db, query: &MemberQuery) -> Result<ItemResult> {
    let txn = db.write().await?;
    let row = match exactly_one(ctx, &txn, query).await {
        Ok(row) => row,
        Err(result) => return Ok(result),
    };
    let before = detail(ctx, &txn, row.clone()).await?;
    code_store::deactivate_all_for_member(ctx, &txn, row.id).await?;
    access_tokens::revoke(ctx, &txn, None, Some(row.id)).await?;
    let row = store::mark_removed(&txn, row).await?;
    events::record(
        ctx,
        &txn,
        "MemberDelete",
        &row.public_id,
        member_payload(&before),
    )
    .await?;
    let removed = MemberDetail {
        member: row,
        referral_code: None,
        ..before
    };
    txn.commit().await?;
    Ok(ItemResult {
        status: ItemStatus::Success,
        message: "member removed".into(),
        member: Some(removed),
    })
}

pub async fn remove_many(ctx: &Ctx, db: &Db, queries: Vec<MemberQuery>) -> Result<Vec<ItemResult>> {
    let mut out = Vec::with_capacity(queries.len());
    for query in queries {
        out.push(remove_one(ctx, db, &query).await?);
    }
    Ok(out)
}

/// The live member whose promo code this is, under any program of the org.
pub async fn resolve_promo_code(ctx: &Ctx, db: &Db, code: &str) -> Result<MemberDetail> {
    for program in program_store::all(ctx, db.conn()).await? {
        if let Some(id) = values::promo_member_id(&program.promocode, code) {
            if let Some(m) = scope::find_by_id::<MemberTable>(ctx, db.conn(), id).await? {
                if m.program_id == Some(program.id) && m.removed_at.is_none() {
                    return detail(ctx, db.conn(), m).await;
                }
            }
        }
    }
    Err(AppError::not_found("member for this promo code"))
}

/// Finds the one live member named by exactly one of id, code, email or external id.
pub async fn find_for_access(ctx: &Ctx, db: &Db, q: &MemberQuery) -> Result<MemberDetail> {
    let given = [
        present(&q.member_id),
        present(&q.referral_code),
        present(&q.email),
        present(&q.external_id),
    ];
    if given.iter().filter(|g| g.is_some()).count() != 1 {
        return Err(AppError::invalid(
            "memberQuery",
            "give exactly one of memberId, referralCode, email or externalId",
        ));
    }
    let conn = db.conn();
    let rows = if let Some(id) = present(&q.member_id) {
        if !ids::has_prefix(id, "mem") {
            return Err(AppError::invalid(
                "memberQuery.memberId",
                "is not a member id (expected `mem_…`)",
            ));
        }
        store::find_live_by(ctx, conn, MemberColumn::PublicId, id, None).await?
    } else if let Some(code) = present(&q.referral_code) {
        let code = Code::parse("memberQuery.referralCode", code)?;
        code_store::find_by_code(ctx, conn, code.as_str())
            .await?
            .map(|c| c.member)
            .filter(|m| m.removed_at.is_none())
            .into_iter()
            .collect()
    } else if let Some(email) = present(&q.email) {
        store::find_live_by(
            ctx,
            conn,
            MemberColumn::Email,
            &values::email("memberQuery.email", email)?,
            None,
        )
        .await?
    } else {
        store::find_live_by(
            ctx,
            conn,
            MemberColumn::ExternalId,
            present(&q.external_id).unwrap_or_default(),
            None,
        )
        .await?
    };
    let mut rows = rows;
    match rows.len() {
        0 => Err(AppError::not_found("member")),
        1 => detail(ctx, conn, rows.remove(0)).await,
        n => Err(AppError::conflict(format!(
            "{n} members match; query by memberId or referralCode instead"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_003_sort_value_parses_and_others_are_refused() {
        for s in [
            "Create_Dt_Desc",
            "Create_Dt_Asc",
            "Member_Full_Name_Asc",
            "Member_Full_Name_Desc",
            "Lead_Count_Asc",
            "Lead_Count_Desc",
            "Reward_Issued_Total_Asc",
            "Reward_Issued_Total_Desc",
        ] {
            assert!(parse_sort(Some(s)).is_ok(), "{s}");
        }
        assert_eq!(parse_sort(None).unwrap(), Sort::CreatedDesc);
        assert!(parse_sort(Some("Newest")).is_err());
    }

    #[test]
    fn windows_are_bounded_not_clamped() {
        assert_eq!(parse_window(None, None).unwrap(), (0, 20));
        assert!(parse_window(Some(-1), None).is_err());
        assert!(parse_window(None, Some(0)).is_err());
        assert!(parse_window(None, Some(101)).is_err());
    }
}

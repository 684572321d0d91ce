//! Bulk update and removal by member query: each item on its own, with its own outcome.
use crate::store::WriteTxn;
use serde_json::json;

use super::create::{member_conflict, member_payload};
use super::query::present;
use super::{detail, parse_profile, MemberDetail, MemberQuery, MemberView, Profile};
use crate::domain::codes::Code;
use crate::domain::{programs, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{self as store, MemberColumn, MemberRow};
use crate::store::referral_codes as code_store;
use crate::store::{access_tokens, events, Db};

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
    txn: &WriteTxn,
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
            let by_code = code_store::member_by_code(ctx, txn, code.as_str())
                .await
                .map_err(internal)?;
            let by_code: Vec<MemberRow> = by_code
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

/// The one live member the query names, or the item's failure (none, several, bad query).
pub(in crate::domain) async fn exactly_one(
    ctx: &Ctx,
    txn: &WriteTxn,
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
    let txn = db.write(ctx).await?;
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
    let txn = db.write(ctx).await?;
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
        member: MemberView::from(row),
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

//! Finding members by a 003 member query, by promo code, or for access URLs.
use super::{detail, MemberDetail};
use crate::domain::codes::Code;
use crate::domain::{ids, values, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{self as store, MemberColumn, MemberTable};
use crate::store::programs as program_store;
use crate::store::referral_codes as code_store;
use crate::store::{scope, Db};

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

pub(super) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
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
        code_store::member_by_code(ctx, conn, code.as_str())
            .await?
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

/// The one live member a plain 003 `query` string names: a member id, an email, a referral code
/// or an external id (every reading is tried; several members → 409).
pub async fn find_by_text(ctx: &Ctx, db: &Db, field: &str, text: &str) -> Result<MemberDetail> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::missing(field, "is required"));
    }
    let conn = db.conn();
    let ids = matching_text(ctx, conn, text).await?;
    match ids.as_slice() {
        [] => Err(AppError::not_found("member")),
        [id] => {
            let row = scope::find_by_id::<MemberTable>(ctx, conn, *id)
                .await?
                .ok_or_else(|| AppError::not_found("member"))?;
            detail(ctx, conn, row).await
        }
        more => Err(AppError::conflict(format!(
            "{} members match `{text}`; query by member id instead",
            more.len()
        ))),
    }
}

/// Ids of live members whose public id, email, external id or referral code is `text` (the 003
/// reward and payout filters' `query`).
pub(in crate::domain) async fn matching_text<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    text: &str,
) -> Result<Vec<i64>> {
    let text = text.trim();
    let mut ids = Vec::new();
    for (column, value) in [
        (MemberColumn::PublicId, text.to_string()),
        (MemberColumn::Email, text.to_lowercase()),
        (MemberColumn::ExternalId, text.to_string()),
    ] {
        ids.extend(
            store::find_live_by(ctx, db, column, &value, None)
                .await?
                .into_iter()
                .map(|m| m.id),
        );
    }
    if let Ok(code) = Code::parse("query", text) {
        if let Some(m) = code_store::member_by_code(ctx, db, code.as_str()).await? {
            if m.removed_at.is_none() {
                ids.push(m.id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

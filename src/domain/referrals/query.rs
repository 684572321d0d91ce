//! Finding one referral: by a 003 ReferralQuery (primaryInfo; or secondaryInfo together with
//! tertiaryInfo; or fuzzyInfo) or by a plain string (referral id, email or external id, as
//! `/api/referralaction`'s `referralQuery` and `/api/referral/getsingle` take it).
//!
//! Invariant: a query names one live referral or fails — none is a 404, several a 409; emails
//! compare by mailbox identity (`identity::mailbox`), everything else exactly.
use sea_orm::ConnectionTrait;

use super::identity;
use super::status::ReferralStatus;
use super::view::{load_one, Referral};
use crate::domain::values::Email;
use crate::domain::{ids, programs, Ctx};
use crate::error::{AppError, Result};
use crate::store::referrals::{self as store, Match, ReferralRow};
use crate::store::Db;

/// A 003 ReferralQuery, every key casing already folded by the surface.
#[derive(Debug, Clone, Default)]
pub struct ReferralQuery {
    /// primaryInfo.referralId
    pub referral_id: Option<String>,
    /// secondaryInfo
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// tertiaryInfo (ProgramId / programId …)
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    pub program_title: Option<String>,
    /// fuzzyInfo.Identifier: a referral id, email or external id.
    pub identifier: Option<String>,
}

/// What other aggregates need of a found referral (no joins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRef {
    pub id: i64,
    pub public_id: String,
    pub member_id: i64,
    pub program_id: Option<i64>,
    pub status: ReferralStatus,
    pub held: bool,
    pub currency: Option<String>,
    pub amount_minor: Option<i64>,
}

impl From<&ReferralRow> for ReferralRef {
    fn from(r: &ReferralRow) -> Self {
        ReferralRef {
            id: r.id,
            public_id: r.public_id.clone(),
            member_id: r.member_id,
            program_id: r.program_id,
            status: ReferralStatus::parse("status", &r.status).unwrap_or(ReferralStatus::Pending),
            held: r.held_reason.is_some(),
            currency: r.currency.clone(),
            amount_minor: r.amount_minor,
        }
    }
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn email_key(field: &str, raw: &str) -> Result<String> {
    let email = Email::parse(raw).map_err(|e| AppError::invalid(field, e))?;
    Ok(identity::mailbox(&email))
}

fn exactly_one(mut rows: Vec<ReferralRow>) -> Result<ReferralRow> {
    match rows.len() {
        0 => Err(AppError::not_found("referral")),
        1 => Ok(rows.remove(0)),
        _ => Err(AppError::conflict(
            "query: several referrals match; query by primaryInfo.referralId instead",
        )),
    }
}

/// The one live referral a plain string names: its id, its email (mailbox) or external id.
pub(in crate::domain) async fn row_by_text<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    field: &str,
    text: &str,
) -> Result<ReferralRow> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    let m = Match {
        public_id: Some(text.to_string()),
        external_id: Some(text.to_string()),
        email_key: Email::parse(text).ok().map(|e| identity::mailbox(&e)),
        any: true,
        ..Default::default()
    };
    exactly_one(store::find_matching(ctx, db, &m, 2).await?)
}

/// The one live referral a 003 ReferralQuery names.
pub(in crate::domain) async fn row_by_query<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    q: &ReferralQuery,
) -> Result<ReferralRow> {
    if let Some(id) = present(&q.referral_id) {
        if !ids::has_prefix(id, "ref") {
            return Err(AppError::not_found("referral"));
        }
        let m = Match {
            public_id: Some(id.to_string()),
            ..Default::default()
        };
        return exactly_one(store::find_matching(ctx, db, &m, 2).await?);
    }
    let secondary = present(&q.email).is_some()
        || present(&q.external_id).is_some()
        || present(&q.phone).is_some();
    let tertiary = [&q.program_id, &q.program_name, &q.program_title]
        .into_iter()
        .find_map(present);
    if secondary {
        let Some(program_key) = tertiary else {
            return Err(AppError::invalid(
                "query",
                "secondaryInfo needs tertiaryInfo (the program) too, or use primaryInfo.referralId",
            ));
        };
        let programs: Vec<i64> = programs::matching(ctx, db, program_key)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        if programs.is_empty() {
            return Err(AppError::not_found(
                "referral (no program matches tertiaryInfo)",
            ));
        }
        let m = Match {
            email_key: present(&q.email)
                .map(|e| email_key("query.secondaryInfo.email", e))
                .transpose()?,
            external_id: present(&q.external_id).map(str::to_string),
            phone: present(&q.phone).map(str::to_string),
            program_ids: Some(programs),
            ..Default::default()
        };
        return exactly_one(store::find_matching(ctx, db, &m, 2).await?);
    }
    if let Some(text) = present(&q.identifier) {
        return row_by_text(ctx, db, "query.fuzzyInfo.Identifier", text).await;
    }
    Err(AppError::invalid(
        "query",
        "give primaryInfo.referralId, or secondaryInfo with tertiaryInfo, or fuzzyInfo.Identifier",
    ))
}

/// The one live referral a 003 ReferralQuery names (for other aggregates, e.g. rewards).
pub async fn resolve<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    q: &ReferralQuery,
) -> Result<ReferralRef> {
    Ok(ReferralRef::from(&row_by_query(ctx, db, q).await?))
}

/// The one live referral a plain string names: referral id, email or external id (`field` is
/// named in a 400 for an empty string).
pub async fn resolve_text<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    field: &str,
    text: &str,
) -> Result<ReferralRef> {
    Ok(ReferralRef::from(&row_by_text(ctx, db, field, text).await?))
}

/// A referral's full view by numeric id (removed ones too), for other aggregates' views.
pub async fn view_by_id<C: ConnectionTrait>(ctx: &Ctx, db: &C, id: i64) -> Result<Referral> {
    let row = crate::store::scope::find_by_id::<store::ReferralTable>(ctx, db, id)
        .await?
        .ok_or_else(|| AppError::not_found("referral"))?;
    load_one(ctx, db, row).await
}

/// `GET /api/referral/single`: by id, email or external id (each given one must match).
pub async fn single(ctx: &Ctx, db: &Db, by: SingleQuery) -> Result<Referral> {
    let conn = db.conn();
    let given = [&by.referral_id, &by.email, &by.external_id, &by.text];
    if given.iter().all(|g| present(g).is_none()) {
        return Err(AppError::missing(
            "referralId",
            "give one of referralId, email, externalId (or externalIdentifier)",
        ));
    }
    if let Some(text) = present(&by.text) {
        let row = row_by_text(ctx, conn, "referralQuery", text).await?;
        return load_one(ctx, conn, row).await;
    }
    let m = Match {
        public_id: present(&by.referral_id).map(str::to_string),
        email_key: present(&by.email)
            .map(|e| email_key("email", e))
            .transpose()?,
        external_id: present(&by.external_id).map(str::to_string),
        ..Default::default()
    };
    let row = exactly_one(store::find_matching(ctx, conn, &m, 2).await?)?;
    load_one(ctx, conn, row).await
}

/// The keys of `GET /api/referral/single` (and `getsingle`'s `referralQuery`).
#[derive(Debug, Clone, Default)]
pub struct SingleQuery {
    pub referral_id: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    /// A plain referral id, email or external id.
    pub text: Option<String>,
}

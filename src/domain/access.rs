//! Member access tokens for the partner pages: ≥ 256 random bits, stored as SHA-256, expiring,
//! revocable one by one or all of a member at once; and the share links (`/r/{code}`).
//!
//! Invariants: the public pages and share links get their read-only `Ctx` here
//! (`Ctx::page_reader`), from the org their token or code names, and only while that org is
//! enabled. Whether a share link is live (active code, enabled org, member neither removed nor
//! disabled, somewhere to send the visitor) is decided in `resolve_share_link` alone; live
//! links are cached, validated by their org's generation.
use chrono::{DateTime, Duration, Utc};
use rand::distr::{Alphanumeric, SampleString};

use super::codes::Code;
use super::members::{self, MemberDetail, MemberQuery};
use super::{ids, links, Ctx};
use crate::auth::secrets;
use crate::error::{AppError, Result};
use crate::store::access_tokens::{self, AccessTokenTable};
use crate::store::members::{self as member_store, MemberTable};
use crate::store::referral_codes as code_store;
use crate::store::{events, orgs, scope, Db};
use serde_json::json;

pub const DEFAULT_EXPIRE_MINUTES: i64 = 24 * 60;
pub const MAX_EXPIRE_MINUTES: i64 = 30 * 24 * 60;

pub struct Grant {
    pub token: String,
    pub token_id: String,
    pub expires_at: DateTime<Utc>,
    pub member: MemberDetail,
    /// The member's active referral code (share links need one).
    pub code: String,
}

pub fn parse_expiry(minutes: Option<i64>) -> Result<i64> {
    let m = minutes.unwrap_or(DEFAULT_EXPIRE_MINUTES);
    if !(1..=MAX_EXPIRE_MINUTES).contains(&m) {
        return Err(AppError::invalid(
            "expireInMinutes",
            format!("must be between 1 and {MAX_EXPIRE_MINUTES}, got {m}"),
        ));
    }
    Ok(m)
}

pub async fn grant(
    ctx: &Ctx,
    db: &Db,
    query: &MemberQuery,
    expire_minutes: Option<i64>,
) -> Result<Grant> {
    let minutes = parse_expiry(expire_minutes)?;
    let member = members::find_for_access(ctx, db, query).await?;
    if member.member.disabled {
        return Err(AppError::conflict(format!(
            "member `{}` is disabled; enable it before issuing access URLs",
            member.member.public_id
        )));
    }
    let code = member.referral_code.clone().ok_or_else(|| {
        AppError::conflict("member has no active referral code; give it one first")
    })?;
    let token = Alphanumeric.sample_string(&mut rand::rng(), 43);
    let expires_at = crate::domain::clock::now() + Duration::minutes(minutes);
    let txn = db.write(ctx).await?;
    let row = access_tokens::insert(
        ctx,
        &txn,
        member.member.id,
        &secrets::hash(&token),
        expires_at,
    )
    .await?;
    let payload = json!({"id": row.public_id, "member_id": member.member.public_id, "expires_at": expires_at});
    events::record(ctx, &txn, "AccessTokenAdd", &row.public_id, payload).await?;
    txn.commit().await?;
    Ok(Grant {
        token,
        token_id: row.public_id,
        expires_at,
        member,
        code,
    })
}

/// What a partner page may show, or why it may not.
pub enum Opened {
    Page {
        ctx: Ctx,
        member: Box<MemberDetail>,
    },
    /// Expired, revoked, the member removed or disabled, or the org disabled: the link no
    /// longer works.
    Expired,
    NotFound,
}

/// Resolves a token from a page URL. No key is involved: the token is the credential and
/// names its org, so the page reads with a read-only context of that org.
pub async fn open(db: &Db, token: &str) -> Result<Opened> {
    if token.len() != 43 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(Opened::NotFound);
    }
    let Some(row) = access_tokens::find_by_hash(db.conn(), &secrets::hash(token)).await? else {
        return Ok(Opened::NotFound);
    };
    if row.revoked_at.is_some() || row.expires_at <= crate::domain::clock::now() {
        return Ok(Opened::Expired);
    }
    let Some(org) = orgs::find_by_id(db.conn(), row.org_id).await? else {
        return Ok(Opened::NotFound);
    };
    if org.disabled_at.is_some() {
        return Ok(Opened::Expired);
    }
    let ctx = Ctx::page_reader(org.id, org.public_id, format!("token:{}", row.public_id));
    let Some(member) = scope::find_by_id::<MemberTable>(&ctx, db.conn(), row.member_id).await?
    else {
        return Ok(Opened::NotFound);
    };
    if member.removed_at.is_some() || member.disabled {
        return Ok(Opened::Expired);
    }
    let member = members::detail(&ctx, db.conn(), member).await?;
    Ok(Opened::Page {
        ctx,
        member: Box::new(member),
    })
}

/// A live share link: where it sends its visitor, and whose views it counts.
#[derive(Clone, Debug)]
pub struct ShareLink {
    pub org_id: i64,
    pub org_public_id: String,
    pub member_id: i64,
    /// The member's destination with `ref=<code>`.
    pub target: String,
}

/// Where a share link (`/r/{code}`) sends its visitor (the member's destination with
/// `ref=<code>`), counting the view. `None` when the link is not live: unknown or inactive
/// code, org gone or disabled, member removed or disabled, or nowhere to send the visitor.
/// No key is involved: codes are unique across the platform and name their org.
///
/// Live links are cached per code while no write of their org committed since they were read
/// (`crate::cache`); the view is counted on every visit, cached or not.
pub async fn follow_share_link(db: &Db, code: &str) -> Result<Option<String>> {
    let Ok(code) = Code::parse("code", code) else {
        return Ok(None);
    };
    let cache = &db.caches().share_links;
    let link = match cache.get(code.as_str(), |link, stamp| {
        stamp == db.generation(link.org_id)
    }) {
        Some(link) => link,
        None => match resolve_share_link(db, &code).await? {
            Some(link) => link,
            None => return Ok(None),
        },
    };
    let ctx = Ctx::page_reader(link.org_id, link.org_public_id, "share-link".into());
    let _turn = db.writer_turn().await;
    member_store::add_view(&ctx, db.conn(), link.member_id).await?;
    Ok(Some(link.target))
}

/// Reads a share link from the database; caches it when it is live.
async fn resolve_share_link(db: &Db, code: &Code) -> Result<Option<ShareLink>> {
    // The org is known only from the code's row, and its generation must be read before the
    // rows the entry rests on: so find the org first, then read them all (the code's row again).
    let Some(seen) = code_store::find_active_any_org(db.conn(), code.as_str()).await? else {
        return Ok(None);
    };
    let generation = db.generation(seen.org_id);
    let Some(row) = code_store::find_active_any_org(db.conn(), code.as_str()).await? else {
        return Ok(None);
    };
    let Some(org) = orgs::find_by_id(db.conn(), row.org_id).await? else {
        return Ok(None);
    };
    if org.disabled_at.is_some() {
        return Ok(None);
    }
    let ctx = Ctx::page_reader(org.id, org.public_id, "share-link".into());
    let Some(member) = scope::find_by_id::<MemberTable>(&ctx, db.conn(), row.member_id).await?
    else {
        return Ok(None);
    };
    let detail = members::detail(&ctx, db.conn(), member).await?;
    if !detail.is_live() {
        return Ok(None);
    }
    let Some(target) = detail
        .destination()
        .and_then(|d| links::with_ref(d, code.as_str()))
    else {
        return Ok(None);
    };
    let link = ShareLink {
        org_id: ctx.org_id,
        org_public_id: ctx.org_public_id,
        member_id: row.member_id,
        target,
    };
    // A code that moved to another org in between was read under the wrong generation.
    if row.org_id == seen.org_id {
        db.caches()
            .share_links
            .insert(code.as_str().to_string(), generation, link.clone());
    }
    Ok(Some(link))
}

pub async fn revoke_token(ctx: &Ctx, db: &Db, token_id: &str) -> Result<()> {
    if !ids::has_prefix(token_id.trim(), "tok") {
        return Err(AppError::invalid(
            "id",
            "is not an access token id (expected `tok_…`)",
        ));
    }
    let txn = db.write(ctx).await?;
    scope::get::<AccessTokenTable>(ctx, &txn, token_id.trim()).await?;
    access_tokens::revoke(ctx, &txn, Some(token_id.trim()), None).await?;
    events::record(
        ctx,
        &txn,
        "AccessTokenRevoke",
        token_id.trim(),
        json!({"id": token_id.trim()}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes every live token of a member; answers how many were live.
pub async fn revoke_member(ctx: &Ctx, db: &Db, member_id: &str) -> Result<u64> {
    if !ids::has_prefix(member_id.trim(), "mem") {
        return Err(AppError::invalid(
            "id",
            "is not a member id (expected `mem_…`)",
        ));
    }
    let txn = db.write(ctx).await?;
    let member = scope::get::<MemberTable>(ctx, &txn, member_id.trim()).await?;
    let n = access_tokens::revoke(ctx, &txn, None, Some(member.id)).await?;
    events::record(
        ctx,
        &txn,
        "AccessTokenRevoke",
        &member.public_id,
        json!({"member_id": member.public_id, "revoked": n}),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_defaults_to_a_day_and_is_bounded() {
        assert_eq!(parse_expiry(None).unwrap(), 1440);
        assert!(parse_expiry(Some(0)).is_err());
        assert!(parse_expiry(Some(MAX_EXPIRE_MINUTES + 1)).is_err());
        assert_eq!(parse_expiry(Some(5)).unwrap(), 5);
    }
}

//! Referral code records (seed 004): one active code per (mentor, org), history kept.
//!
//! The one-active rule and platform-wide code uniqueness are enforced by unique indexes; this
//! module only translates their refusals into 409s that name the code in the way.
//!
//! `mentor` says whose code it is (a member by our id or by the tenant's own), `issue` gives a
//! member a new active code; this module holds the 004 record operations.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::codes::Code;
use super::members::MemberNames;
use super::{ids, Ctx, PageReq};
use crate::error::{AppError, Result};
use crate::store::members::{self, MemberTable};
use crate::store::referral_codes::{self as store, CodeFilter, CodeWithMember, ACTIVE, INACTIVE};
use crate::store::{events, is_fk_violation, scope, unique_violation, Db, Page};

mod issue;
mod mentor;

use issue::conflict_with_active;
pub(in crate::domain) use issue::{issue, issue_many};
pub(in crate::domain) use mentor::mentor_label;
use mentor::resolve_mentor;
pub use mentor::MentorRef;

/// A record as the 004 contract shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeRecord {
    pub id: String,
    pub mentor_id: String,
    pub org_id: String,
    pub code: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

pub struct CreateCode {
    pub mentor_id: String,
    pub org_id: Option<String>,
    pub code: Option<String>,
    /// Used only when the mentor is created by this call (readable code prefix, contact).
    pub names: MemberNames,
}

pub struct UpdateCode {
    pub status: Option<String>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

pub struct ListCodes {
    pub page: PageReq,
    pub mentor_id: Option<String>,
    pub status: Option<String>,
}

fn record(ctx: &Ctx, row: &CodeWithMember) -> CodeRecord {
    CodeRecord {
        id: row.code.public_id.clone(),
        mentor_id: mentor_label(&row.mentor),
        org_id: ctx.org_public_id.clone(),
        code: row.code.code.clone(),
        status: row.code.status.clone(),
        created_at: row.code.created_at,
        deactivated_at: row.code.deactivated_at,
    }
}

fn parse_record_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if ids::has_prefix(id, "rc") {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "id",
            "is not a referral code record id (expected `rc_…`)",
        ))
    }
}

fn parse_status(field: &str, raw: &str) -> Result<&'static str> {
    match raw.trim() {
        "active" => Ok(ACTIVE),
        "inactive" => Ok(INACTIVE),
        other => Err(AppError::invalid(
            field,
            format!("must be `active` or `inactive`, got `{other}`"),
        )),
    }
}

pub async fn create(ctx: &Ctx, db: &Db, input: CreateCode) -> Result<CodeRecord> {
    ctx.check_org_param("org_id", input.org_id.as_deref())?;
    let mentor = MentorRef::parse("mentor_id", &input.mentor_id)?;
    let given = input
        .code
        .as_deref()
        .map(|c| Code::parse("code", c))
        .transpose()?;
    let txn = db.write(ctx).await?;
    let member = match &mentor {
        MentorRef::Member(public_id) => {
            scope::find_by_public_id::<MemberTable>(ctx, &txn, public_id)
                .await?
                .ok_or_else(|| AppError::not_found(format!("mentor_id `{public_id}`")))?
        }
        MentorRef::External(external_id) => {
            let (member, created) =
                members::ensure_external(ctx, &txn, external_id, &input.names).await?;
            if created {
                let payload = json!({"id": member.public_id, "externalIdentifier": external_id});
                events::record(ctx, &txn, "MemberAdd", &member.public_id, payload).await?;
            }
            member
        }
    };
    let row = issue(ctx, &txn, &member, given.as_ref(), "code").await?;
    txn.commit().await?;
    Ok(record(
        ctx,
        &CodeWithMember {
            code: row,
            mentor: (&member).into(),
        },
    ))
}

pub async fn get(ctx: &Ctx, db: &Db, id: &str) -> Result<CodeRecord> {
    let id = parse_record_id(id)?;
    let row = store::find(ctx, db.conn(), id)
        .await?
        .ok_or_else(|| AppError::not_found("referral code record"))?;
    Ok(record(ctx, &row))
}

/// A record by its code, served from the cache while no write of the org committed since it
/// was read (`crate::cache`); unknown codes are not cached.
pub async fn lookup(ctx: &Ctx, db: &Db, code: &str) -> Result<CodeRecord> {
    let code = Code::parse("code", code)?;
    let key = (ctx.org_id, code.as_str().to_string());
    let cache = &db.caches().code_lookups;
    if let Some(hit) = cache.get(&key, |_, stamp| stamp == db.generation(ctx.org_id)) {
        return Ok(hit);
    }
    // Read before the query, so a write committing meanwhile leaves the entry already stale.
    let generation = db.generation(ctx.org_id);
    let row = store::find_by_code(ctx, db.conn(), code.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("referral code"))?;
    let found = record(ctx, &row);
    cache.insert(key, generation, found.clone());
    Ok(found)
}

pub async fn active(
    ctx: &Ctx,
    db: &Db,
    mentor_id: &str,
    org_id: Option<&str>,
) -> Result<CodeRecord> {
    ctx.check_org_param("org_id", org_id)?;
    let mentor = MentorRef::parse("mentor_id", mentor_id)?;
    let member = resolve_mentor(ctx, db, &mentor).await?;
    let row = store::find_active_for_member(ctx, db.conn(), member.id)
        .await?
        .ok_or_else(|| AppError::not_found("active referral code for this mentor"))?;
    Ok(record(ctx, &row))
}

pub async fn list(ctx: &Ctx, db: &Db, input: ListCodes) -> Result<Page<CodeRecord>> {
    let mut filter = CodeFilter::default();
    if let Some(status) = input.status.as_deref() {
        filter.status = Some(parse_status("status", status)?);
    }
    if let Some(mentor) = input.mentor_id.as_deref() {
        let mentor = MentorRef::parse("mentor_id", mentor)?;
        match resolve_mentor(ctx, db, &mentor).await {
            Ok(member) => filter.member_id = Some(member.id),
            // An unknown mentor simply has no codes.
            Err(AppError::NotFound(_)) => {
                return Ok(Page {
                    items: vec![],
                    total: 0,
                })
            }
            Err(other) => return Err(other),
        }
    }
    let page = store::list(
        ctx,
        db.conn(),
        &filter,
        input.page.offset(),
        input.page.limit,
    )
    .await?;
    Ok(Page {
        items: page.items.iter().map(|row| record(ctx, row)).collect(),
        total: page.total,
    })
}

/// How far before `created_at` a client's `deactivated_at` may be and still be taken (as
/// `created_at`): clients send second-precision times (the seed's own format) and clocks skew.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// A deactivation time for a record created at `created_at`: at or after it, or within
/// `CLOCK_SKEW` before it (then it is `created_at`); further back is refused.
pub fn not_before_creation(at: DateTime<Utc>, created_at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if at >= created_at {
        Ok(at)
    } else if at >= created_at - CLOCK_SKEW {
        Ok(created_at)
    } else {
        Err(AppError::invalid(
            "deactivated_at",
            "must not be before the record's created_at (by more than 5 minutes of clock skew)",
        ))
    }
}

pub async fn update(ctx: &Ctx, db: &Db, id: &str, input: UpdateCode) -> Result<CodeRecord> {
    let id = parse_record_id(id)?;
    let status = parse_status(
        "status",
        input
            .status
            .as_deref()
            .ok_or_else(|| AppError::missing("status", "is required"))?,
    )?;
    let now = crate::domain::clock::now();
    let deactivated_at = match (status, input.deactivated_at) {
        (ACTIVE, Some(_)) => {
            return Err(AppError::invalid(
                "deactivated_at",
                "must be absent or null when status is `active`",
            ))
        }
        (ACTIVE, None) => None,
        (_, Some(at)) if at > now + chrono::Duration::minutes(5) => {
            return Err(AppError::invalid(
                "deactivated_at",
                "must not be in the future",
            ))
        }
        (_, at) => Some(at.unwrap_or(now)),
    };

    let txn = db.write(ctx).await?;
    let row = store::find(ctx, &txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("referral code record"))?;
    if row.code.status == status {
        // Idempotent: repeating a deactivation keeps the first deactivation time.
        txn.rollback().await?;
        return Ok(record(ctx, &row));
    }
    let deactivated_at = match deactivated_at {
        Some(at) => Some(not_before_creation(at, row.code.created_at)?),
        None => None,
    };
    let mentor = row.mentor.clone();
    let before = row.code.status.clone();
    match store::set_status(&txn, row.code, status, deactivated_at).await {
        Ok(code) => {
            let rec = record(ctx, &CodeWithMember { code, mentor });
            events::record(
                ctx,
                &txn,
                "ReferralCodeUpdate",
                &rec.id,
                json!({"before": {"status": before}, "after": rec}),
            )
            .await?;
            txn.commit().await?;
            Ok(rec)
        }
        Err(err) if unique_violation(&err).is_some() => {
            txn.rollback().await?;
            Err(conflict_with_active(ctx, db.conn(), &mentor)
                .await?
                .unwrap_or_else(|| {
                    AppError::conflict("another code of this mentor became active; retry")
                }))
        }
        Err(err) => Err(err.into()),
    }
}

/// The result of a deletion, as 004 shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Deleted {
    pub id: String,
    pub deleted_at: DateTime<Utc>,
}

pub async fn delete(ctx: &Ctx, db: &Db, id: &str) -> Result<Deleted> {
    let id = parse_record_id(id)?;
    let txn = db.write(ctx).await?;
    let row = store::find(ctx, &txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("referral code record"))?;
    let attributed = store::referral_count(ctx, &txn, row.code.id).await?;
    if attributed > 0 {
        return Err(AppError::conflict(format!(
            "code {} has {attributed} attributed referral(s); deactivate it instead (PUT status `inactive`)",
            row.code.code
        )));
    }
    let rec = record(ctx, &row);
    match store::delete(ctx, &txn, row.code.id).await {
        Ok(_) => {}
        Err(err) if is_fk_violation(&err) => {
            return Err(AppError::conflict(
                "code gained attributed referrals; deactivate it instead",
            ))
        }
        Err(err) => return Err(err.into()),
    }
    let deleted_at = crate::domain::clock::now();
    events::record(
        ctx,
        &txn,
        "ReferralCodeDelete",
        &rec.id,
        json!({"deleted": rec, "deleted_at": deleted_at}),
    )
    .await?;
    txn.commit().await?;
    Ok(Deleted {
        id: rec.id,
        deleted_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn record_ids_must_have_the_rc_shape() {
        assert!(parse_record_id("rc_8f3a21bc").is_ok());
        assert!(parse_record_id("8f3a21bc").is_err());
        assert!(parse_record_id("rc_../x").is_err());
    }
}

#[cfg(test)]
mod skew_tests {
    use super::*;

    #[test]
    fn a_deactivation_within_five_minutes_before_creation_is_taken_as_the_creation_time() {
        let created = DateTime::parse_from_rfc3339("2026-03-26T12:00:00.4567Z")
            .unwrap()
            .with_timezone(&Utc);
        let second_precision = created - chrono::Duration::milliseconds(456);
        assert_eq!(
            not_before_creation(second_precision, created).unwrap(),
            created
        );
        let later = created + chrono::Duration::seconds(3);
        assert_eq!(not_before_creation(later, created).unwrap(), later);
        assert!(not_before_creation(created - chrono::Duration::minutes(6), created).is_err());
    }
}

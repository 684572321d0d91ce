//! Giving a member a new active code: the given one, or a generated one retried on collision.
use serde_json::json;

use super::{mentor_label, record, Ctx};
use crate::domain::codes::Code;
use crate::error::{AppError, Result};
use crate::store::members::MemberRow;
use crate::store::referral_codes::{self as store, CodeRow, CodeWithMember, Mentor};
use crate::store::{events, WriteTxn};

/// How many generated codes to try before giving up (each retry lengthens the suffix).
const GENERATE_ATTEMPTS: usize = 8;

pub(super) async fn conflict_with_active<C: sea_orm::ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    mentor: &Mentor,
) -> Result<Option<AppError>> {
    Ok(store::find_active_for_member(ctx, db, mentor.id)
        .await?
        .map(|active| {
            AppError::conflict(format!(
                "mentor `{}` already has an active code {} ({}); deactivate it first",
                mentor_label(mentor),
                active.code.code,
                active.code.public_id
            ))
        }))
}

/// A generated code for `member`: `REF-` and eight random characters for an employee (seed
/// 000's `REF-…` codes), else a name prefix and four; each retry lengthens the suffix.
fn generated_for(member: &MemberRow, attempt: usize) -> Code {
    if member.staff_id.is_some() {
        Code::generate(None, None, 8 + attempt / 2)
    } else {
        Code::generate(
            member.first_name.as_deref(),
            member.last_name.as_deref(),
            4 + attempt / 2,
        )
    }
}

/// Gives each of `members` (just inserted, without codes) a generated active code in
/// multi-row statements; the few a collision refused are retried one by one through `issue`.
/// Answers the code of each member id. Unlike `issue`, it records no `ReferralCodeAdd` per
/// code: the caller's `MemberAdd` of each member carries its code (an upload of 100,000
/// employees would otherwise write 200,000 events, a fifth of its time).
pub(in crate::domain) async fn issue_many(
    ctx: &Ctx,
    txn: &WriteTxn,
    members: &[MemberRow],
) -> Result<std::collections::HashMap<i64, CodeRow>> {
    let mut out = std::collections::HashMap::with_capacity(members.len());
    for chunk in members.chunks(crate::store::employees::BATCH) {
        let wanted: Vec<(i64, String)> = chunk
            .iter()
            .map(|m| (m.id, generated_for(m, 0).as_str().to_string()))
            .collect();
        for row in store::insert_many_active(ctx, txn, &wanted).await? {
            out.insert(row.member_id, row);
        }
    }
    let refused: Vec<&MemberRow> = members
        .iter()
        .filter(|m| !out.contains_key(&m.id))
        .collect();
    for member in refused {
        let row = issue(ctx, txn, member, None, "referralCode").await?;
        out.insert(member.id, row);
    }
    Ok(out)
}

/// Gives `member` a new active code inside the caller's transaction: `given`, or a generated
/// one retried on collision (the insert does nothing on a unique conflict, so no savepoint is
/// needed per attempt). Records `ReferralCodeAdd`.
pub(in crate::domain) async fn issue(
    ctx: &Ctx,
    txn: &WriteTxn,
    member: &MemberRow,
    given: Option<&Code>,
    field: &str,
) -> Result<CodeRow> {
    let attempts = if given.is_some() {
        1
    } else {
        GENERATE_ATTEMPTS
    };
    for attempt in 0..attempts {
        let code = given
            .cloned()
            .unwrap_or_else(|| generated_for(member, attempt));
        match store::insert_active(ctx, txn, member.id, code.as_str()).await? {
            Some(row) => {
                let rec = record(
                    ctx,
                    &CodeWithMember {
                        code: row.clone(),
                        mentor: member.into(),
                    },
                );
                events::record(ctx, txn, "ReferralCodeAdd", &rec.id, json!(rec)).await?;
                return Ok(row);
            }
            None => {
                if let Some(conflict) = conflict_with_active(ctx, txn, &member.into()).await? {
                    return Err(conflict);
                }
                if given.is_some() {
                    return Err(AppError::conflict(format!(
                        "{field}: `{}` is already taken",
                        code.as_str()
                    )));
                }
            }
        }
    }
    Err(AppError::Internal(
        "no free referral code after several attempts".into(),
    ))
}

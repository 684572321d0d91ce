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
        let code = given.cloned().unwrap_or_else(|| {
            Code::generate(
                member.first_name.as_deref(),
                member.last_name.as_deref(),
                4 + attempt / 2,
            )
        });
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

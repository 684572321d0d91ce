//! Fraud checks on a new referral (issue 9 part 6).
//!
//! - Hard blocks (422, nothing written): a member referring themself — the referral's email is
//!   the member's mailbox (`identity`), or its external id is the member's external id. No
//!   script can lift them: they run first and a script only ever adds a hold or a denial.
//! - Velocity: when the program already has `velocity_limit` referrals from the same client IP
//!   (the TCP peer address) in the last 72 hours, the new one is created but held.
//! - The program's fraud script (kind fraud): `allow`, `review` (held) or `deny` (422). A script
//!   that fails at run time — its own error, a sandbox limit, the deadline, a full pool — never
//!   loses the referral: it is held with the failure as the reason, and an event records it.
use chrono::{DateTime, Duration, Utc};

use super::identity;
use crate::domain::values::Email;
use crate::domain::{scripts as script_domain, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::facts::{EventFacts, ProgramFacts, ReferralFacts, ReferrerFacts};
use crate::scripting::{ScriptFacts, Scripts};
use crate::store::members::MemberRow;
use crate::store::programs::ProgramRow;
use crate::store::referrals::{IpWindow, VelocityHold};
use crate::store::scripts::ScriptTable;
use crate::store::{scope, Db};

/// How far back the velocity check looks.
pub const VELOCITY_WINDOW_HOURS: i64 = 72;

/// Refuses a member referring themself.
pub(super) fn self_referral(
    member: &MemberRow,
    email: Option<&Email>,
    external_id: Option<&str>,
) -> Result<()> {
    if let (Some(mine), Some(theirs)) = (member.email.as_deref(), email) {
        if let Ok(mine) = Email::parse(mine) {
            if identity::same_mailbox(&mine, theirs) {
                return Err(AppError::unprocessable(
                    "email",
                    "a member cannot refer themself (the email is the referring member's)",
                ));
            }
        }
    }
    if let (Some(mine), Some(theirs)) = (member.external_id.as_deref(), external_id) {
        if mine == theirs {
            return Err(AppError::unprocessable(
                "externalIdentifier",
                "a member cannot refer themself (the externalIdentifier is the referring member's)",
            ));
        }
    }
    Ok(())
}

/// What the program's fraud script said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Allow,
    /// Held for review with this reason.
    Review(String),
    Deny,
    /// The script failed; held with this reason, and an event records the failure.
    Failed(String),
}

/// Runs the program's fraud script, if it has one, on the new referral's facts.
pub(super) async fn script_verdict(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    program: &ProgramRow,
    member: &MemberRow,
    referral: ReferralFacts,
) -> Result<Verdict> {
    let Some(script_id) = program.fraud_script_id else {
        return Ok(Verdict::Allow);
    };
    let Some(row) = scope::find_by_id::<ScriptTable>(ctx, db.conn(), script_id).await? else {
        return Ok(Verdict::Failed(
            "held: the program's fraud script no longer exists".into(),
        ));
    };
    let facts = ScriptFacts {
        event: EventFacts {
            kind: "referral_created".into(),
            amount: referral.amount,
            at: referral.created_at.clone(),
        },
        referral,
        referrer: ReferrerFacts {
            id: member.public_id.clone(),
            email: member.email.clone().unwrap_or_default(),
            ..Default::default()
        },
        program: ProgramFacts {
            name: program.name.clone(),
            currency: program.currency.clone(),
        },
    };
    Ok(
        match script_domain::run_current(ctx, db.conn(), scripts, &row, facts).await {
            Ok(Ok(value)) => match value.as_str() {
                Some("allow") => Verdict::Allow,
                Some("deny") => Verdict::Deny,
                Some("review") | Some("hold") => Verdict::Review(format!(
                    "held for review: the program's fraud script `{}` answered review",
                    row.public_id
                )),
                other => Verdict::Failed(format!(
                    "held: the program's fraud script `{}` answered {other:?}",
                    row.public_id
                )),
            },
            Ok(Err(message)) => Verdict::Failed(format!(
                "held: the program's fraud script `{}` failed: {message}",
                row.public_id
            )),
            Err(err) => Verdict::Failed(format!(
                "held: the program's fraud script `{}` could not run: {}",
                row.public_id,
                err.public_message()
            )),
        },
    )
}

/// The velocity check of a referral from `ip` at `now`: held for review when the program
/// already has its limit of referrals from `ip` in the last `VELOCITY_WINDOW_HOURS` (counted no
/// further than the limit, by the referral's INSERT: `store::referrals::insert`).
pub(super) fn velocity<'a>(
    program: &ProgramRow,
    ip: &'a str,
    now: DateTime<Utc>,
) -> VelocityHold<'a> {
    let limit = u64::try_from(program.velocity_limit.max(1)).unwrap_or(1);
    VelocityHold {
        window: IpWindow {
            program_id: program.id,
            ip,
            since: now - Duration::hours(VELOCITY_WINDOW_HOURS),
            limit,
        },
        reason: format!(
            "held for review: {limit} referrals from {ip} in program `{}` within {VELOCITY_WINDOW_HOURS} hours (the limit is {limit})",
            program.name
        ),
    }
}

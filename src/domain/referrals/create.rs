//! Creating a referral (`POST /api/referrals`): attribution by code, fraud checks, one insert,
//! the event and the program's rules, in one write transaction.
//!
//! Attribution: `referralCode` is a member's referral code (the referral_code table, 004 records
//! included) or a promo code made from a program's `@ID@` template. A code that is no longer
//! active is a 422; an unknown code, or a removed member's, a 404 (removed members leave every
//! query); a disabled member cannot be credited (422). The referral's program is the member's
//! (for a promo code, the template's program); a member without one (e.g. made by a 004 code
//! record) falls back to the org's one default program, else the request is a 422.
//!
//! Cost: what needs no writer lock is read before the write transaction: the code and its
//! member (one statement), then the program with the rules that fire on creation, their
//! conditions and scripts (a `rewards::Plan`, from this instance's cache while the org's
//! configuration is unchanged), the fraud script if the program has one (and its run). Inside
//! it: the referral's INSERT … RETURNING, which also decides the velocity hold (a sub-query in
//! its VALUES) and, through a trigger, counts the referral in its member's count row (locking
//! that row on PostgreSQL); when a rule fires, the referrer's count and purchases (one
//! statement; the member row is the one read with the code) and the rewards' INSERT … ON
//! CONFLICT DO NOTHING … RETURNING; the events (one statement at commit); the commit. SQLite
//! runs one writer at a time and each statement is a round trip to its worker thread, and on
//! PostgreSQL each is a round trip and a plan to run, so this count is what bounds referral
//! creation (README, Performance).
use std::sync::Arc;

use sea_orm::ConnectionTrait;

use super::fraud::{self, Verdict};
use super::identity;
use super::status::ReferralStatus;
use super::view::{assemble, Details, Referral, Source};
use crate::domain::codes::Code;
use crate::domain::rewards::{self, Plan, Subject, Trigger};
use crate::domain::values::{self, Email};
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::scripting::facts::ReferralFacts;
use crate::scripting::Scripts;
use crate::store::members::{MemberRow, MemberTable};
use crate::store::programs::{self as program_store, ProgramRow};
use crate::store::referrals::{self as store, ReferralRow};
use crate::store::referrer::{self, Reading};
use crate::store::{events, scope, Db, WriteTxn};

/// A new referral (003 NewReferral), as text from the surface.
#[derive(Debug, Clone, Default)]
pub struct NewReferral {
    pub referral_code: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    /// A decimal in the program's currency (major units).
    pub amount: Option<String>,
    /// Any letter case; default pending.
    pub status: Option<String>,
    pub details: Details,
}

fn present(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The member (and the code row's id) a referral code names.
struct Attribution {
    member: MemberRow,
    code_id: Option<i64>,
    code: String,
    /// The program a promo code belongs to.
    program: Option<ProgramRow>,
}

async fn attribute<C: ConnectionTrait>(ctx: &Ctx, db: &C, raw: &str) -> Result<Attribution> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::missing("referralCode", "is required"));
    }
    let parsed = Code::parse("referralCode", raw);
    if let Ok(code) = &parsed {
        if let Some((row, member)) = store::code_with_member(ctx, db, code.as_str()).await? {
            if member.removed_at.is_some() {
                return Err(AppError::not_found("member for this referralCode"));
            }
            if row.status != crate::store::referral_codes::ACTIVE {
                return Err(AppError::unprocessable(
                    "referralCode",
                    format!("code `{}` is no longer active", row.code),
                ));
            }
            return Ok(Attribution {
                member,
                code_id: Some(row.id),
                code: row.code,
                program: None,
            });
        }
    }
    for program in program_store::all(ctx, db).await? {
        if let Some(id) = values::promo_member_id(&program.promocode, raw) {
            if let Some(m) = scope::find_by_id::<MemberTable>(ctx, db, id).await? {
                if m.program_id == Some(program.id) && m.removed_at.is_none() {
                    return Ok(Attribution {
                        member: m,
                        code_id: None,
                        code: values::promo_code(&program.promocode, id),
                        program: Some(program),
                    });
                }
            }
        }
    }
    match parsed {
        Err(e) => Err(e),
        Ok(_) => Err(AppError::not_found("referralCode")),
    }
}

/// The plan (rules, and the program row) of the referral's program: the promo code's, else the
/// member's, else the org's one default program.
async fn plan_for(
    ctx: &Ctx,
    db: &Db,
    found: &Attribution,
    triggers: &[Trigger],
) -> Result<Arc<Plan>> {
    let named = found
        .program
        .as_ref()
        .map(|p| p.id)
        .or(found.member.program_id);
    if let Some(id) = named {
        if let Some(plan) = Plan::cached(ctx, db, id, triggers).await? {
            return Ok(plan);
        }
    }
    let mut defaults: Vec<ProgramRow> = program_store::all(ctx, db.conn())
        .await?
        .into_iter()
        .filter(|p| p.assign_by_default)
        .collect();
    if defaults.len() == 1 {
        if let Some(plan) = Plan::cached(ctx, db, defaults.remove(0).id, triggers).await? {
            return Ok(plan);
        }
    }
    Err(AppError::unprocessable(
        "referralCode",
        "the code's member belongs to no program and the org has no single default program",
    ))
}

/// The rule trigger of a status the referral has just reached (none for pending/denied).
fn status_trigger(status: ReferralStatus) -> Option<Trigger> {
    match status {
        ReferralStatus::Qualified => Some(Trigger::ReferralQualified),
        ReferralStatus::Approved => Some(Trigger::ReferralApproved),
        _ => None,
    }
}

/// Fires the rules for a status the referral has just reached (none for pending/denied).
pub(super) async fn fire_for_status(
    ctx: &Ctx,
    txn: &WriteTxn,
    scripts: &Scripts,
    referral_id: i64,
    status: ReferralStatus,
) -> Result<()> {
    let Some(trigger) = status_trigger(status) else {
        return Ok(());
    };
    rewards::apply_rules(ctx, txn, scripts, referral_id, trigger).await?;
    Ok(())
}

/// Creates a referral credited to the member whose code it names. `source` says which surface
/// asks (`API` here, `BPM` there); `ip` is the client's TCP peer address, if known.
pub async fn create(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    input: NewReferral,
    source: Source,
    ip: Option<String>,
) -> Result<Referral> {
    let email = present(input.email)
        .map(|e| Email::parse(&e).map_err(|m| AppError::invalid("email", m)))
        .transpose()?;
    let external_id = present(input.external_id);
    let status = match present(input.status) {
        Some(s) => ReferralStatus::parse("status", &s)?,
        None => ReferralStatus::Pending,
    };
    let conn = db.conn();
    let found = attribute(ctx, conn, &input.referral_code).await?;
    if found.member.disabled {
        return Err(AppError::unprocessable(
            "referralCode",
            "the code's member is disabled and cannot be credited",
        ));
    }
    if found.member.can_refer_customer == Some(false) {
        return Err(AppError::unprocessable(
            "referralCode",
            "the code's employee may not refer customers (canReferCustomer is false)",
        ));
    }
    // Rewards can follow any status but denied: created, then the status reached.
    let triggers: Vec<Trigger> = match status {
        ReferralStatus::Denied => vec![],
        _ => std::iter::once(Trigger::ReferralCreated)
            .chain(status_trigger(status))
            .collect(),
    };
    let plan = plan_for(ctx, db, &found, &triggers).await?;
    let program = plan.program();
    let amount_minor = present(input.amount)
        .map(|a| values::parse_money("amount", &a, &program.currency))
        .transpose()?;
    fraud::self_referral(&found.member, email.as_ref(), external_id.as_deref())?;

    let now = crate::domain::clock::now();
    let public_id = crate::domain::ids::new_ordered_id("ref");
    let facts = ReferralFacts {
        id: public_id.clone(),
        email: email
            .as_ref()
            .map(|e| e.as_str().to_string())
            .unwrap_or_default(),
        status: status.as_str().into(),
        amount: amount_minor.unwrap_or(0),
        created_at: now.to_rfc3339(),
        ..Default::default()
    };
    let (mut hold, mut failure) = (None, None);
    match fraud::script_verdict(ctx, db, scripts, program, &found.member, facts).await? {
        Verdict::Allow => {}
        Verdict::Deny => {
            return Err(AppError::unprocessable(
                "referral",
                "referral denied by the program's fraud check",
            ))
        }
        Verdict::Review(why) => hold = Some(why),
        Verdict::Failed(why) => {
            hold = Some(why.clone());
            failure = Some(why);
        }
    }

    // Velocity is checked only for a referral no script has held already.
    let velocity = match (&hold, &ip) {
        (None, Some(ip)) => Some(fraud::velocity(program, ip, now)),
        _ => None,
    };
    let row = ReferralRow {
        public_id,
        org_id: ctx.org_id,
        member_id: found.member.id,
        referral_code_id: found.code_id,
        status: status.as_str().into(),
        created_at: now,
        first_name: present(input.first_name),
        last_name: present(input.last_name),
        email_key: email.as_ref().map(identity::mailbox),
        email: email.map(Email::into_inner),
        external_identifier: external_id.clone(),
        phone_number: present(input.phone),
        currency: Some(program.currency.clone()),
        ip_address: ip.clone(),
        held_reason: hold,
        program_id: Some(program.id),
        amount_minor,
        source: source.as_str().into(),
        details: input.details.to_column(),
        qualified_at: (status == ReferralStatus::Qualified).then_some(now),
        approved_at: (status == ReferralStatus::Approved).then_some(now),
        updated_at: Some(now),
        removed_at: None,
        id: 0,
    };
    let email_key = row.email_key.clone();
    let txn = db.write(ctx).await?;
    let Some(row) = store::insert(ctx, &txn, row, velocity.as_ref()).await? else {
        let existing = store::find_duplicate(
            ctx,
            &txn,
            program.id,
            email_key.as_deref(),
            external_id.as_deref(),
            None,
        )
        .await?;
        return Err(AppError::conflict(match existing {
            Some(r) => format!(
                "referral `{}` already is this customer in program `{}`",
                r.public_id, program.name
            ),
            None => "this customer already is a referral of the program".to_string(),
        }));
    };
    let inserted = row.clone();
    let referral = assemble(row, Some(program), Some(&found.member), Some(found.code));
    events::record(
        ctx,
        &txn,
        "ReferralAdd",
        &referral.public_id,
        referral.payload(),
    )
    .await?;
    if let Some(why) = failure {
        events::record(
            ctx,
            &txn,
            "ReferralFraudCheckFailed",
            &referral.public_id,
            serde_json::json!({"id": referral.public_id, "reason": why}),
        )
        .await?;
    }
    if !plan.is_empty() {
        // Read after the insert: on PostgreSQL its trigger (which counted this referral) holds
        // the lock on the member's count row, so the count is the one every earlier writer left
        // (`store::referrer`'s doc). The member row is the one the code was read with: what
        // rules decide under the lock is the count and the purchases, not the profile.
        let reading = Reading {
            lock: false,
            orders: true,
        };
        let tally = referrer::tally(ctx, &txn, found.member.id, reading)
            .await?
            .ok_or_else(|| AppError::not_found("member for this referralCode"))?;
        let subject = Subject {
            referral: &inserted,
            member: &found.member,
            referral_count: tally.live_referrals,
            orders: &tally.orders,
        };
        for trigger in triggers {
            rewards::fire(ctx, &txn, scripts, &plan, &subject, trigger).await?;
        }
    }
    txn.commit().await?;
    Ok(referral)
}

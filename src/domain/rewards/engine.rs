//! The rewards engine: applies a program's rules to one referral event inside the caller's
//! write transaction.
//!
//! Invariants:
//! - The referrer's count row is locked (PostgreSQL) before any count or cap is read, so
//!   concurrent events of one member are decided one after another (SQLite: the writer lock
//!   does it). A new referral's insert takes that lock through its counting trigger; other
//!   events ask `store::referrer` for it.
//! - A reward is inserted with `ON CONFLICT DO NOTHING` on (rule, referral, trigger key): a
//!   retried or concurrent trigger never pays twice, and a conflict is skipped silently.
//! - A failing script never fails the caller: it counts as false, is recorded in the
//!   explanation and as a `RuleScriptFailed` event. Only database errors propagate.
//!
//! Cost: what the writer lock protects is read inside the transaction in one statement (the
//! referrer's referral count and purchases, with the member row except on referral creation,
//! which has it from the code lookup: `store::referrer`), and a trigger's rewards are inserted
//! in one statement. The member row is profile, not what the lock protects: a profile edit
//! never touches the count row. The rules themselves (a `Plan`) are configuration, not what the
//! lock protects: a caller that knows the program reads them before it begins (referral
//! creation does), so they cost no round trip while SQLite's writer lock is held.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::facts::{self, Moment};
use super::Trigger;
use crate::domain::rules::decide::{self, Outcome, PreparedRule, ScriptRuns};
use crate::domain::{clock, values, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::members::MemberRow;
use crate::store::programs::{ProgramRow, ProgramTable};
use crate::store::referrer::{self, OrderRow, Reading};
use crate::store::rewards::{self as store, InsertedReward, NewRuleReward, ReferralRow};
use crate::store::{events, referral_actions, scope, Db, WriteTxn};

/// A program's enabled rules that fire on some triggers, with their conditions and scripts,
/// as they stood when read.
pub struct Plan {
    program: ProgramRow,
    rules: Vec<PreparedRule>,
}

impl Plan {
    /// Reads the program's enabled rules that fire on `triggers` (three queries: rules,
    /// conditions, scripts; one when no rule fires).
    pub async fn read(
        ctx: &Ctx,
        db: &impl sea_orm::ConnectionTrait,
        program: ProgramRow,
        triggers: &[Trigger],
    ) -> Result<Plan> {
        let names: Vec<&str> = triggers.iter().map(Trigger::rule_trigger).collect();
        let rows = store::rules_firing(ctx, db, program.id, &names).await?;
        let rules = if rows.is_empty() {
            vec![]
        } else {
            decide::prepare(ctx, db, rows).await?
        };
        Ok(Plan { program, rules })
    }

    /// `read` of the org's program `program_id` (`None`: there is none), through this
    /// instance's cache of plans, stamped with the org's configuration generation: any
    /// committed change to a program, rule, condition or script of the org outdates every plan
    /// of the org here at once; another instance's change takes effect here when the entry
    /// expires (`cache.ttl_secs`, at most 30 s; see `crate::cache`).
    pub async fn cached(
        ctx: &Ctx,
        db: &Db,
        program_id: i64,
        triggers: &[Trigger],
    ) -> Result<Option<Arc<Plan>>> {
        let key = (ctx.org_id, program_id, Trigger::mask(triggers));
        let stamp = db.config_generation(ctx.org_id);
        let plans = &db.caches().plans;
        if let Some(plan) = plans.get(&key, |_, s| s == stamp) {
            return Ok(Some(plan));
        }
        let Some(program) = scope::find_by_id::<ProgramTable>(ctx, db.conn(), program_id).await?
        else {
            return Ok(None);
        };
        let plan = Arc::new(Plan::read(ctx, db.conn(), program, triggers).await?);
        plans.insert(key, stamp, plan.clone());
        Ok(Some(plan))
    }

    /// The program, as it stood when the plan was read.
    pub fn program(&self) -> &ProgramRow {
        &self.program
    }

    /// No rule fires on any of its triggers.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that fire on `trigger` at `now` (their dates contain it).
    fn firing(&self, trigger: Trigger, now: DateTime<Utc>) -> impl Iterator<Item = &PreparedRule> {
        self.rules
            .iter()
            .filter(move |r| r.fires(trigger.rule_trigger(), now))
    }
}

/// The referral a trigger fired for and its referrer as the transaction sees them.
pub struct Subject<'a> {
    pub referral: &'a ReferralRow,
    /// The referrer. Its count row is locked on PostgreSQL; the member row itself may have been
    /// read just before the transaction (referral creation reads it with the code).
    pub member: &'a MemberRow,
    /// The member's live referrals, this one included.
    pub referral_count: i64,
    /// Purchases of all the member's referrals, oldest first.
    pub orders: &'a [OrderRow],
}

/// See `super::apply_rules`: reads the referral, the plan and the referrer inside `txn`.
pub(super) async fn apply(
    ctx: &Ctx,
    txn: &WriteTxn,
    scripts: &Scripts,
    referral_id: i64,
    trigger: Trigger,
) -> Result<Vec<i64>> {
    let Some(referral) = store::live_referral(ctx, txn, referral_id).await? else {
        return Ok(vec![]);
    };
    // 003: "rewards can be triggered by any status except Denied".
    let Some(program_id) = referral.program_id.filter(|_| referral.status != "denied") else {
        return Ok(vec![]);
    };
    let program = scope::find_by_id::<ProgramTable>(ctx, txn, program_id)
        .await?
        .ok_or_else(|| AppError::Internal("referral without program".into()))?;
    let plan = Plan::read(ctx, txn, program, &[trigger]).await?;
    if plan.is_empty() {
        return Ok(vec![]);
    }
    let reading = Reading {
        lock: true,
        orders: true,
    };
    let state = referrer::read(ctx, txn, referral.member_id, reading)
        .await?
        .ok_or_else(|| AppError::Internal("referral without member".into()))?;
    let subject = Subject {
        referral: &referral,
        member: &state.member,
        referral_count: state.tally.live_referrals,
        orders: &state.tally.orders,
    };
    fire(ctx, txn, scripts, &plan, &subject, trigger).await
}

/// Decides the plan's rules that fire on `trigger` for `subject`, inside `txn`, and inserts the
/// rewards they earn; answers the numeric ids of the rewards created. The caller has read the
/// subject's count and purchases inside `txn`, with the referrer's count row locked on
/// PostgreSQL.
pub async fn fire(
    ctx: &Ctx,
    txn: &WriteTxn,
    scripts: &Scripts,
    plan: &Plan,
    subject: &Subject<'_>,
    trigger: Trigger,
) -> Result<Vec<i64>> {
    let referral = subject.referral;
    if referral.status == "denied" || referral.removed_at.is_some() {
        return Ok(vec![]);
    }
    let now = clock::now();
    let mut firing = plan.firing(trigger, now).peekable();
    if firing.peek().is_none() {
        return Ok(vec![]);
    }
    let event_amount = match trigger {
        Trigger::Purchase { action_id } => {
            match subject.orders.iter().find(|o| o.id == action_id) {
                Some(a) => a.amount_minor,
                None => {
                    referral_actions::find(ctx, txn, action_id)
                        .await?
                        .ok_or_else(|| AppError::Internal("purchase vanished".into()))?
                        .amount_minor
                }
            }
        }
        _ => referral.amount_minor.unwrap_or(0),
    };
    let (facts, script_facts) = facts::gather(&Moment {
        referral,
        status: &referral.status,
        member: subject.member,
        program_name: &plan.program.name,
        program_currency: &plan.program.currency,
        referral_count: subject.referral_count,
        orders: subject.orders,
        trigger,
        event_amount,
        at: now,
    });
    let summary = facts::summary(&facts, &script_facts);
    let mut runs = ScriptRuns::new(scripts, false);
    let mut earned = Vec::new();
    for rule in firing {
        let outcome = decide::decide(
            ctx,
            txn,
            &mut runs,
            rule,
            facts.clone(),
            &script_facts,
            true,
        )
        .await?;
        for f in &outcome.failures {
            events::record(
                ctx,
                txn,
                "RuleScriptFailed",
                &rule.row.public_id,
                json!({"rule_id": rule.row.public_id, "script_id": f.script_id, "role": f.role,
                       "referral_id": referral.public_id, "trigger": trigger.key(), "error": f.error}),
            )
            .await?;
        }
        if let Some(new) = earned_by(ctx, txn, subject, rule, trigger, &outcome, &summary).await? {
            earned.push(new);
        }
    }
    let inserted = store::insert_rule_rewards(ctx, txn, earned).await?;
    let mut created = Vec::with_capacity(inserted.len());
    // In the plan's (rule id) order, so events and ids come out in a stable order.
    for rule in plan.firing(trigger, now) {
        for reward in inserted.iter().filter(|w| w.rule_id == Some(rule.row.id)) {
            record_added(ctx, txn, subject, rule, reward).await?;
            created.push(reward.id);
        }
    }
    Ok(created)
}

async fn record_added(
    ctx: &Ctx,
    txn: &WriteTxn,
    subject: &Subject<'_>,
    rule: &PreparedRule,
    reward: &InsertedReward,
) -> Result<()> {
    events::record(
        ctx,
        txn,
        "RewardAdd",
        &reward.public_id,
        json!({"id": reward.public_id, "amount": values::decimal(reward.amount_minor, &reward.currency),
               "currency": reward.currency, "member_id": subject.member.public_id,
               "referral_id": subject.referral.public_id, "rule_id": rule.row.public_id,
               "status": reward.status}),
    )
    .await
}

/// A rule reward's stored explanation (`GET /api/v1/rewards/{id}/explain` reads it back).
/// Serialized straight from borrows: building it as a `serde_json::Value` first cloned the
/// facts for every reward, on the referral insert's hot path. Fields in alphabetical order,
/// the order the `Value` it replaced wrote them in.
#[derive(serde::Serialize)]
struct Explanation<'a> {
    amount: &'a decide::AmountCalc,
    decision: &'a crate::rules::Decision,
    facts: &'a serde_json::Value,
    kind: &'static str,
    rule: RuleRef<'a>,
    script_failures: &'a [decide::ScriptFailure],
    trigger: &'a str,
    trigger_key: String,
}

#[derive(serde::Serialize)]
struct RuleRef<'a> {
    id: &'a str,
    name: &'a str,
    version: i64,
}

/// The reward a decided rule earns, if it earns one (caps checked), ready to insert.
async fn earned_by(
    ctx: &Ctx,
    txn: &WriteTxn,
    subject: &Subject<'_>,
    rule: &PreparedRule,
    trigger: Trigger,
    outcome: &Outcome,
    summary: &serde_json::Value,
) -> Result<Option<NewRuleReward>> {
    let (referral, member) = (subject.referral, subject.member);
    let row = &rule.row;
    if !outcome.decision.passed {
        return Ok(None);
    }
    let Some(calc) = &outcome.amount else {
        return Ok(None);
    };
    let Some(amount_minor) = calc.amount_minor.filter(|a| *a > 0) else {
        tracing::debug!(rule = %row.public_id, "rule holds but pays nothing");
        return Ok(None);
    };
    if let Some(max) = row.max_per_referral {
        let n = store::rule_reward_count(ctx, txn, row.id, Some(referral.id), None).await?;
        if n >= max as u64 {
            tracing::debug!(rule = %row.public_id, referral = %referral.public_id, "capped per referral");
            return Ok(None);
        }
    }
    if let Some(max) = row.max_per_member {
        let n = store::rule_reward_count(ctx, txn, row.id, None, Some(member.id)).await?;
        if n >= max as u64 {
            tracing::debug!(rule = %row.public_id, member = %member.public_id, "capped per member");
            return Ok(None);
        }
    }
    // An unknown payout method leaves the reward without one (rules do not check the id).
    let payout_id = match row.payout_id.as_deref() {
        Some(p) => store::payout_method(ctx, txn, p).await?,
        None => None,
    };
    let now = clock::now();
    let explanation = Explanation {
        amount: calc,
        decision: &outcome.decision,
        facts: summary,
        kind: "rule",
        rule: RuleRef {
            id: &row.public_id,
            name: &row.name,
            version: row.version,
        },
        script_failures: &outcome.failures,
        trigger: trigger.rule_trigger(),
        trigger_key: trigger.key(),
    };
    let purchase = match trigger {
        Trigger::Purchase { action_id } => Some(action_id),
        _ => None,
    };
    let new = NewRuleReward {
        member_id: member.id,
        referral_id: referral.id,
        program_id: Some(row.program_id),
        rule_id: row.id,
        rule_version: row.version,
        action_id: purchase,
        recipient_type: if row.recipient == "referral" {
            "Referral"
        } else {
            "Member"
        }
        .into(),
        source: if purchase.is_some() {
            "Referral Action"
        } else {
            "Status Based"
        }
        .into(),
        trigger_key: trigger.key(),
        amount_minor,
        currency: row.currency.clone(),
        status: if referral.held_reason.is_some() {
            "Held"
        } else {
            "Pending"
        }
        .into(),
        held_reason: referral.held_reason.clone(),
        eligibility_date: (row.hold_days > 0).then(|| now + Duration::days(row.hold_days.into())),
        payout_id,
        description: row.name.clone(),
        explanation: serde_json::to_string(&explanation)
            .map_err(|e| AppError::Internal(format!("explanation: {e}")))?,
    };
    Ok(Some(new))
}

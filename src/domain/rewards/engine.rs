//! The rewards engine: applies a program's rules to one referral event inside the caller's
//! write transaction.
//!
//! Invariants:
//! - The referrer's row is locked (PostgreSQL) before any count or cap is read, so concurrent
//!   events of one member are decided one after another (SQLite: the writer lock does it).
//! - A reward is inserted with `ON CONFLICT DO NOTHING` on (rule, referral, trigger key): a
//!   retried or concurrent trigger never pays twice, and a conflict is skipped silently.
//! - A failing script never fails the caller: it counts as false, is recorded in the
//!   explanation and as a `RuleScriptFailed` event. Only database errors propagate.
use chrono::Duration;
use serde_json::json;

use super::facts::{self, Moment};
use super::Trigger;
use crate::domain::rules::decide::{self, Outcome, PreparedRule, ScriptRuns};
use crate::domain::{clock, values, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::programs::ProgramTable;
use crate::store::rewards::{self as store, NewRuleReward, ReferralRow};
use crate::store::{events, referral_actions, scope, WriteTxn};

/// See `super::apply_rules`.
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
    let now = clock::now();
    let rules = store::rules_firing(ctx, txn, program_id, trigger.rule_trigger(), now).await?;
    if rules.is_empty() {
        return Ok(vec![]);
    }
    let member = store::lock_member(ctx, txn, referral.member_id)
        .await?
        .ok_or_else(|| AppError::Internal("referral without member".into()))?;
    let program = scope::find_by_id::<ProgramTable>(ctx, txn, program_id)
        .await?
        .ok_or_else(|| AppError::Internal("referral without program".into()))?;
    let orders = store::member_orders(ctx, txn, member.id).await?;
    let referral_count = store::live_referral_count(ctx, txn, member.id).await? as i64;
    let event_amount = match trigger {
        Trigger::Purchase { action_id } => match orders.iter().find(|o| o.id == action_id) {
            Some(a) => a.amount_minor,
            None => {
                referral_actions::find(ctx, txn, action_id)
                    .await?
                    .ok_or_else(|| AppError::Internal("purchase vanished".into()))?
                    .amount_minor
            }
        },
        _ => referral.amount_minor.unwrap_or(0),
    };
    let (facts, script_facts) = facts::gather(&Moment {
        referral: &referral,
        status: &referral.status,
        member: &member,
        program_name: &program.name,
        program_currency: &program.currency,
        referral_count,
        orders: &orders,
        trigger,
        event_amount,
        at: now,
    });
    let summary = facts::summary(&facts, &script_facts);
    let prepared = decide::prepare(ctx, txn, rules).await?;
    let mut runs = ScriptRuns::new(scripts, false);
    let mut created = Vec::new();
    for rule in &prepared {
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
        if let Some(id) = reward_for(
            ctx, txn, &referral, &member, rule, trigger, &outcome, &summary,
        )
        .await?
        {
            created.push(id);
        }
    }
    Ok(created)
}

/// Inserts the reward a decided rule earns, if it earns one; answers its numeric id.
#[allow(clippy::too_many_arguments)]
async fn reward_for(
    ctx: &Ctx,
    txn: &WriteTxn,
    referral: &ReferralRow,
    member: &crate::store::members::MemberRow,
    rule: &PreparedRule,
    trigger: Trigger,
    outcome: &Outcome,
    summary: &serde_json::Value,
) -> Result<Option<i64>> {
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
    let explanation = json!({
        "kind": "rule",
        "rule": {"id": row.public_id, "name": row.name, "version": row.version},
        "trigger": trigger.rule_trigger(),
        "trigger_key": trigger.key(),
        "facts": summary,
        "decision": outcome.decision,
        "amount": calc,
        "script_failures": outcome.failures,
    });
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
        explanation: explanation.to_string(),
    };
    let Some(reward) = store::insert_rule_reward(ctx, txn, new).await? else {
        return Ok(None); // already rewarded for this trigger
    };
    events::record(
        ctx,
        txn,
        "RewardAdd",
        &reward.public_id,
        json!({"id": reward.public_id, "amount": values::decimal(reward.amount_minor, &reward.currency),
               "currency": reward.currency, "member_id": member.public_id,
               "referral_id": referral.public_id, "rule_id": row.public_id,
               "status": reward.status}),
    )
    .await?;
    Ok(Some(reward.id))
}

//! Dry runs of a rule on given facts: conditions (with their scripts) and the amount.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decide::{self, ScriptRuns};
use super::find_rule;
use crate::domain::{values, Ctx};
use crate::error::{AppError, Result};
use crate::rules::{Decision, Facts, Order};
use crate::scripting::{ScriptFacts, Scripts};
use crate::store::Db;

/// An order as a dry run receives it (amount in major units of the rule's currency).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrderInput {
    pub amount: String,
    pub items: i64,
    pub at: DateTime<Utc>,
}

/// Facts for a dry run of a rule.
#[derive(Debug, Clone, Default)]
pub struct EvaluateInput {
    pub now: Option<DateTime<Utc>>,
    pub referral_orders: Vec<OrderInput>,
    pub all_referral_orders: Vec<OrderInput>,
    pub referrer_referral_count: i64,
    /// What scripts see (condition and amount scripts).
    pub facts: ScriptFacts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub rule_id: String,
    pub rule_version: i64,
    pub enabled: bool,
    /// Is `now` inside the rule's start and end dates?
    pub in_schedule: bool,
    /// Would the rule reward: enabled, in schedule, and the conditions hold.
    pub rewards: bool,
    pub decision: Decision,
    /// The reward in major units of `currency`, when the rule rewards.
    pub amount: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: String,
    /// Why no amount could be computed (a failing amount script), if so.
    pub amount_error: Option<String>,
}

fn orders(field: &str, list: &[OrderInput], currency: &str) -> Result<Vec<Order>> {
    list.iter()
        .map(|o| {
            if o.items < 0 {
                return Err(AppError::invalid(field, "items must not be negative"));
            }
            Ok(Order {
                amount_minor: values::parse_money(field, &o.amount, currency)?,
                items: o.items,
                at: o.at,
            })
        })
        .collect()
}

/// Dry-runs a rule on given facts: runs its condition scripts, evaluates its conditions and
/// computes the amount it would pay. Writes nothing.
pub async fn evaluate(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    id: &str,
    input: EvaluateInput,
) -> Result<Evaluation> {
    let rule = find_rule(ctx, db.conn(), id).await?;
    let now = input.now.unwrap_or_else(Utc::now);
    let facts = Facts {
        now,
        referral_orders: orders("referral_orders", &input.referral_orders, &rule.currency)?,
        all_referral_orders: orders(
            "all_referral_orders",
            &input.all_referral_orders,
            &rule.currency,
        )?,
        referrer_referral_count: input.referrer_referral_count,
        script_results: Default::default(),
    };
    let prepared = decide::prepare(ctx, db.conn(), vec![rule])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("prepared no rule".into()))?;
    let in_schedule = prepared.window().contains(now);
    let live = prepared.row.enabled && in_schedule;
    let mut runs = ScriptRuns::new(scripts, true);
    let outcome = decide::decide(
        ctx,
        db.conn(),
        &mut runs,
        &prepared,
        facts,
        &input.facts,
        live,
    )
    .await?;
    let rule = prepared.row;
    let rewards = live && outcome.decision.passed;
    let (amount_minor, amount_error) = match outcome.amount {
        Some(calc) => (calc.amount_minor, calc.error),
        None => (None, None),
    };
    Ok(Evaluation {
        rule_id: rule.public_id.clone(),
        rule_version: rule.version,
        enabled: rule.enabled,
        in_schedule,
        rewards,
        decision: outcome.decision,
        amount: amount_minor.map(|m| values::decimal(m, &rule.currency)),
        amount_minor,
        currency: rule.currency.clone(),
        amount_error,
    })
}

//! Dry runs of a rule on given facts: conditions (with their scripts) and the amount.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::conditions::spec_of;
use super::{find_rule, PERCENT_DECIMALS};
use crate::domain::{scripts, values, Ctx};
use crate::error::{AppError, Result};
use crate::rules::{self as engine, Condition, Decision, Facts, Order, RuleWindow};
use crate::scripting::{ScriptFacts, Scripts};
use crate::store::rules::{self as store, RuleRow};
use crate::store::scripts::ScriptTable;
use crate::store::{scope, Db};

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
    let mut facts = Facts {
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
    let conditions = load_conditions(ctx, db, scripts, &rule, &input.facts, &mut facts).await?;
    let window = RuleWindow {
        start: rule.start_date,
        end: rule.end_date,
    };
    let decision = engine::evaluate(&window, &conditions, &facts);
    let in_schedule =
        rule.start_date.is_none_or(|s| now >= s) && rule.end_date.is_none_or(|e| now <= e);
    let rewards = rule.enabled && in_schedule && decision.passed;
    let (amount_minor, amount_error) = if rewards {
        reward_amount(ctx, db, scripts, &rule, &input.facts).await?
    } else {
        (None, None)
    };
    Ok(Evaluation {
        rule_id: rule.public_id.clone(),
        rule_version: rule.version,
        enabled: rule.enabled,
        in_schedule,
        rewards,
        decision,
        amount: amount_minor.map(|m| values::decimal(m, &rule.currency)),
        amount_minor,
        currency: rule.currency.clone(),
        amount_error,
    })
}

/// The rule's conditions for the evaluator, running each condition script once (however many
/// conditions name it) and putting its outcome into `facts`.
async fn load_conditions(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    rule: &RuleRow,
    script_facts: &ScriptFacts,
    facts: &mut Facts,
) -> Result<Vec<Condition>> {
    let mut conditions = Vec::new();
    for row in store::conditions(ctx, db.conn(), rule.id).await? {
        let mut spec = spec_of(&row)?;
        if let Some(script_id) = row.script_id {
            let script = scope::find_by_id::<ScriptTable>(ctx, db.conn(), script_id)
                .await?
                .ok_or_else(|| AppError::Internal("script vanished".into()))?;
            if !facts.script_results.contains_key(&script.public_id) {
                let outcome =
                    scripts::run_current(ctx, db, scripts, &script, script_facts.clone()).await?;
                let outcome =
                    outcome.and_then(|v| v.as_bool().ok_or_else(|| "not a boolean".to_string()));
                facts
                    .script_results
                    .insert(script.public_id.clone(), outcome);
            }
            spec.script_id = Some(script.public_id);
        }
        conditions.push(spec.to_condition(row.public_id.clone(), &rule.currency));
    }
    Ok(conditions)
}

/// What a rewarding rule pays, in minor units, or why its amount script could not say.
async fn reward_amount(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    rule: &RuleRow,
    script_facts: &ScriptFacts,
) -> Result<(Option<i64>, Option<String>)> {
    let amount = rule.amount.as_deref().unwrap_or("0");
    match rule.reward_kind.as_str() {
        "fixed" => Ok((
            Some(values::parse_money("amount", amount, &rule.currency)?),
            None,
        )),
        "percent" => {
            let pct = values::parse_scaled("amount", amount, PERCENT_DECIMALS)?;
            let base = script_facts.event.amount.max(0);
            Ok((Some(crate::domain::money::percent_of(base, pct)), None))
        }
        _ => {
            let script_id = rule
                .amount_script_id
                .ok_or_else(|| AppError::Internal("script rule without script".into()))?;
            let script = scope::find_by_id::<ScriptTable>(ctx, db.conn(), script_id)
                .await?
                .ok_or_else(|| AppError::Internal("script vanished".into()))?;
            match scripts::run_current(ctx, db, scripts, &script, script_facts.clone()).await? {
                Ok(v) => Ok((v.as_i64(), None)),
                Err(e) => Ok((None, Some(e))),
            }
        }
    }
}

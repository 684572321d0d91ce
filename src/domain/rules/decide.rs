//! The one way a rule is decided, shared by the dry run (`evaluate`), the rewards engine and
//! simulation: run each condition script once, evaluate the conditions with
//! `crate::rules::evaluate`, and compute the amount (fixed, percent half-even, or a script).
//!
//! A script that fails (error, limit, deadline, or — in lenient mode — a full pool) counts as
//! false and is reported in `Outcome::failures`; only database errors (and, in strict mode, the
//! script's own errors and a full pool) stop the caller.
use std::collections::HashMap;
use std::sync::Arc;

use rhai::AST;
use serde::Serialize;

use super::conditions::spec_of;
use super::PERCENT_DECIMALS;
use crate::domain::{money, scripts, values, Ctx};
use crate::error::{AppError, Result};
use crate::rules::{self as engine, Condition, Decision, Facts, RuleWindow};
use crate::scripting::{Kind, ScriptFacts, Scripts};
use crate::store::rewards as reward_store;
use crate::store::rules::{ConditionRow, RuleRow};
use crate::store::scope;
use crate::store::scripts::{ScriptRow, ScriptTable};

/// A script a rule runs: a stored one (its current version), or a source given inline to a
/// simulation (already compiled).
#[derive(Clone)]
pub(in crate::domain) enum ScriptRef {
    Stored(ScriptRow),
    Inline { id: String, ast: Arc<AST> },
}

impl ScriptRef {
    /// The name conditions and explanations use for it (the script's public id, or `inline:…`).
    pub fn key(&self) -> &str {
        match self {
            ScriptRef::Stored(row) => &row.public_id,
            ScriptRef::Inline { id, .. } => id,
        }
    }
}

/// A rule with its conditions and scripts, ready to decide on facts.
#[derive(Clone)]
pub(in crate::domain) struct PreparedRule {
    pub row: RuleRow,
    pub conditions: Vec<Condition>,
    /// Distinct condition scripts, in the order the conditions name them.
    pub condition_scripts: Vec<ScriptRef>,
    pub amount_script: Option<ScriptRef>,
}

impl PreparedRule {
    /// The rule's schedule.
    pub fn window(&self) -> RuleWindow {
        RuleWindow {
            start: self.row.start_date,
            end: self.row.end_date,
        }
    }

    /// The rule fires on the rule trigger `trigger` at `at` (its schedule includes `at`).
    pub fn fires(&self, trigger: &str, at: chrono::DateTime<chrono::Utc>) -> bool {
        self.row.trigger == trigger && self.window().contains(at)
    }
}

/// A script run that failed, as explanations and `RuleScriptFailed` events record it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ScriptFailure {
    pub script_id: String,
    /// `condition` or `amount`.
    pub role: String,
    pub error: String,
}

/// How the amount was computed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Default)]
pub struct AmountCalc {
    /// fixed, percent or script.
    pub kind: String,
    /// The rule's amount text: the fixed amount (major units) or the percent.
    pub rule_amount: Option<String>,
    /// The event amount a percent applies to, in minor units.
    pub base_minor: Option<i64>,
    pub script_id: Option<String>,
    pub amount_minor: Option<i64>,
    /// `amount_minor` in major units.
    pub amount: Option<String>,
    pub currency: String,
    /// Why there is no amount (a failing amount script).
    pub error: Option<String>,
}

/// What deciding a rule found.
#[derive(Debug, Clone)]
pub(in crate::domain) struct Outcome {
    pub decision: Decision,
    /// Computed only when the conditions hold and an amount was asked for.
    pub amount: Option<AmountCalc>,
    pub failures: Vec<ScriptFailure>,
}

/// Script runs of one decision round: each script runs at most once on the same facts.
pub(in crate::domain) struct ScriptRuns<'a> {
    scripts: &'a Scripts,
    /// Strict: a script that cannot be run at all (full pool, missing version) is the caller's
    /// error (dry runs, simulations answer it); lenient: it counts as a failed run (the engine).
    strict: bool,
    results: HashMap<String, std::result::Result<serde_json::Value, String>>,
}

impl<'a> ScriptRuns<'a> {
    pub fn new(scripts: &'a Scripts, strict: bool) -> ScriptRuns<'a> {
        ScriptRuns {
            scripts,
            strict,
            results: HashMap::new(),
        }
    }

    /// Forgets the results (the facts changed).
    pub fn reset(&mut self) {
        self.results.clear();
    }

    async fn run(
        &mut self,
        ctx: &Ctx,
        db: &impl sea_orm::ConnectionTrait,
        script: &ScriptRef,
        kind: Kind,
        facts: &ScriptFacts,
    ) -> Result<std::result::Result<serde_json::Value, String>> {
        if let Some(done) = self.results.get(script.key()) {
            return Ok(done.clone());
        }
        let run = match script {
            ScriptRef::Stored(row) => {
                scripts::run_current(ctx, db, self.scripts, row, facts.clone()).await
            }
            ScriptRef::Inline { ast, .. } => {
                scripts::run_ast(ctx, self.scripts, kind, 0, ast.clone(), facts.clone())
                    .await
                    .map(|run| match (run.result, run.error) {
                        (Some(v), None) => Ok(v),
                        (_, e) => Err(e.unwrap_or_else(|| "the script gave no answer".into())),
                    })
            }
        };
        let outcome = match run {
            Ok(outcome) => outcome,
            Err(err @ AppError::Db(_)) => return Err(err),
            Err(err) if self.strict => return Err(err),
            Err(err) => Err(err.to_string()),
        };
        self.results
            .insert(script.key().to_string(), outcome.clone());
        Ok(outcome)
    }
}

/// Loads the conditions and scripts of these rules (one query each) and prepares them.
pub(in crate::domain) async fn prepare(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    rules: Vec<RuleRow>,
) -> Result<Vec<PreparedRule>> {
    let ids: Vec<i64> = rules.iter().map(|r| r.id).collect();
    let conditions = reward_store::conditions_of(ctx, db, ids).await?;
    let mut script_ids: Vec<i64> = conditions.iter().filter_map(|c| c.script_id).collect();
    script_ids.extend(rules.iter().filter_map(|r| r.amount_script_id));
    script_ids.sort_unstable();
    script_ids.dedup();
    let scripts: HashMap<i64, ScriptRow> = scope::find_many::<ScriptTable>(ctx, db, script_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut by_rule: HashMap<i64, Vec<ConditionRow>> = HashMap::new();
    for c in conditions {
        by_rule.entry(c.rule_id).or_default().push(c);
    }
    rules
        .into_iter()
        .map(|row| {
            let rows = by_rule.remove(&row.id).unwrap_or_default();
            prepare_one(row, rows, &scripts)
        })
        .collect()
}

fn prepare_one(
    row: RuleRow,
    rows: Vec<ConditionRow>,
    scripts: &HashMap<i64, ScriptRow>,
) -> Result<PreparedRule> {
    let vanished = || AppError::Internal("script vanished".into());
    let mut conditions = Vec::with_capacity(rows.len());
    let mut condition_scripts: Vec<ScriptRef> = Vec::new();
    for c in rows {
        let mut spec = spec_of(&c)?;
        if let Some(script_id) = c.script_id {
            let script = scripts.get(&script_id).ok_or_else(vanished)?;
            if !condition_scripts
                .iter()
                .any(|s| s.key() == script.public_id)
            {
                condition_scripts.push(ScriptRef::Stored(script.clone()));
            }
            spec.script_id = Some(script.public_id.clone());
        }
        conditions.push(spec.to_condition(c.public_id.clone(), &row.currency));
    }
    let amount_script = match row.amount_script_id {
        Some(id) => Some(ScriptRef::Stored(
            scripts.get(&id).ok_or_else(vanished)?.clone(),
        )),
        None => None,
    };
    Ok(PreparedRule {
        row,
        conditions,
        condition_scripts,
        amount_script,
    })
}

/// Decides a rule on facts: runs its condition scripts, evaluates, and (when it holds and
/// `with_amount`) computes the amount. `facts.script_results` is filled here.
pub(in crate::domain) async fn decide(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    runs: &mut ScriptRuns<'_>,
    rule: &PreparedRule,
    mut facts: Facts,
    script_facts: &ScriptFacts,
    with_amount: bool,
) -> Result<Outcome> {
    let mut failures = Vec::new();
    for script in &rule.condition_scripts {
        let outcome = runs
            .run(ctx, db, script, Kind::Condition, script_facts)
            .await?;
        let outcome = outcome.and_then(|v| {
            v.as_bool()
                .ok_or_else(|| "a condition script must return true or false".to_string())
        });
        if let Err(e) = &outcome {
            failures.push(ScriptFailure {
                script_id: script.key().to_string(),
                role: "condition".into(),
                error: e.clone(),
            });
        }
        facts
            .script_results
            .insert(script.key().to_string(), outcome);
    }
    let window = rule.window();
    let decision = engine::evaluate(&window, &rule.conditions, &facts);
    let amount = if decision.passed && with_amount {
        let calc = amount(ctx, db, runs, rule, script_facts).await?;
        if let (Some(e), Some(s)) = (&calc.error, &calc.script_id) {
            failures.push(ScriptFailure {
                script_id: s.clone(),
                role: "amount".into(),
                error: e.clone(),
            });
        }
        Some(calc)
    } else {
        None
    };
    Ok(Outcome {
        decision,
        amount,
        failures,
    })
}

/// What a rule that holds pays.
async fn amount(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    runs: &mut ScriptRuns<'_>,
    rule: &PreparedRule,
    script_facts: &ScriptFacts,
) -> Result<AmountCalc> {
    let row = &rule.row;
    let text = row.amount.as_deref().unwrap_or("0");
    let mut calc = AmountCalc {
        kind: row.reward_kind.clone(),
        currency: row.currency.clone(),
        ..Default::default()
    };
    match row.reward_kind.as_str() {
        "fixed" => {
            calc.rule_amount = Some(text.to_string());
            calc.amount_minor = Some(values::parse_money("amount", text, &row.currency)?);
        }
        "percent" => {
            let pct = values::parse_scaled("amount", text, PERCENT_DECIMALS)?;
            let base = script_facts.event.amount.max(0);
            calc.rule_amount = Some(text.to_string());
            calc.base_minor = Some(base);
            calc.amount_minor = Some(money::percent_of(base, pct));
        }
        _ => {
            let script = rule
                .amount_script
                .as_ref()
                .ok_or_else(|| AppError::Internal("script rule without script".into()))?;
            calc.script_id = Some(script.key().to_string());
            match runs
                .run(ctx, db, script, Kind::Amount, script_facts)
                .await?
            {
                Ok(v) => match v.as_i64() {
                    Some(n) => calc.amount_minor = Some(n),
                    None => calc.error = Some("the amount script gave no whole number".into()),
                },
                Err(e) => calc.error = Some(e),
            }
        }
    }
    calc.amount = calc.amount_minor.map(|m| values::decimal(m, &row.currency));
    Ok(calc)
}

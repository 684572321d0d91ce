//! Reward rules and their conditions, shared by the native API and the func-call surface (002).
//! Every change bumps the rule's version and records `ProgramUpdate` saying what changed.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ids, scripts, values, Ctx};
use crate::error::{AppError, Result};
use crate::rules::model::{parse_condition, CType, Comparison, ConditionInput, ConditionSpec};
use crate::rules::{self as engine, Decision, Facts, Order, RuleWindow};
use crate::scripting::{Kind, ScriptFacts, Scripts};
use crate::store::programs::ProgramRow;
use crate::store::rules::{self as store, ConditionFields, ConditionRow, RuleFields, RuleRow};
use crate::store::scripts as script_store;
use crate::store::{events, Db, Page};

pub const RECIPIENTS: [&str; 2] = ["member", "referral"];
pub const TRIGGERS: [&str; 4] = [
    "referral_created",
    "referral_qualified",
    "referral_approved",
    "purchase",
];
pub const KINDS: [&str; 3] = ["fixed", "percent", "script"];
/// Conditions one rule may have: bounds the work (and script runs) of evaluating it.
pub const MAX_CONDITIONS: usize = 50;
/// Percents are kept with four decimals: 100% = 1_000_000.
const PERCENT_DECIMALS: usize = 4;

/// Rule fields as any surface receives them.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: String,
    pub enabled: Option<bool>,
    pub recipient: Option<String>,
    pub trigger: Option<String>,
    pub reward_kind: Option<String>,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: Option<String>,
    pub payout_id: Option<String>,
    pub hold_days: Option<i64>,
    pub max_per_referral: Option<i64>,
    pub max_per_member: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
}

impl RuleInput {
    /// The input that reproduces a stored rule (the func surface edits by overlaying on it).
    pub fn from_view(v: &RuleView) -> RuleInput {
        RuleInput {
            name: v.name.clone(),
            enabled: Some(v.enabled),
            recipient: Some(v.recipient.clone()),
            trigger: Some(v.trigger.clone()),
            reward_kind: Some(v.reward_kind.clone()),
            amount: v.amount.clone(),
            amount_script_id: v.amount_script_id.clone(),
            currency: Some(v.currency.clone()),
            payout_id: v.payout_id.clone(),
            hold_days: Some(v.hold_days),
            max_per_referral: v.max_per_referral,
            max_per_member: v.max_per_member,
            start_date: v.start_date,
            end_date: v.end_date,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleView {
    pub id: String,
    #[serde(skip)]
    pub number: i64,
    pub program_id: String,
    #[serde(skip)]
    pub program_number: i64,
    pub name: String,
    pub enabled: bool,
    pub recipient: String,
    pub trigger: String,
    pub reward_kind: String,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: String,
    pub payout_id: Option<String>,
    pub hold_days: i64,
    pub max_per_referral: Option<i64>,
    pub max_per_member: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConditionView {
    pub id: String,
    #[serde(skip)]
    pub number: i64,
    pub rule_id: String,
    pub ctype: i64,
    /// Months back that count, or `all`.
    pub orderperiods: Option<String>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<i64>,
    pub referral_count: Option<i64>,
    /// `none`, or `new` with `groupname`.
    pub group: String,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

impl ConditionView {
    /// The input that reproduces a stored condition (the func surface edits by overlaying on it).
    pub fn to_input(&self) -> ConditionInput {
        ConditionInput {
            ctype: Some(self.ctype.to_string()),
            orderperiods: self.orderperiods.clone(),
            comparison: self.comparison.clone(),
            amount_ctype_1: self.amount_ctype_1.clone(),
            amount_ctype_4: self.amount_ctype_4.clone(),
            item_count: self.item_count.map(|n| n.to_string()),
            referral_count: self.referral_count.map(|n| n.to_string()),
            group: Some(self.group.clone()),
            groupname: self.groupname.clone(),
            script_id: self.script_id.clone(),
        }
    }
}

fn one_of(
    field: &str,
    raw: Option<&str>,
    allowed: &[&str],
    default: Option<&str>,
) -> Result<String> {
    let v = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(default)
        .ok_or_else(|| {
            AppError::missing(field, format!("is required: one of {}", allowed.join(", ")))
        })?;
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(AppError::invalid(
            field,
            format!("must be one of {}, got `{v}`", allowed.join(", ")),
        ))
    }
}

fn bounded(field: &str, v: Option<i64>, min: i64, max: i64) -> Result<Option<i32>> {
    match v {
        Some(n) if !(min..=max).contains(&n) => Err(AppError::invalid(
            field,
            format!("must be between {min} and {max}, got {n}"),
        )),
        other => Ok(other.map(|n| n as i32)),
    }
}

fn format_percent(scaled: i64) -> String {
    let s = format!("{}.{:04}", scaled / 10_000, scaled % 10_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

async fn parse_rule(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    program: &ProgramRow,
    input: RuleInput,
) -> Result<RuleFields> {
    let name = values::text("name", &input.name, 100)?;
    let kind = one_of("reward_kind", input.reward_kind.as_deref(), &KINDS, None)?;
    let currency = values::currency(
        "currency",
        input
            .currency
            .as_deref()
            .or(Some(program.currency.as_str())),
    )?;
    let amount_given = input
        .amount
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let script_given = input
        .amount_script_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let (amount, amount_script_id) = match kind.as_str() {
        "script" => {
            if amount_given.is_some() {
                return Err(AppError::invalid(
                    "amount",
                    "is not taken with reward_kind `script` (the script computes it)",
                ));
            }
            let id = script_given.ok_or_else(|| {
                AppError::missing("amount_script_id", "is required with reward_kind `script`")
            })?;
            (
                None,
                Some(
                    scripts::for_use(ctx, db, "amount_script_id", id, Kind::Amount)
                        .await?
                        .id,
                ),
            )
        }
        other => {
            if script_given.is_some() {
                return Err(AppError::invalid(
                    "amount_script_id",
                    format!("is only taken with reward_kind `script`, not `{other}`"),
                ));
            }
            let raw = amount_given.ok_or_else(|| {
                AppError::missing("amount", format!("is required with reward_kind `{other}`"))
            })?;
            let amount = if other == "fixed" {
                values::normalize_money("amount", raw, &currency)?
            } else {
                let p = values::parse_scaled("amount", raw, PERCENT_DECIMALS)?;
                if p == 0 || p > 1_000_000 {
                    return Err(AppError::invalid(
                        "amount",
                        "a percent must be above 0 and at most 100",
                    ));
                }
                format_percent(p)
            };
            (Some(amount), None)
        }
    };
    if let (Some(start), Some(end)) = (input.start_date, input.end_date) {
        if end < start {
            return Err(AppError::invalid(
                "end_date",
                "must not be before start_date",
            ));
        }
    }
    Ok(RuleFields {
        name,
        enabled: input.enabled.unwrap_or(true),
        recipient: one_of(
            "recipient",
            input.recipient.as_deref(),
            &RECIPIENTS,
            Some("member"),
        )?,
        trigger: one_of("trigger", input.trigger.as_deref(), &TRIGGERS, None)?,
        reward_kind: kind,
        amount,
        amount_script_id,
        currency,
        payout_id: values::opt_text("payout_id", input.payout_id.as_deref(), 64)?,
        hold_days: bounded("hold_days", input.hold_days.or(Some(0)), 0, 3650)?.unwrap_or(0),
        max_per_referral: bounded("max_per_referral", input.max_per_referral, 1, 1_000_000)?,
        max_per_member: bounded("max_per_member", input.max_per_member, 1, 1_000_000)?,
        start_date: input.start_date,
        end_date: input.end_date,
    })
}

/// The program a rule belongs to.
async fn program_of(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &RuleRow,
) -> Result<ProgramRow> {
    crate::store::programs::find_by_id(ctx, db, row.program_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("rule {} has no program", row.id)))
}

async fn rule_view(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &RuleRow,
) -> Result<RuleView> {
    rule_view_in(ctx, db, row, &program_of(ctx, db, row).await?).await
}

/// A rule's view when its program is already at hand (lists read the program once).
async fn rule_view_in(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &RuleRow,
    program: &ProgramRow,
) -> Result<RuleView> {
    let script = match row.amount_script_id {
        Some(id) => script_store::find_by_id(ctx, db, id)
            .await?
            .map(|s| s.public_id),
        None => None,
    };
    Ok(RuleView {
        id: row.public_id.clone(),
        number: row.id,
        program_id: program.public_id.clone(),
        program_number: program.id,
        name: row.name.clone(),
        enabled: row.enabled,
        recipient: row.recipient.clone(),
        trigger: row.trigger.clone(),
        reward_kind: row.reward_kind.clone(),
        amount: row.amount.clone(),
        amount_script_id: script,
        currency: row.currency.clone(),
        payout_id: row.payout_id.clone(),
        hold_days: row.hold_days as i64,
        max_per_referral: row.max_per_referral.map(i64::from),
        max_per_member: row.max_per_member.map(i64::from),
        start_date: row.start_date,
        end_date: row.end_date,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn parse_id<'a>(id: &'a str, prefix: &str, what: &str) -> Result<&'a str> {
    let id = id.trim();
    if ids::has_prefix(id, prefix) {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "id",
            format!("is not a {what} id (expected `{prefix}_…`)"),
        ))
    }
}

async fn find_rule(ctx: &Ctx, db: &impl sea_orm::ConnectionTrait, id: &str) -> Result<RuleRow> {
    store::find(ctx, db, parse_id(id, "rule", "rule")?)
        .await?
        .ok_or_else(|| AppError::not_found("rule"))
}

async fn find_program(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    id: &str,
) -> Result<ProgramRow> {
    crate::store::programs::find(ctx, db, parse_id(id, "prog", "program")?)
        .await?
        .ok_or_else(|| AppError::not_found("program"))
}

async fn program_changed(
    ctx: &Ctx,
    txn: &impl sea_orm::ConnectionTrait,
    program_id: &str,
    change: &str,
    detail: serde_json::Value,
) -> Result<()> {
    events::record(
        ctx,
        txn,
        "ProgramUpdate",
        program_id,
        json!({"program_id": program_id, "change": change, "detail": detail}),
    )
    .await?;
    Ok(())
}

pub async fn create(ctx: &Ctx, db: &Db, program_id: &str, input: RuleInput) -> Result<RuleView> {
    let txn = db.write().await?;
    let program = find_program(ctx, &txn, program_id).await?;
    let fields = parse_rule(ctx, &txn, &program, input).await?;
    let row = store::insert(ctx, &txn, program.id, fields).await?;
    let rule = rule_view(ctx, &txn, &row).await?;
    program_changed(
        ctx,
        &txn,
        &rule.program_id,
        "rule_added",
        json!({"rule": rule}),
    )
    .await?;
    txn.commit().await?;
    Ok(rule)
}

pub async fn list(
    ctx: &Ctx,
    db: &Db,
    program_id: &str,
    offset: u64,
    limit: u64,
) -> Result<Page<RuleView>> {
    let program = find_program(ctx, db.conn(), program_id).await?;
    let rows = store::list(ctx, db.conn(), program.id, offset, limit).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for row in &rows.items {
        items.push(rule_view_in(ctx, db.conn(), row, &program).await?);
    }
    Ok(Page {
        items,
        total: rows.total,
    })
}

pub async fn get(ctx: &Ctx, db: &Db, id: &str) -> Result<RuleView> {
    rule_view(ctx, db.conn(), &find_rule(ctx, db.conn(), id).await?).await
}

pub async fn update(ctx: &Ctx, db: &Db, id: &str, input: RuleInput) -> Result<RuleView> {
    let txn = db.write().await?;
    let row = find_rule(ctx, &txn, id).await?;
    let program = crate::store::programs::find_by_id(ctx, &txn, row.program_id)
        .await?
        .ok_or_else(|| AppError::Internal("rule without program".into()))?;
    let fields = parse_rule(ctx, &txn, &program, input).await?;
    if fields.currency != row.currency {
        // Money thresholds are written in the rule's currency; each must still fit the new one.
        for c in store::conditions(ctx, &txn, row.id).await? {
            for amount in [&c.amount_ctype_1, &c.amount_ctype_4].into_iter().flatten() {
                if values::parse_money("currency", amount, &fields.currency).is_err() {
                    return Err(AppError::invalid(
                        "currency",
                        format!("condition {} compares with {amount}, which {} cannot express; change it first", c.public_id, fields.currency),
                    ));
                }
            }
        }
    }
    let before = rule_view(ctx, &txn, &row).await?;
    if store::fields_of(&row) == fields {
        return Ok(before);
    }
    let row = store::update(&txn, row, fields).await?;
    let after = rule_view(ctx, &txn, &row).await?;
    program_changed(
        ctx,
        &txn,
        &after.program_id,
        "rule_updated",
        json!({"before": before, "after": after}),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete(ctx: &Ctx, db: &Db, id: &str) -> Result<RuleView> {
    let txn = db.write().await?;
    let row = find_rule(ctx, &txn, id).await?;
    let rule = rule_view(ctx, &txn, &row).await?;
    store::delete(ctx, &txn, row.id).await?;
    program_changed(
        ctx,
        &txn,
        &rule.program_id,
        "rule_removed",
        json!({"rule": rule}),
    )
    .await?;
    txn.commit().await?;
    Ok(rule)
}

fn spec_of(row: &ConditionRow) -> Result<ConditionSpec> {
    Ok(ConditionSpec {
        ctype: CType::from_i64("ctype", row.ctype as i64)?,
        orderperiods: row.orderperiods.map(|m| m as u32),
        comparison: row
            .comparison
            .as_deref()
            .map(|c| Comparison::parse("comparison", c))
            .transpose()?,
        amount_ctype_1: row.amount_ctype_1.clone(),
        amount_ctype_4: row.amount_ctype_4.clone(),
        item_count: row.item_count,
        referral_count: row.referral_count,
        group: row.group_name.clone(),
        script_id: None,
    })
}

async fn condition_view(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    rule: &RuleRow,
    row: &ConditionRow,
) -> Result<ConditionView> {
    let script = match row.script_id {
        Some(id) => script_store::find_by_id(ctx, db, id)
            .await?
            .map(|s| s.public_id),
        None => None,
    };
    Ok(ConditionView {
        id: row.public_id.clone(),
        number: row.id,
        rule_id: rule.public_id.clone(),
        ctype: row.ctype as i64,
        orderperiods: match (row.ctype, row.orderperiods) {
            (1 | 4, Some(m)) => Some(m.to_string()),
            (1 | 4, None) => Some("all".into()),
            _ => None,
        },
        comparison: row.comparison.clone(),
        amount_ctype_1: row.amount_ctype_1.clone(),
        amount_ctype_4: row.amount_ctype_4.clone(),
        item_count: row.item_count,
        referral_count: row.referral_count,
        group: if row.group_name.is_some() {
            "new".into()
        } else {
            "none".into()
        },
        groupname: row.group_name.clone(),
        script_id: script,
    })
}

async fn condition_fields(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    rule: &RuleRow,
    input: &ConditionInput,
) -> Result<ConditionFields> {
    let spec = parse_condition(input, &rule.currency)?;
    let script_id = match &spec.script_id {
        Some(id) => Some(
            scripts::for_use(ctx, db, "script_id", id, Kind::Condition)
                .await?
                .id,
        ),
        None => None,
    };
    Ok(ConditionFields {
        ctype: spec.ctype as i32,
        orderperiods: spec.orderperiods.map(|m| m as i32),
        comparison: spec.comparison.map(|c| c.as_str().to_string()),
        amount_ctype_1: spec.amount_ctype_1,
        amount_ctype_4: spec.amount_ctype_4,
        item_count: spec.item_count,
        referral_count: spec.referral_count,
        group_name: spec.group,
        script_id,
    })
}

pub async fn add_condition(
    ctx: &Ctx,
    db: &Db,
    rule_id: &str,
    input: ConditionInput,
) -> Result<ConditionView> {
    let txn = db.write().await?;
    let rule = find_rule(ctx, &txn, rule_id).await?;
    if store::conditions(ctx, &txn, rule.id).await?.len() >= MAX_CONDITIONS {
        return Err(AppError::conflict(format!(
            "a rule takes at most {MAX_CONDITIONS} conditions"
        )));
    }
    let fields = condition_fields(ctx, &txn, &rule, &input).await?;
    let row = store::insert_condition(ctx, &txn, rule.id, fields).await?;
    let rule = store::touch(&txn, rule).await?;
    let cond = condition_view(ctx, &txn, &rule, &row).await?;
    let program = program_of(ctx, &txn, &rule).await?.public_id;
    program_changed(
        ctx,
        &txn,
        &program,
        "condition_added",
        json!({"rule_id": rule.public_id, "rule_version": rule.version, "condition": cond}),
    )
    .await?;
    txn.commit().await?;
    Ok(cond)
}

pub async fn conditions(ctx: &Ctx, db: &Db, rule_id: &str) -> Result<Vec<ConditionView>> {
    let rule = find_rule(ctx, db.conn(), rule_id).await?;
    let mut out = Vec::new();
    for row in store::conditions(ctx, db.conn(), rule.id).await? {
        out.push(condition_view(ctx, db.conn(), &rule, &row).await?);
    }
    Ok(out)
}

async fn find_condition(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    id: &str,
) -> Result<(ConditionRow, RuleRow)> {
    let row = store::find_condition(ctx, db, parse_id(id, "cond", "condition")?)
        .await?
        .ok_or_else(|| AppError::not_found("condition"))?;
    let rule = store::find_by_id(ctx, db, row.rule_id)
        .await?
        .ok_or_else(|| AppError::Internal("condition without rule".into()))?;
    Ok((row, rule))
}

pub async fn get_condition(ctx: &Ctx, db: &Db, id: &str) -> Result<ConditionView> {
    let (row, rule) = find_condition(ctx, db.conn(), id).await?;
    condition_view(ctx, db.conn(), &rule, &row).await
}

pub async fn update_condition(
    ctx: &Ctx,
    db: &Db,
    id: &str,
    input: ConditionInput,
) -> Result<ConditionView> {
    let txn = db.write().await?;
    let (row, rule) = find_condition(ctx, &txn, id).await?;
    let fields = condition_fields(ctx, &txn, &rule, &input).await?;
    let before = condition_view(ctx, &txn, &rule, &row).await?;
    let row = store::update_condition(&txn, row, fields).await?;
    let rule = store::touch(&txn, rule).await?;
    let after = condition_view(ctx, &txn, &rule, &row).await?;
    let program = program_of(ctx, &txn, &rule).await?.public_id;
    program_changed(ctx, &txn, &program, "condition_updated", json!({"rule_id": rule.public_id, "rule_version": rule.version, "before": before, "after": after})).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete_condition(ctx: &Ctx, db: &Db, id: &str) -> Result<ConditionView> {
    let txn = db.write().await?;
    let (row, rule) = find_condition(ctx, &txn, id).await?;
    let cond = condition_view(ctx, &txn, &rule, &row).await?;
    store::delete_condition(ctx, &txn, row.id).await?;
    let rule = store::touch(&txn, rule).await?;
    let program = program_of(ctx, &txn, &rule).await?.public_id;
    program_changed(
        ctx,
        &txn,
        &program,
        "condition_removed",
        json!({"rule_id": rule.public_id, "rule_version": rule.version, "condition": cond}),
    )
    .await?;
    txn.commit().await?;
    Ok(cond)
}

/// Public ids behind the func surface's numeric ids (scoped to the org; unknown is a 404).
pub async fn program_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(crate::store::programs::find_by_id(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("program"))?
        .public_id)
}

pub async fn rule_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(store::find_by_id(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("rule"))?
        .public_id)
}

pub async fn condition_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(store::find_condition_by_id(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("condition"))?
        .public_id)
}

/// Deletes the rules with these numeric ids (the func surface's `elid=1, 2, 3`) in one
/// transaction: all of them, or none when any is missing.
pub async fn delete_rule_numbers(ctx: &Ctx, db: &Db, numbers: &[i64]) -> Result<Vec<RuleView>> {
    let txn = db.write().await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = store::find_by_id(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("rule"))?;
        let rule = rule_view(ctx, &txn, &row).await?;
        store::delete(ctx, &txn, row.id).await?;
        program_changed(
            ctx,
            &txn,
            &rule.program_id,
            "rule_removed",
            json!({"rule": rule}),
        )
        .await?;
        deleted.push(rule);
    }
    txn.commit().await?;
    Ok(deleted)
}

/// Deletes the conditions with these numeric ids in one transaction: all of them, or none when
/// any is missing. Each bumps its rule's version, as `delete_condition` does.
pub async fn delete_condition_numbers(
    ctx: &Ctx,
    db: &Db,
    numbers: &[i64],
) -> Result<Vec<ConditionView>> {
    let txn = db.write().await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = store::find_condition_by_id(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("condition"))?;
        let rule = store::find_by_id(ctx, &txn, row.rule_id)
            .await?
            .ok_or_else(|| AppError::Internal("condition without rule".into()))?;
        let cond = condition_view(ctx, &txn, &rule, &row).await?;
        store::delete_condition(ctx, &txn, row.id).await?;
        let rule = store::touch(&txn, rule).await?;
        let program = program_of(ctx, &txn, &rule).await?.public_id;
        program_changed(
            ctx,
            &txn,
            &program,
            "condition_removed",
            json!({"rule_id": rule.public_id, "rule_version": rule.version, "condition": cond}),
        )
        .await?;
        deleted.push(cond);
    }
    txn.commit().await?;
    Ok(deleted)
}

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
    let mut conditions = Vec::new();
    for row in store::conditions(ctx, db.conn(), rule.id).await? {
        let mut spec = spec_of(&row)?;
        if let Some(script_id) = row.script_id {
            let script = script_store::find_by_id(ctx, db.conn(), script_id)
                .await?
                .ok_or_else(|| AppError::Internal("script vanished".into()))?;
            // Each script runs once per dry run, however many conditions name it.
            if !facts.script_results.contains_key(&script.public_id) {
                let outcome =
                    scripts::run_current(ctx, db, scripts, &script, input.facts.clone()).await?;
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
    let window = RuleWindow {
        start: rule.start_date,
        end: rule.end_date,
    };
    let decision = engine::evaluate(&window, &conditions, &facts);
    let in_schedule =
        rule.start_date.is_none_or(|s| now >= s) && rule.end_date.is_none_or(|e| now <= e);
    let rewards = rule.enabled && in_schedule && decision.passed;
    let (mut amount_minor, mut amount_error) = (None, None);
    if rewards {
        match rule.reward_kind.as_str() {
            "fixed" => {
                amount_minor = Some(values::parse_money(
                    "amount",
                    rule.amount.as_deref().unwrap_or("0"),
                    &rule.currency,
                )?)
            }
            "percent" => {
                let pct = values::parse_scaled(
                    "amount",
                    rule.amount.as_deref().unwrap_or("0"),
                    PERCENT_DECIMALS,
                )?;
                let base = input.facts.event.amount.max(0);
                amount_minor = Some(((base as i128 * pct as i128 + 500_000) / 1_000_000) as i64);
            }
            _ => {
                let script_id = rule
                    .amount_script_id
                    .ok_or_else(|| AppError::Internal("script rule without script".into()))?;
                let script = script_store::find_by_id(ctx, db.conn(), script_id)
                    .await?
                    .ok_or_else(|| AppError::Internal("script vanished".into()))?;
                match scripts::run_current(ctx, db, scripts, &script, input.facts.clone()).await? {
                    Ok(v) => amount_minor = v.as_i64(),
                    Err(e) => amount_error = Some(e),
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_keep_four_decimals_without_trailing_zeros() {
        assert_eq!(format_percent(55_000), "5.5");
        assert_eq!(format_percent(1_000_000), "100");
        assert_eq!(format_percent(12_345), "1.2345");
    }

    #[test]
    fn one_of_names_the_field_and_the_choices() {
        assert_eq!(
            one_of("trigger", Some("purchase"), &TRIGGERS, None).unwrap(),
            "purchase"
        );
        let err = one_of("trigger", Some("soon"), &TRIGGERS, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("trigger:") && err.contains("referral_created"),
            "{err}"
        );
        assert!(one_of("trigger", None, &TRIGGERS, None).is_err());
        assert_eq!(
            one_of("recipient", None, &RECIPIENTS, Some("member")).unwrap(),
            "member"
        );
    }
}

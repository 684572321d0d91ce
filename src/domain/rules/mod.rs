//! Reward rules and their conditions, shared by the native API and the func-call surface (002).
//! Every change bumps the rule's version and records `ProgramUpdate` saying what changed.
//!
//! `input` validates rule fields, `conditions` keeps a rule's conditions, `evaluate` dry-runs a
//! rule; this module holds the views and the rule operations themselves. Rules and conditions
//! are found through `store::scope`, so another org's id is a 404.
use crate::store::WriteTxn;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{ids, values, Ctx};
use crate::error::{AppError, Result};
use crate::store::programs::{ProgramRow, ProgramTable};
use crate::store::rules::{self as store, RuleRow, RuleTable};
use crate::store::scripts::ScriptTable;
use crate::store::{events, scope, Db, Page};

mod conditions;
pub(in crate::domain) mod decide;
mod evaluate;
pub(in crate::domain) mod input;

pub use conditions::{
    add_condition, condition_public_id, conditions, delete_condition, delete_condition_numbers,
    get_condition, update_condition, ConditionView,
};
pub use decide::{AmountCalc, ScriptFailure};
pub use evaluate::{evaluate, EvaluateInput, Evaluation, OrderInput};
use input::parse_rule;
pub use input::RuleInput;

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
/// Percents are kept with four decimals: 100% = 1_000_000 (`money::PERCENT_SCALE`).
pub(super) use crate::domain::money::{PERCENT_DECIMALS, PERCENT_SCALE};

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

/// The program a rule belongs to.
pub(super) async fn program_of(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &RuleRow,
) -> Result<ProgramRow> {
    scope::find_by_id::<ProgramTable>(ctx, db, row.program_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("rule {} has no program", row.id)))
}

pub(super) async fn rule_view(
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
        Some(id) => scope::find_by_id::<ScriptTable>(ctx, db, id)
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

pub(super) fn parse_id<'a>(id: &'a str, prefix: &str, what: &str) -> Result<&'a str> {
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

pub(super) async fn find_rule(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    id: &str,
) -> Result<RuleRow> {
    scope::get::<RuleTable>(ctx, db, parse_id(id, "rule", "rule")?).await
}

pub(in crate::domain) async fn find_program(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    id: &str,
) -> Result<ProgramRow> {
    scope::get::<ProgramTable>(ctx, db, parse_id(id, "prog", "program")?).await
}

pub(super) async fn program_changed(
    ctx: &Ctx,
    txn: &WriteTxn,
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
    let txn = db.write(ctx).await?;
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
    let txn = db.write(ctx).await?;
    let row = find_rule(ctx, &txn, id).await?;
    let program = scope::find_by_id::<ProgramTable>(ctx, &txn, row.program_id)
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
    let txn = db.write(ctx).await?;
    let row = find_rule(ctx, &txn, id).await?;
    let rule = remove_rule(ctx, &txn, row).await?;
    txn.commit().await?;
    Ok(rule)
}

/// Deletes the rules with these numeric ids (the func surface's `elid=1, 2, 3`) in one
/// transaction: all of them, or none when any is missing.
pub async fn delete_rule_numbers(ctx: &Ctx, db: &Db, numbers: &[i64]) -> Result<Vec<RuleView>> {
    let txn = db.write(ctx).await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = scope::find_by_id::<RuleTable>(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("rule"))?;
        deleted.push(remove_rule(ctx, &txn, row).await?);
    }
    txn.commit().await?;
    Ok(deleted)
}

async fn remove_rule(ctx: &Ctx, txn: &WriteTxn, row: RuleRow) -> Result<RuleView> {
    let rule = rule_view(ctx, txn, &row).await?;
    store::delete(ctx, txn, row.id).await?;
    program_changed(
        ctx,
        txn,
        &rule.program_id,
        "rule_removed",
        json!({"rule": rule}),
    )
    .await?;
    Ok(rule)
}

/// Public ids behind the func surface's numeric ids (scoped to the org; unknown is a 404).
pub async fn program_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(scope::find_by_id::<ProgramTable>(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("program"))?
        .public_id)
}

pub async fn rule_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(scope::find_by_id::<RuleTable>(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("rule"))?
        .public_id)
}

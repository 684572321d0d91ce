//! A rule's conditions: views, validation (via `crate::rules::model`), add, change, remove.
//! Each change bumps the rule's version and records `ProgramUpdate`.
use crate::store::WriteTxn;
use serde::Serialize;
use serde_json::json;

use super::{find_rule, parse_id, program_changed, program_of, MAX_CONDITIONS};
use crate::domain::{scripts, Ctx};
use crate::error::{AppError, Result};
use crate::rules::model::{parse_condition, CType, Comparison, ConditionInput, ConditionSpec};
use crate::scripting::Kind;
use crate::store::rules::{
    self as store, ConditionFields, ConditionRow, ConditionTable, RuleRow, RuleTable,
};
use crate::store::scripts::ScriptTable;
use crate::store::{scope, Db};

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

pub(super) fn spec_of(row: &ConditionRow) -> Result<ConditionSpec> {
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
        Some(id) => scope::find_by_id::<ScriptTable>(ctx, db, id)
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
    let txn = db.write(ctx).await?;
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
    let row = scope::get::<ConditionTable>(ctx, db, parse_id(id, "cond", "condition")?).await?;
    let rule = rule_of(ctx, db, &row).await?;
    Ok((row, rule))
}

async fn rule_of(
    ctx: &Ctx,
    db: &impl sea_orm::ConnectionTrait,
    row: &ConditionRow,
) -> Result<RuleRow> {
    scope::find_by_id::<RuleTable>(ctx, db, row.rule_id)
        .await?
        .ok_or_else(|| AppError::Internal("condition without rule".into()))
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
    let txn = db.write(ctx).await?;
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
    let txn = db.write(ctx).await?;
    let (row, rule) = find_condition(ctx, &txn, id).await?;
    let cond = remove_condition(ctx, &txn, row, rule).await?;
    txn.commit().await?;
    Ok(cond)
}

/// Deletes the conditions with these numeric ids in one transaction: all of them, or none when
/// any is missing. Each bumps its rule's version, as `delete_condition` does.
pub async fn delete_condition_numbers(
    ctx: &Ctx,
    db: &Db,
    numbers: &[i64],
) -> Result<Vec<ConditionView>> {
    let txn = db.write(ctx).await?;
    let mut deleted = Vec::with_capacity(numbers.len());
    for &number in numbers {
        let row = scope::find_by_id::<ConditionTable>(ctx, &txn, number)
            .await?
            .ok_or_else(|| AppError::not_found("condition"))?;
        let rule = rule_of(ctx, &txn, &row).await?;
        deleted.push(remove_condition(ctx, &txn, row, rule).await?);
    }
    txn.commit().await?;
    Ok(deleted)
}

async fn remove_condition(
    ctx: &Ctx,
    txn: &WriteTxn,
    row: ConditionRow,
    rule: RuleRow,
) -> Result<ConditionView> {
    let cond = condition_view(ctx, txn, &rule, &row).await?;
    store::delete_condition(ctx, txn, row.id).await?;
    let rule = store::touch(txn, rule).await?;
    let program = program_of(ctx, txn, &rule).await?.public_id;
    program_changed(
        ctx,
        txn,
        &program,
        "condition_removed",
        json!({"rule_id": rule.public_id, "rule_version": rule.version, "condition": cond}),
    )
    .await?;
    Ok(cond)
}

pub async fn condition_public_id(ctx: &Ctx, db: &Db, number: i64) -> Result<String> {
    Ok(scope::find_by_id::<ConditionTable>(ctx, db.conn(), number)
        .await?
        .ok_or_else(|| AppError::not_found("condition"))?
        .public_id)
}

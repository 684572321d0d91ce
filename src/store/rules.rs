//! Reward rules and their conditions, scoped by the context's org in every query.
//! Writes take a `WriteTxn` and mark it as changing configuration (`WriteTxn::changes_config`),
//! so caches of rules (`domain::rewards::Plan`) learn of every change at commit.
use chrono::{DateTime, Utc};
use entities::{reward_rule, rule_condition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::scope::{self, scoped};
use super::Page;
use super::WriteTxn;
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::reward_rule::Entity as RuleTable;
pub use entities::reward_rule::Model as RuleRow;
pub use entities::rule_condition::Entity as ConditionTable;
pub use entities::rule_condition::Model as ConditionRow;

/// Every settable field of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFields {
    pub name: String,
    pub enabled: bool,
    pub recipient: String,
    pub trigger: String,
    pub reward_kind: String,
    pub amount: Option<String>,
    pub amount_script_id: Option<i64>,
    pub currency: String,
    pub payout_id: Option<String>,
    pub hold_days: i32,
    pub max_per_referral: Option<i32>,
    pub max_per_member: Option<i32>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
}

fn apply(am: &mut reward_rule::ActiveModel, f: RuleFields) {
    am.name = Set(f.name);
    am.enabled = Set(f.enabled);
    am.recipient = Set(f.recipient);
    am.trigger = Set(f.trigger);
    am.reward_kind = Set(f.reward_kind);
    am.amount = Set(f.amount);
    am.amount_script_id = Set(f.amount_script_id);
    am.currency = Set(f.currency);
    am.payout_id = Set(f.payout_id);
    am.hold_days = Set(f.hold_days);
    am.max_per_referral = Set(f.max_per_referral);
    am.max_per_member = Set(f.max_per_member);
    am.start_date = Set(f.start_date);
    am.end_date = Set(f.end_date);
    am.updated_at = Set(crate::domain::clock::now());
}

pub fn fields_of(row: &RuleRow) -> RuleFields {
    RuleFields {
        name: row.name.clone(),
        enabled: row.enabled,
        recipient: row.recipient.clone(),
        trigger: row.trigger.clone(),
        reward_kind: row.reward_kind.clone(),
        amount: row.amount.clone(),
        amount_script_id: row.amount_script_id,
        currency: row.currency.clone(),
        payout_id: row.payout_id.clone(),
        hold_days: row.hold_days,
        max_per_referral: row.max_per_referral,
        max_per_member: row.max_per_member,
        start_date: row.start_date,
        end_date: row.end_date,
    }
}

pub async fn insert(ctx: &Ctx, db: &WriteTxn, program_id: i64, f: RuleFields) -> Result<RuleRow> {
    db.changes_config();
    let mut am = reward_rule::ActiveModel {
        public_id: Set(ids::new_public_id("rule")),
        org_id: Set(ctx.org_id),
        program_id: Set(program_id),
        version: Set(1),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    };
    apply(&mut am, f);
    Ok(am.insert(db).await?)
}

/// Replaces the fields and bumps the version.
pub async fn update(db: &WriteTxn, row: RuleRow, f: RuleFields) -> Result<RuleRow> {
    db.changes_config();
    let version = row.version + 1;
    let mut am: reward_rule::ActiveModel = row.into();
    apply(&mut am, f);
    am.version = Set(version);
    Ok(am.update(db).await?)
}

/// Bumps the version (a condition changed).
pub async fn touch(db: &WriteTxn, row: RuleRow) -> Result<RuleRow> {
    db.changes_config();
    let version = row.version + 1;
    let mut am: reward_rule::ActiveModel = row.into();
    am.version = Set(version);
    am.updated_at = Set(crate::domain::clock::now());
    Ok(am.update(db).await?)
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Page<RuleRow>> {
    scoped::<reward_rule::Entity>(ctx)
        .filter(reward_rule::Column::ProgramId.eq(program_id))
        .order_by_asc(reward_rule::Column::Id)
        .page(db, offset, limit)
        .await
}

/// Deletes a rule and its conditions.
pub async fn delete(ctx: &Ctx, db: &WriteTxn, rule_id: i64) -> Result<()> {
    db.changes_config();
    scope::delete::<rule_condition::Entity>(ctx)
        .filter(rule_condition::Column::RuleId.eq(rule_id))
        .exec(db)
        .await?;
    scope::delete_by_id::<reward_rule::Entity>(ctx, db, rule_id).await?;
    Ok(())
}

/// Stored condition fields (already validated).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionFields {
    pub ctype: i32,
    pub orderperiods: Option<i32>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<i64>,
    pub referral_count: Option<i64>,
    pub group_name: Option<String>,
    pub script_id: Option<i64>,
}

fn apply_condition(am: &mut rule_condition::ActiveModel, f: ConditionFields) {
    am.ctype = Set(f.ctype);
    am.orderperiods = Set(f.orderperiods);
    am.comparison = Set(f.comparison);
    am.amount_ctype_1 = Set(f.amount_ctype_1);
    am.amount_ctype_4 = Set(f.amount_ctype_4);
    am.item_count = Set(f.item_count);
    am.referral_count = Set(f.referral_count);
    am.group_name = Set(f.group_name);
    am.script_id = Set(f.script_id);
}

pub async fn insert_condition(
    ctx: &Ctx,
    db: &WriteTxn,
    rule_id: i64,
    f: ConditionFields,
) -> Result<ConditionRow> {
    db.changes_config();
    let mut am = rule_condition::ActiveModel {
        public_id: Set(ids::new_public_id("cond")),
        org_id: Set(ctx.org_id),
        rule_id: Set(rule_id),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    };
    apply_condition(&mut am, f);
    Ok(am.insert(db).await?)
}

pub async fn update_condition(
    db: &WriteTxn,
    row: ConditionRow,
    f: ConditionFields,
) -> Result<ConditionRow> {
    db.changes_config();
    let mut am: rule_condition::ActiveModel = row.into();
    apply_condition(&mut am, f);
    Ok(am.update(db).await?)
}

pub async fn conditions<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rule_id: i64,
) -> Result<Vec<ConditionRow>> {
    scoped::<rule_condition::Entity>(ctx)
        .filter(rule_condition::Column::RuleId.eq(rule_id))
        .order_by_asc(rule_condition::Column::Id)
        .all(db)
        .await
}

pub async fn delete_condition(ctx: &Ctx, db: &WriteTxn, id: i64) -> Result<()> {
    db.changes_config();
    scope::delete_by_id::<rule_condition::Entity>(ctx, db, id).await?;
    Ok(())
}

/// Deletes every rule of a program with their conditions (the program is going away).
pub async fn delete_for_program(ctx: &Ctx, db: &WriteTxn, program_id: i64) -> Result<()> {
    db.changes_config();
    let rule_ids: Vec<i64> = scoped::<reward_rule::Entity>(ctx)
        .into_select()
        .select_only()
        .column(reward_rule::Column::Id)
        .filter(reward_rule::Column::ProgramId.eq(program_id))
        .into_tuple()
        .all(db)
        .await?;
    for id in rule_ids {
        delete(ctx, db, id).await?;
    }
    Ok(())
}

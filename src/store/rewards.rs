//! What the rewards engine reads and writes: the referral, the rules firing on a trigger, cap
//! counts, payout methods, and the reward insert that the unique index ux_reward_rule_trigger
//! makes happen at most once. (The referrer, counts and purchases: `store::referrer`.)
//! Every query starts from `scope::scoped`, so it stays inside the context's org.
use chrono::{DateTime, Utc};
use entities::{payout, referral, reward, reward_rule, rule_condition};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use super::scope::{self, scoped};
use crate::domain::{ids, Ctx};
use crate::error::Result;

pub use entities::referral::Entity as ReferralTable;
pub use entities::referral::Model as ReferralRow;
pub use entities::referral_action::Model as ActionRow;
pub use entities::reward::Entity as RewardTable;
pub use entities::reward::Model as RewardRow;

/// The referral with this numeric id, unless removed.
pub async fn live_referral<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
) -> Result<Option<ReferralRow>> {
    scoped::<referral::Entity>(ctx)
        .filter(referral::Column::Id.eq(id))
        .filter(referral::Column::RemovedAt.is_null())
        .one(db)
        .await
}

/// Enabled rules of the program whose trigger is one of `triggers`, by id, whatever their
/// dates (the engine checks those when the trigger fires, so a cached list stays right).
pub async fn rules_firing<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    triggers: &[&str],
) -> Result<Vec<super::rules::RuleRow>> {
    scoped::<reward_rule::Entity>(ctx)
        .filter(reward_rule::Column::ProgramId.eq(program_id))
        .filter(reward_rule::Column::Enabled.eq(true))
        .filter(reward_rule::Column::Trigger.is_in(triggers.iter().copied()))
        .order_by_asc(reward_rule::Column::Id)
        .all(db)
        .await
}

/// The enabled rules of a program (simulation replays them).
pub async fn enabled_rules<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
) -> Result<Vec<super::rules::RuleRow>> {
    scoped::<reward_rule::Entity>(ctx)
        .filter(reward_rule::Column::ProgramId.eq(program_id))
        .filter(reward_rule::Column::Enabled.eq(true))
        .order_by_asc(reward_rule::Column::Id)
        .all(db)
        .await
}

/// The conditions of these rules, in one query (by rule, then id).
pub async fn conditions_of<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rule_ids: Vec<i64>,
) -> Result<Vec<super::rules::ConditionRow>> {
    if rule_ids.is_empty() {
        return Ok(vec![]);
    }
    scoped::<rule_condition::Entity>(ctx)
        .filter(rule_condition::Column::RuleId.is_in(rule_ids))
        .order_by_asc(rule_condition::Column::RuleId)
        .order_by_asc(rule_condition::Column::Id)
        .all(db)
        .await
}

/// Rewards of a rule (not cancelled) for one referral, or for one member.
pub async fn rule_reward_count<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rule_id: i64,
    referral_id: Option<i64>,
    member_id: Option<i64>,
) -> Result<u64> {
    let mut q = scoped::<reward::Entity>(ctx)
        .filter(reward::Column::RuleId.eq(rule_id))
        .filter(reward::Column::Status.ne("Cancelled"));
    if let Some(r) = referral_id {
        q = q.filter(reward::Column::ReferralId.eq(r));
    }
    if let Some(m) = member_id {
        q = q.filter(reward::Column::MemberId.eq(m));
    }
    q.count(db).await
}

/// The numeric id of the org's live payout method with this public id.
pub async fn payout_method<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<Option<i64>> {
    Ok(scoped::<payout::Entity>(ctx)
        .filter(payout::Column::PublicId.eq(public_id))
        .filter(payout::Column::RemovedAt.is_null())
        .one(db)
        .await?
        .map(|p| p.id))
}

/// A reward a rule earned.
#[derive(Debug, Clone)]
pub struct NewRuleReward {
    pub member_id: i64,
    pub referral_id: i64,
    pub program_id: Option<i64>,
    pub rule_id: i64,
    pub rule_version: i64,
    pub action_id: Option<i64>,
    pub recipient_type: String,
    pub source: String,
    pub trigger_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub held_reason: Option<String>,
    pub eligibility_date: Option<DateTime<Utc>>,
    pub payout_id: Option<i64>,
    pub description: String,
    pub explanation: String,
}

/// Inserts the rewards, in one statement, except those whose (rule, referral, trigger key)
/// already has one: `ON CONFLICT DO NOTHING` on ux_reward_rule_trigger, so concurrent or
/// retried triggers pay once. Answers the rows inserted (the columns of `InsertedReward`).
pub async fn insert_rule_rewards<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rewards: Vec<NewRuleReward>,
) -> Result<Vec<InsertedReward>> {
    if rewards.is_empty() {
        return Ok(vec![]);
    }
    let now = crate::domain::clock::now();
    let rows = rewards.into_iter().map(|r| reward::ActiveModel {
        public_id: Set(ids::new_ordered_id("rwd")),
        org_id: Set(ctx.org_id),
        member_id: Set(r.member_id),
        referral_id: Set(Some(r.referral_id)),
        amount_minor: Set(r.amount_minor),
        currency: Set(r.currency),
        status: Set(r.status),
        created_at: Set(now),
        program_id: Set(r.program_id),
        rule_id: Set(Some(r.rule_id)),
        rule_version: Set(Some(r.rule_version)),
        action_id: Set(r.action_id),
        payout_id: Set(r.payout_id),
        transaction_id: Set(None),
        recipient_type: Set(r.recipient_type),
        source: Set(r.source),
        trigger_key: Set(Some(r.trigger_key)),
        description: Set(Some(r.description)),
        held_reason: Set(r.held_reason),
        note: Set(None),
        explanation: Set(Some(r.explanation)),
        eligibility_date: Set(r.eligibility_date),
        issued_at: Set(None),
        updated_at: Set(Some(now)),
        removed_at: Set(None),
        ..Default::default()
    });
    let conflict = OnConflict::columns([
        reward::Column::ReferralId,
        reward::Column::RuleId,
        reward::Column::TriggerKey,
    ])
    .do_nothing()
    .to_owned();
    let mut insert = reward::Entity::insert_many(rows)
        .on_conflict(conflict)
        .into_query();
    insert.returning(Query::returning().columns([
        reward::Column::Id,
        reward::Column::PublicId,
        reward::Column::RuleId,
        reward::Column::AmountMinor,
        reward::Column::Currency,
        reward::Column::Status,
    ]));
    let statement = db.get_database_backend().build(&insert);
    Ok(InsertedReward::find_by_statement(statement).all(db).await?)
}

/// What the engine needs back from a rule reward's insert (its events and ids): the row's
/// other columns, the explanation above all, are what it sent, and reading them back cost
/// their transfer and decoding on every rewarded referral.
#[derive(Debug, Clone, FromQueryResult)]
pub struct InsertedReward {
    pub id: i64,
    pub public_id: String,
    pub rule_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
}

/// The org's reward with this public id (removed ones too: an explanation stays readable).
pub async fn find_reward<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: &str,
) -> Result<RewardRow> {
    scope::get::<reward::Entity>(ctx, db, public_id).await
}

/// Rewards created for these referrals (any status), oldest first.
pub async fn rewards_of_referrals<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    referral_ids: Vec<i64>,
) -> Result<Vec<RewardRow>> {
    if referral_ids.is_empty() {
        return Ok(vec![]);
    }
    scoped::<reward::Entity>(ctx)
        .filter(reward::Column::ReferralId.is_in(referral_ids))
        .filter(reward::Column::RemovedAt.is_null())
        .order_by_asc(reward::Column::Id)
        .all(db)
        .await
}

/// Rewards a purchase earned, oldest first.
pub async fn rewards_of_action<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    action_id: i64,
) -> Result<Vec<RewardRow>> {
    scoped::<reward::Entity>(ctx)
        .filter(reward::Column::ActionId.eq(action_id))
        .order_by_asc(reward::Column::Id)
        .all(db)
        .await
}

/// Who recorded the event of this type about this object (the first one), if any.
pub async fn event_actor<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    event_type: &str,
    object_id: &str,
) -> Result<Option<String>> {
    Ok(scoped::<entities::event::Entity>(ctx)
        .filter(entities::event::Column::EventType.eq(event_type))
        .filter(entities::event::Column::ObjectId.eq(object_id))
        .order_by_asc(entities::event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.actor))
}

/// A page of the program's live referrals created in `[from, to]`, oldest first.
pub async fn program_referrals<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    offset: u64,
    limit: u64,
) -> Result<super::Page<ReferralRow>> {
    scoped::<referral::Entity>(ctx)
        .filter(referral::Column::ProgramId.eq(program_id))
        .filter(referral::Column::RemovedAt.is_null())
        .filter(referral::Column::CreatedAt.gte(from))
        .filter(referral::Column::CreatedAt.lte(to))
        .order_by_asc(referral::Column::CreatedAt)
        .order_by_asc(referral::Column::Id)
        .page(db, offset, limit)
        .await
}

/// (id, member id, created at) of every live referral of these members.
pub async fn referral_stamps<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_ids: Vec<i64>,
) -> Result<Vec<(i64, i64, DateTime<Utc>)>> {
    if member_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(scoped::<referral::Entity>(ctx)
        .filter(referral::Column::MemberId.is_in(member_ids))
        .filter(referral::Column::RemovedAt.is_null())
        .into_select()
        .select_only()
        .column(referral::Column::Id)
        .column(referral::Column::MemberId)
        .column(referral::Column::CreatedAt)
        .into_tuple()
        .all(db)
        .await?)
}

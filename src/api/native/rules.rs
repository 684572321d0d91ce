//! Reward rules and conditions: `/api/v1/programs/{id}/rules`, `/api/v1/rules/{id}`,
//! `/api/v1/rules/{id}/conditions`, `/api/v1/conditions/{id}`, and a dry run of a rule.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::scripts::parse_facts;
use super::Pagination;
use crate::api::enums::{Comparison, ConditionGroup, Recipient, RewardKind, Trigger};
use crate::api::wire::{
    ConditionId, HoldDays, Line, PageLimit, PageNumber, ProgramId, RuleId, Timestamp,
};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rules::{
    self, ConditionView, EvaluateInput, Evaluation, OrderInput, RuleInput, RuleView,
};
use crate::error::AppError;
use crate::rules::model::ConditionInput;

pub struct RulesApi {
    pub state: State,
}

/// A number or a decimal string, as text (amounts keep their exact decimals).
fn decimal_text(field: &str, v: Option<serde_json::Value>) -> Result<Option<String>, AppError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(AppError::invalid(
            field,
            "must be a number or a decimal string",
        )),
    }
}

#[derive(Object)]
pub struct RuleBody {
    pub name: Line<100>,
    /// Default true.
    pub enabled: Option<bool>,
    /// `member` (the referrer, default) or `referral`.
    pub recipient: Option<Recipient>,
    /// `referral_created`, `referral_qualified`, `referral_approved` or `purchase`.
    pub trigger: Trigger,
    /// `fixed`, `percent` (of the purchase or referral amount) or `script`.
    pub reward_kind: RewardKind,
    /// The fixed amount (major units) or the percent, as a number or decimal string.
    pub amount: Option<serde_json::Value>,
    /// An `amount` script (`scr_…`) of this org; only with reward_kind `script`.
    pub amount_script_id: Option<Line<200>>,
    /// ISO 4217; defaults to the program's currency.
    pub currency: Option<Line<3>>,
    /// The payout method rewards are paid with.
    pub payout_id: Option<Line<200>>,
    /// Eligibility delay in days, 0–3650 (default 0).
    pub hold_days: Option<HoldDays>,
    /// At most this many rewards per referral under this rule.
    pub max_per_referral: Option<i64>,
    /// At most this many rewards per member under this rule.
    pub max_per_member: Option<i64>,
    pub start_date: Option<Timestamp>,
    /// Not before start_date.
    pub end_date: Option<Timestamp>,
}

impl RuleBody {
    fn into_input(self) -> Result<RuleInput, AppError> {
        Ok(RuleInput {
            amount: decimal_text("amount", self.amount)?,
            name: self.name.into(),
            enabled: self.enabled,
            recipient: self.recipient.map(|r| r.as_str().into()),
            trigger: Some(self.trigger.as_str().into()),
            reward_kind: Some(self.reward_kind.as_str().into()),
            amount_script_id: self.amount_script_id.map(Into::into),
            currency: self.currency.map(Into::into),
            payout_id: self.payout_id.map(Into::into),
            hold_days: self.hold_days.map(Into::into),
            max_per_referral: self.max_per_referral,
            max_per_member: self.max_per_member,
            start_date: self.start_date.map(Into::into),
            end_date: self.end_date.map(Into::into),
        })
    }
}

#[derive(Object)]
pub struct Rule {
    /// Public id, `rule_…`.
    pub id: String,
    pub program_id: String,
    pub name: String,
    pub enabled: bool,
    pub recipient: Recipient,
    pub trigger: Trigger,
    pub reward_kind: RewardKind,
    /// Decimal text: the fixed amount in major units, or the percent.
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: String,
    pub payout_id: Option<String>,
    pub hold_days: i64,
    pub max_per_referral: Option<i64>,
    pub max_per_member: Option<i64>,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    /// Grows on every change to the rule or its conditions.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<RuleView> for Rule {
    type Error = AppError;
    fn try_from(v: RuleView) -> Result<Self, AppError> {
        Ok(Rule {
            id: v.id,
            program_id: v.program_id,
            name: v.name,
            enabled: v.enabled,
            recipient: Recipient::from_stored(&v.recipient)?,
            trigger: Trigger::from_stored(&v.trigger)?,
            reward_kind: RewardKind::from_stored(&v.reward_kind)?,
            amount: v.amount,
            amount_script_id: v.amount_script_id,
            currency: v.currency,
            payout_id: v.payout_id,
            hold_days: v.hold_days,
            max_per_referral: v.max_per_referral,
            max_per_member: v.max_per_member,
            start_date: v.start_date.map(Into::into),
            end_date: v.end_date.map(Into::into),
            version: v.version,
            created_at: v.created_at.into(),
            updated_at: v.updated_at.into(),
        })
    }
}

#[derive(Object)]
pub struct RuleList {
    pub data: Vec<Rule>,
    pub pagination: Pagination,
}

/// A condition (seed 002's fields; ctype 5 runs a condition script).
#[derive(Object)]
pub struct ConditionBody {
    /// 0 none, 1 referral's sales volume, 2 services bought, 3 referrals brought, 4 total sales
    /// of all referrals, 5 a condition script.
    pub ctype: i64,
    /// ctype 1 and 4: months back that count (1–120), or `all` (default).
    pub orderperiods: Option<serde_json::Value>,
    /// gt, ge, lt, le, eq, ne (or >, >=, <, <=, =, !=); required for ctypes 1–4.
    pub comparison: Option<Comparison>,
    /// ctype 1: the sales volume to compare with (major units).
    pub amount_ctype_1: Option<serde_json::Value>,
    /// ctype 4: the total sales volume to compare with (major units).
    pub amount_ctype_4: Option<serde_json::Value>,
    /// ctype 2: the number of services.
    pub item_count: Option<i64>,
    /// ctype 3: the number of referrals.
    pub referral_count: Option<i64>,
    /// `none` (default: its own AND term) or `new` (in the group `groupname`).
    pub group: Option<ConditionGroup>,
    /// Conditions with the same group name are OR-ed; groups are AND-ed.
    pub groupname: Option<Line<100>>,
    /// ctype 5: a `condition` script (`scr_…`) of this org.
    pub script_id: Option<Line<200>>,
}

impl ConditionBody {
    fn into_input(self) -> Result<ConditionInput, AppError> {
        Ok(ConditionInput {
            ctype: Some(self.ctype.to_string()),
            orderperiods: decimal_text("orderperiods", self.orderperiods)?,
            comparison: self.comparison.map(|c| c.as_str().into()),
            amount_ctype_1: decimal_text("amount_ctype_1", self.amount_ctype_1)?,
            amount_ctype_4: decimal_text("amount_ctype_4", self.amount_ctype_4)?,
            item_count: self.item_count.map(|n| n.to_string()),
            referral_count: self.referral_count.map(|n| n.to_string()),
            group: self.group.map(|g| g.as_str().into()),
            groupname: self.groupname.map(Into::into),
            script_id: self.script_id.map(Into::into),
        })
    }
}

#[derive(Object)]
pub struct RuleCondition {
    /// Public id, `cond_…`.
    pub id: String,
    pub rule_id: String,
    pub ctype: i64,
    pub orderperiods: Option<String>,
    pub comparison: Option<Comparison>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<i64>,
    pub referral_count: Option<i64>,
    pub group: ConditionGroup,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

impl TryFrom<ConditionView> for RuleCondition {
    type Error = AppError;
    fn try_from(v: ConditionView) -> Result<Self, AppError> {
        Ok(RuleCondition {
            id: v.id,
            rule_id: v.rule_id,
            ctype: v.ctype,
            orderperiods: v.orderperiods,
            comparison: v
                .comparison
                .as_deref()
                .map(Comparison::from_stored)
                .transpose()?,
            amount_ctype_1: v.amount_ctype_1,
            amount_ctype_4: v.amount_ctype_4,
            item_count: v.item_count,
            referral_count: v.referral_count,
            group: ConditionGroup::from_stored(&v.group)?,
            groupname: v.groupname,
            script_id: v.script_id,
        })
    }
}

#[derive(Object)]
pub struct ConditionList {
    pub data: Vec<RuleCondition>,
}

#[derive(Object)]
pub struct OrderFact {
    /// Major units of the rule's currency, as a decimal string.
    pub amount: Line<40>,
    /// Services or items in the order (default 1).
    pub items: Option<i64>,
    pub at: Timestamp,
}

#[derive(Object, Default)]
pub struct EvaluateBody {
    /// The moment to evaluate at (default: now).
    pub now: Option<Timestamp>,
    /// Orders of the referral being rewarded.
    pub referral_orders: Option<Vec<OrderFact>>,
    /// Orders of all the referrer's referrals.
    pub all_referral_orders: Option<Vec<OrderFact>>,
    pub referrer_referral_count: Option<i64>,
    /// What scripts see: `{referral, referrer, program, event}` (money in minor units).
    pub facts: Option<serde_json::Value>,
}

#[derive(Object)]
pub struct RuleEvaluation {
    pub rule_id: String,
    pub rule_version: i64,
    pub enabled: bool,
    pub in_schedule: bool,
    /// Would the rule reward now: enabled, in schedule, conditions hold.
    pub rewards: bool,
    /// Each condition's observed value, threshold and result, and each group's result.
    pub decision: serde_json::Value,
    pub amount: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: String,
    pub amount_error: Option<String>,
}

impl From<Evaluation> for RuleEvaluation {
    fn from(e: Evaluation) -> Self {
        RuleEvaluation {
            rule_id: e.rule_id,
            rule_version: e.rule_version,
            enabled: e.enabled,
            in_schedule: e.in_schedule,
            rewards: e.rewards,
            decision: serde_json::to_value(&e.decision).unwrap_or_default(),
            amount: e.amount,
            amount_minor: e.amount_minor,
            currency: e.currency,
            amount_error: e.amount_error,
        }
    }
}

#[derive(ApiResponse)]
pub enum CreatedRule {
    /// The new rule, version 1.
    #[oai(status = 201)]
    Created(Json<Rule>),
}

#[derive(ApiResponse)]
pub enum CreatedCondition {
    /// The new condition; the rule's version grew.
    #[oai(status = 201)]
    Created(Json<RuleCondition>),
}

fn order_facts(list: Option<Vec<OrderFact>>) -> Vec<OrderInput> {
    list.unwrap_or_default()
        .into_iter()
        .map(|o| OrderInput {
            amount: o.amount.into(),
            items: o.items.unwrap_or(1),
            at: o.at.into(),
        })
        .collect()
}

#[OpenApi(tag = "ApiTags::Rules")]
impl RulesApi {
    /// Add a reward rule to a program
    #[oai(
        path = "/api/v1/programs/:id/rules",
        method = "post",
        operation_id = "createRule"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        id: Path<ProgramId>,
        body: Json<RuleBody>,
    ) -> Result<CreatedRule, ApiError> {
        let ctx = self.state.tenant(auth, "createRule").await?;
        let rule = rules::create(&ctx, &self.state.db, &id.0, body.0.into_input()?).await?;
        Ok(CreatedRule::Created(Json(rule.try_into()?)))
    }

    /// List a program's reward rules
    #[oai(
        path = "/api/v1/programs/:id/rules",
        method = "get",
        operation_id = "listRules"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        id: Path<ProgramId>,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<RuleList>, ApiError> {
        let ctx = self.state.tenant(auth, "listRules").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = rules::list(&ctx, &self.state.db, &id.0, req.offset(), req.limit).await?;
        Ok(Json(RuleList {
            data: rows
                .items
                .into_iter()
                .map(Rule::try_from)
                .collect::<Result<_, _>>()?,
            pagination: Pagination::new(req, rows.total),
        }))
    }

    /// Get a reward rule
    #[oai(path = "/api/v1/rules/:id", method = "get", operation_id = "getRule")]
    async fn get(&self, auth: ApiAuth, id: Path<RuleId>) -> Result<Json<Rule>, ApiError> {
        let ctx = self.state.tenant(auth, "getRule").await?;
        Ok(Json(
            rules::get(&ctx, &self.state.db, &id.0).await?.try_into()?,
        ))
    }

    /// Replace a reward rule's settings (its version grows)
    #[oai(
        path = "/api/v1/rules/:id",
        method = "put",
        operation_id = "updateRule"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        id: Path<RuleId>,
        body: Json<RuleBody>,
    ) -> Result<Json<Rule>, ApiError> {
        let ctx = self.state.tenant(auth, "updateRule").await?;
        Ok(Json(
            rules::update(&ctx, &self.state.db, &id.0, body.0.into_input()?)
                .await?
                .try_into()?,
        ))
    }

    /// Delete a reward rule and its conditions
    #[oai(
        path = "/api/v1/rules/:id",
        method = "delete",
        operation_id = "deleteRule"
    )]
    async fn delete(&self, auth: ApiAuth, id: Path<RuleId>) -> Result<Json<Rule>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteRule").await?;
        Ok(Json(
            rules::delete(&ctx, &self.state.db, &id.0)
                .await?
                .try_into()?,
        ))
    }

    /// Add a condition to a rule
    #[oai(
        path = "/api/v1/rules/:id/conditions",
        method = "post",
        operation_id = "createCondition"
    )]
    async fn add_condition(
        &self,
        auth: ApiAuth,
        id: Path<RuleId>,
        body: Json<ConditionBody>,
    ) -> Result<CreatedCondition, ApiError> {
        let ctx = self.state.tenant(auth, "createCondition").await?;
        let c = rules::add_condition(&ctx, &self.state.db, &id.0, body.0.into_input()?).await?;
        Ok(CreatedCondition::Created(Json(c.try_into()?)))
    }

    /// List a rule's conditions
    #[oai(
        path = "/api/v1/rules/:id/conditions",
        method = "get",
        operation_id = "listConditions"
    )]
    async fn conditions(
        &self,
        auth: ApiAuth,
        id: Path<RuleId>,
    ) -> Result<Json<ConditionList>, ApiError> {
        let ctx = self.state.tenant(auth, "listConditions").await?;
        let data = rules::conditions(&ctx, &self.state.db, &id.0)
            .await?
            .into_iter()
            .map(RuleCondition::try_from)
            .collect::<Result<_, _>>()?;
        Ok(Json(ConditionList { data }))
    }

    /// Replace a condition (the rule's version grows)
    #[oai(
        path = "/api/v1/conditions/:id",
        method = "put",
        operation_id = "updateCondition"
    )]
    async fn update_condition(
        &self,
        auth: ApiAuth,
        id: Path<ConditionId>,
        body: Json<ConditionBody>,
    ) -> Result<Json<RuleCondition>, ApiError> {
        let ctx = self.state.tenant(auth, "updateCondition").await?;
        Ok(Json(
            rules::update_condition(&ctx, &self.state.db, &id.0, body.0.into_input()?)
                .await?
                .try_into()?,
        ))
    }

    /// Delete a condition (the rule's version grows)
    #[oai(
        path = "/api/v1/conditions/:id",
        method = "delete",
        operation_id = "deleteCondition"
    )]
    async fn delete_condition(
        &self,
        auth: ApiAuth,
        id: Path<ConditionId>,
    ) -> Result<Json<RuleCondition>, ApiError> {
        let ctx = self.state.tenant(auth, "deleteCondition").await?;
        Ok(Json(
            rules::delete_condition(&ctx, &self.state.db, &id.0)
                .await?
                .try_into()?,
        ))
    }

    /// Dry-run a rule on given facts: the decision, its explanation and the amount (writes nothing)
    #[oai(
        path = "/api/v1/rules/:id/evaluate",
        method = "post",
        operation_id = "evaluateRule"
    )]
    async fn evaluate(
        &self,
        auth: ApiAuth,
        id: Path<RuleId>,
        body: Json<EvaluateBody>,
    ) -> Result<Json<RuleEvaluation>, ApiError> {
        let ctx = self.state.tenant(auth, "evaluateRule").await?;
        let b = body.0;
        let input = EvaluateInput {
            now: b.now.map(Into::into),
            referral_orders: order_facts(b.referral_orders),
            all_referral_orders: order_facts(b.all_referral_orders),
            referrer_referral_count: b.referrer_referral_count.unwrap_or(0),
            facts: parse_facts(b.facts)?,
        };
        Ok(Json(
            rules::evaluate(&ctx, &self.state.db, &self.state.scripts, &id.0, input)
                .await?
                .into(),
        ))
    }
}

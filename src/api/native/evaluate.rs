//! A dry run of a rule on given facts: `POST /api/v1/rules/{id}/evaluate` (writes nothing).
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::scripts::parse_facts;
use crate::api::wire::{Line, RuleId, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rules::{self, EvaluateInput, Evaluation, OrderInput};

pub struct EvaluateApi {
    pub state: State,
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
impl EvaluateApi {
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

//! Rewards on the native surface: `GET /api/v1/rewards/{id}/explain` ("why was this paid?")
//! and `POST /api/v1/programs/{id}/simulate` (rules replayed over past referrals).
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use crate::api::wire::{RewardId, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rewards::explain::{self, Explanation};

pub struct RewardsApi {
    pub state: State,
}

/// How a reward came to be.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum RewardOrigin {
    /// Created by a rule of its program.
    Rule,
    /// Created by hand.
    Manual,
}

#[derive(Object)]
pub struct ExplainedRule {
    pub id: String,
    pub name: String,
    /// The rule's version when it created the reward.
    pub version: i64,
}

#[derive(Object)]
pub struct ExplainedScriptFailure {
    pub script_id: String,
    /// `condition` or `amount`.
    pub role: String,
    pub error: String,
}

#[derive(Object)]
pub struct RewardExplanation {
    pub reward_id: String,
    pub kind: RewardOrigin,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
    /// Manual rewards: the API key (or `system`) that created it, when known.
    pub created_by: Option<String>,
    /// Rule rewards: the rule and its version at the time.
    pub rule: Option<ExplainedRule>,
    /// `referral_created`, `referral_qualified`, `referral_approved` or `purchase`.
    pub trigger: Option<String>,
    /// What makes the reward unique per rule and referral (`purchase:<n>` for purchases).
    pub trigger_key: Option<String>,
    /// The facts the rule decided on (counts, sums, what scripts saw).
    pub facts: Option<serde_json::Value>,
    /// Each condition's observed value, threshold and result, and each group's result.
    pub decision: Option<serde_json::Value>,
    /// How the amount was computed (fixed, percent of a base, or a script).
    pub amount: Option<serde_json::Value>,
    /// Scripts that failed while deciding (each counted as false).
    pub script_failures: Vec<ExplainedScriptFailure>,
}

impl From<Explanation> for RewardExplanation {
    fn from(e: Explanation) -> Self {
        RewardExplanation {
            reward_id: e.reward_id,
            kind: if e.kind == "rule" {
                RewardOrigin::Rule
            } else {
                RewardOrigin::Manual
            },
            amount_minor: e.amount_minor,
            currency: e.currency,
            status: e.status,
            description: e.description,
            created_at: e.created_at.into(),
            created_by: e.created_by,
            rule: e.rule.map(|r| ExplainedRule {
                id: r.id,
                name: r.name,
                version: r.version,
            }),
            trigger: e.trigger,
            trigger_key: e.trigger_key,
            facts: e.facts,
            decision: e.decision,
            amount: e.amount,
            script_failures: e
                .script_failures
                .into_iter()
                .map(|f| ExplainedScriptFailure {
                    script_id: f.script_id,
                    role: f.role,
                    error: f.error,
                })
                .collect(),
        }
    }
}

#[OpenApi(tag = "ApiTags::Rules")]
impl RewardsApi {
    /// Explain a reward: the rule, version, trigger, facts, decision and amount behind it
    #[oai(
        path = "/api/v1/rewards/:id/explain",
        method = "get",
        operation_id = "explainReward"
    )]
    async fn explain(
        &self,
        auth: ApiAuth,
        id: Path<RewardId>,
    ) -> Result<Json<RewardExplanation>, ApiError> {
        let ctx = self.state.tenant(auth, "explainReward").await?;
        Ok(Json(
            explain::explain(&ctx, &self.state.db, &id.0).await?.into(),
        ))
    }
}

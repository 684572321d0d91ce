//! Rewards on the native surface: `GET /api/v1/rewards/{id}/explain` ("why was this paid?")
//! and `POST /api/v1/programs/{id}/simulate` (rules replayed over past referrals).
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::conditions::ConditionBody;
use super::rules::RuleBody;
use crate::api::wire::{Offset, ProgramId, RewardId, SimulateLimit, Text, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rewards::explain::{self, Explanation};
use crate::domain::rewards::simulate::{
    self, CandidateCondition, CandidateRule, SimAward, SimReferral, SimRuleTotal, SimulateInput,
    Simulation,
};
use crate::error::AppError;

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

/// A candidate condition: the native condition fields; a ctype 5 condition may give its
/// script inline as `source` instead of `script_id`.
#[derive(Object)]
pub struct SimulatedCondition {
    #[oai(flatten)]
    pub condition: ConditionBody,
    /// ctype 5: Rhai source of a condition script (instead of `script_id`).
    pub source: Option<Text<65536>>,
}

/// A candidate rule in the native rule-create shape, with its conditions.
#[derive(Object)]
pub struct SimulatedRule {
    #[oai(flatten)]
    pub rule: RuleBody,
    pub conditions: Option<Vec<SimulatedCondition>>,
    /// Rhai source of an amount script (instead of `amount_script_id`; the rule then pays what
    /// it returns, in minor units).
    pub amount_source: Option<Text<65536>>,
}

#[derive(Object)]
pub struct SimulateBody {
    /// Replays referrals created at or after this time.
    pub date_from: Timestamp,
    /// … and at or before this time.
    pub date_to: Timestamp,
    /// Candidate rules to replay instead of the program's enabled rules (at most 20).
    pub rules: Option<Vec<SimulatedRule>>,
    /// Referrals of the window to skip (oldest first).
    pub offset: Option<Offset>,
    /// Referrals to replay, 1–200 (default 50).
    pub limit: Option<SimulateLimit>,
}

#[derive(Object)]
pub struct SimulatedAward {
    /// The rule (`rule_…`), or `candidate_<n>` for the n-th candidate.
    pub rule_id: String,
    pub trigger: String,
    pub trigger_key: String,
    pub at: Timestamp,
    pub amount_minor: i64,
    pub amount: String,
    pub currency: String,
}

#[derive(Object)]
pub struct SimulatedReferral {
    pub referral_id: String,
    pub member_id: String,
    pub status: String,
    pub created_at: Timestamp,
    /// What the rules would have awarded, in time order.
    pub awards: Vec<SimulatedAward>,
    pub simulated_minor: i64,
    /// What its rewards in the table (not cancelled) add up to.
    pub actual_minor: i64,
}

#[derive(Object)]
pub struct SimulatedRuleTotal {
    pub rule_id: String,
    pub name: String,
    pub count: u64,
    pub total_minor: i64,
    pub total: String,
    pub currency: String,
}

#[derive(Object)]
pub struct SimulationResult {
    pub program_id: String,
    /// The program's currency; the totals are in it.
    pub currency: String,
    pub offset: u64,
    pub limit: u64,
    /// Referrals created in the window (all pages).
    pub total_referrals: u64,
    pub referrals: Vec<SimulatedReferral>,
    pub rules: Vec<SimulatedRuleTotal>,
    pub total_minor: i64,
    pub total: String,
    /// What was actually awarded to this page's referrals.
    pub actual_minor: i64,
    pub actual: String,
    /// Simulated minus actual.
    pub difference_minor: i64,
    pub difference: String,
}

fn award(a: SimAward) -> SimulatedAward {
    SimulatedAward {
        rule_id: a.rule_id,
        trigger: a.trigger,
        trigger_key: a.trigger_key,
        at: a.at.into(),
        amount_minor: a.amount_minor,
        amount: a.amount,
        currency: a.currency,
    }
}

fn referral(r: SimReferral) -> SimulatedReferral {
    SimulatedReferral {
        referral_id: r.referral_id,
        member_id: r.member_id,
        status: r.status,
        created_at: r.created_at.into(),
        awards: r.awards.into_iter().map(award).collect(),
        simulated_minor: r.simulated_minor,
        actual_minor: r.actual_minor,
    }
}

fn rule_total(t: SimRuleTotal) -> SimulatedRuleTotal {
    SimulatedRuleTotal {
        rule_id: t.rule_id,
        name: t.name,
        count: t.count,
        total_minor: t.total_minor,
        total: t.total,
        currency: t.currency,
    }
}

impl From<Simulation> for SimulationResult {
    fn from(s: Simulation) -> Self {
        SimulationResult {
            program_id: s.program_id,
            currency: s.currency,
            offset: s.offset,
            limit: s.limit,
            total_referrals: s.total_referrals,
            referrals: s.referrals.into_iter().map(referral).collect(),
            rules: s.rules.into_iter().map(rule_total).collect(),
            total_minor: s.total_minor,
            total: s.total,
            actual_minor: s.actual_minor,
            actual: s.actual,
            difference_minor: s.difference_minor,
            difference: s.difference,
        }
    }
}

fn candidate(r: SimulatedRule) -> Result<CandidateRule, AppError> {
    Ok(CandidateRule {
        rule: r.rule.into_input()?,
        conditions: r
            .conditions
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                Ok(CandidateCondition {
                    input: c.condition.into_input()?,
                    source: c.source.map(Into::into),
                })
            })
            .collect::<Result<_, AppError>>()?,
        amount_source: r.amount_source.map(Into::into),
    })
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

    /// Simulate rules over past referrals: what they would have awarded (writes nothing)
    ///
    /// Replays the program's referrals created in the window (one page, oldest first) and their
    /// status changes and purchases in time order, deciding each rule on the facts as they were
    /// then: the program's enabled rules, or the candidate `rules` in their place. Answers per
    /// referral and rule what would have been awarded, totals, and the difference from what
    /// was awarded. Caps count this simulation's awards only; denied referrals are skipped.
    #[oai(
        path = "/api/v1/programs/:id/simulate",
        method = "post",
        operation_id = "simulateProgram"
    )]
    async fn simulate(
        &self,
        auth: ApiAuth,
        id: Path<ProgramId>,
        body: Json<SimulateBody>,
    ) -> Result<Json<SimulationResult>, ApiError> {
        let ctx = self.state.tenant(auth, "simulateProgram").await?;
        let b = body.0;
        let input = SimulateInput {
            date_from: b.date_from.into(),
            date_to: b.date_to.into(),
            rules: b
                .rules
                .map(|list| list.into_iter().map(candidate).collect::<Result<_, _>>())
                .transpose()?,
            offset: b.offset.map_or(0, |o| i64::from(o) as u64),
            limit: b.limit.map_or(50, |l| i64::from(l) as u64),
        };
        Ok(Json(
            simulate::simulate(&ctx, &self.state.db, &self.state.scripts, &id.0, input)
                .await?
                .into(),
        ))
    }
}

//! Reward rules: `/api/v1/programs/{id}/rules` and `/api/v1/rules/{id}`. Their conditions are in
//! `conditions`, the dry run in `evaluate`.
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Pagination;
use crate::api::enums::{Recipient, RewardKind, Trigger};
use crate::api::wire::{HoldDays, Line, PageLimit, PageNumber, ProgramId, RuleId, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rules::{self, RuleInput, RuleView};
use crate::error::AppError;

pub struct RulesApi {
    pub state: State,
}

/// A number or a decimal string, as text (amounts keep their exact decimals).
pub(super) fn decimal_text(
    field: &str,
    v: Option<serde_json::Value>,
) -> Result<Option<String>, AppError> {
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
    pub(super) fn into_input(self) -> Result<RuleInput, AppError> {
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

#[derive(ApiResponse)]
pub enum CreatedRule {
    /// The new rule, version 1.
    #[oai(status = 201)]
    Created(Json<Rule>),
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
}

//! A rule's conditions: `/api/v1/rules/{id}/conditions` and `/api/v1/conditions/{id}`.
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::rules::decimal_text;
use crate::api::enums::{Comparison, ConditionGroup};
use crate::api::wire::{ConditionId, Line, RuleId};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::rules::{self, ConditionView};
use crate::error::AppError;
use crate::rules::model::ConditionInput;

pub struct ConditionsApi {
    pub state: State,
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
    pub groupname: Option<Line<64>>,
    /// ctype 5: a `condition` script (`scr_…`) of this org.
    pub script_id: Option<Line<200>>,
}

impl ConditionBody {
    pub(super) fn into_input(self) -> Result<ConditionInput, AppError> {
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

#[derive(ApiResponse)]
pub enum CreatedCondition {
    /// The new condition; the rule's version grew.
    #[oai(status = 201)]
    Created(Json<RuleCondition>),
}

#[OpenApi(tag = "ApiTags::Rules")]
impl ConditionsApi {
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
}

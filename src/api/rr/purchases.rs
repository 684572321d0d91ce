//! `POST /api/referralaction` (003 §4): records a purchase of a referral and applies the
//! program's purchase rules. 003 documents no response body; ours is described below.
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::RrError;
use crate::api::wire::{IdText, Line, Timestamp};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::rewards::purchases::{self, PurchaseInput, PurchaseView, RewardBrief};
use crate::error::AppError;

pub struct RrPurchasesApi {
    pub state: State,
}

/// 003 `ReferralAction`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralActionBody {
    /// The purchase amount in the referral's program currency: a number or a decimal string
    /// (at most the currency's decimals, not negative). The basis of percent rewards.
    pub amount: serde_json::Value,
    /// The referral: its id (`ref_…`), email address or external identifier.
    pub referral_query: IdText,
    /// Program id, name or title: narrows the referral lookup.
    pub program_query: Option<IdText>,
    /// The action's name.
    pub name: Option<Line<200>>,
    /// Dedupes: a second action with the same identifier records nothing and answers the first.
    pub external_identifier: Option<Line<200>>,
}

/// The recorded purchase.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralAction {
    /// `act_…`.
    pub id: String,
    pub referral_id: String,
    pub program_id: Option<String>,
    /// In the program's currency.
    pub amount: f64,
    /// The amount as an exact decimal string.
    pub amount_formatted: String,
    pub currency: String,
    pub name: Option<String>,
    pub external_identifier: Option<String>,
    pub create_date: Timestamp,
}

/// A reward's state.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RrActionRewardStatus {
    Pending,
    Processing,
    Issued,
    Held,
    Cancelled,
}

/// A reward the purchase earned.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrActionReward {
    /// `rwd_…`.
    pub id: String,
    pub amount: f64,
    pub currency: String,
    pub status: RrActionRewardStatus,
    /// The rule that created it.
    pub rule_id: Option<String>,
}

/// Ours (003 documents no response body).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralActionResult {
    /// `Referral Action Added`, or `Referral Action Already Recorded` for a replayed
    /// externalIdentifier (then nothing new was recorded).
    pub message: String,
    pub referral_action: RrReferralAction,
    /// Rewards the purchase earned (for a replay: those it earned the first time).
    pub rewards: Vec<RrActionReward>,
}

fn number(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

fn status(s: &str) -> Result<RrActionRewardStatus, AppError> {
    Ok(match s {
        "Pending" => RrActionRewardStatus::Pending,
        "Processing" => RrActionRewardStatus::Processing,
        "Issued" => RrActionRewardStatus::Issued,
        "Held" => RrActionRewardStatus::Held,
        "Cancelled" => RrActionRewardStatus::Cancelled,
        other => return Err(AppError::Internal(format!("reward status `{other}`"))),
    })
}

fn reward(r: RewardBrief) -> Result<RrActionReward, AppError> {
    Ok(RrActionReward {
        amount: number(&r.amount),
        status: status(&r.status)?,
        id: r.id,
        currency: r.currency,
        rule_id: r.rule_id,
    })
}

fn result(v: PurchaseView) -> Result<RrReferralActionResult, AppError> {
    Ok(RrReferralActionResult {
        message: if v.created {
            "Referral Action Added"
        } else {
            "Referral Action Already Recorded"
        }
        .into(),
        referral_action: RrReferralAction {
            amount: number(&v.amount),
            id: v.id,
            referral_id: v.referral_id,
            program_id: v.program_id,
            amount_formatted: v.amount,
            currency: v.currency,
            name: v.name,
            external_identifier: v.external_identifier,
            create_date: v.created_at.into(),
        },
        rewards: v
            .rewards
            .into_iter()
            .map(reward)
            .collect::<Result<_, _>>()?,
    })
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrPurchasesApi {
    /// Record a referral action (a purchase) for processing recurring rewards
    ///
    /// Applies the program's enabled `purchase` rules in the same transaction. A repeated
    /// `externalIdentifier` records nothing and answers the action recorded first. The 003
    /// contract documents no response body; the one here is Vouch's.
    #[oai(
        path = "/api/referralaction",
        method = "post",
        operation_id = "rrCreateReferralAction"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        body: Json<RrReferralActionBody>,
    ) -> Result<Json<RrReferralActionResult>, RrError> {
        let ctx = self.state.tenant(auth, "rrCreateReferralAction").await?;
        let b = body.0;
        let amount = match b.amount {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => {
                return Err(AppError::missing("amount", "is required").into())
            }
            _ => {
                return Err(
                    AppError::invalid("amount", "must be a number or a decimal string").into(),
                )
            }
        };
        let input = PurchaseInput {
            amount,
            referral_query: b.referral_query.into(),
            program_query: b.program_query.map(Into::into),
            name: b.name.map(Into::into),
            external_identifier: b.external_identifier.map(Into::into),
        };
        let view = purchases::record(&ctx, &self.state.db, &self.state.scripts, input).await?;
        Ok(Json(result(view)?))
    }
}

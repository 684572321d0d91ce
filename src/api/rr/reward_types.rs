//! The 003 reward shapes: the Reward as answered (§8.3 order), the bodies of the bulk calls and
//! their per-item results, the issue call, and reward rules (§5).
use poem_openapi::{Object, Union};

use super::member_types::{amount, RrMemberQuery, RrResultInfo};
use super::referral_query::RrReferralQuery;
use crate::api::enums::{
    AmountCalculationMethod, ItemStatus, RewardRecipientType, RewardStatus, RuleReferralStatus,
    Trigger,
};
use crate::api::wire::{IdText, Line, Text, Timestamp};
use crate::domain::rewards::ledger::{RewardItem, RewardView};
use crate::error::AppError;

/// A reward (003 §8.3, in its order, then the fields MindCloud adds).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReward {
    /// `rwd_…`.
    pub id: String,
    /// The payout method (`pay_…`), or null for a reward without one.
    pub payout_id: Option<String>,
    pub payout_description: Option<String>,
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    /// The referring member (also for rewards whose recipient is the referral).
    pub member_id: Option<String>,
    pub referral_id: Option<String>,
    /// Member or Referral: who receives it.
    #[oai(rename = "type")]
    pub reward_type: RewardRecipientType,
    /// The member's or the referral's id, by `type`.
    pub recipient_id: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_email_address: Option<String>,
    pub recipient_external_identifier: Option<String>,
    /// Always null: rewards carry no external identifier of their own.
    pub external_identifier: Option<String>,
    pub status: RewardStatus,
    /// Decimal, in `currencyCode`.
    pub amount: f64,
    /// When it was earned.
    pub create_date: Timestamp,
    /// When it was issued (paid); null until then.
    pub issue_date: Option<Timestamp>,
    /// Not payable before this date (null: at once).
    pub eligibility_date: Option<Timestamp>,
    pub description: Option<String>,
    /// The payout transaction (`ptx_…`) that paid it; null unless paid by a transaction.
    #[oai(rename = "transactionID")]
    pub transaction_id: Option<String>,
    pub update_date: Option<Timestamp>,
    pub currency_code: String,
    /// The rule (`rule_…`) that made it; null for manual rewards.
    pub program_reward_rule_id: Option<String>,
    /// Manual, Status Based or Referral Action.
    pub source: String,
    /// Why it is held, when it is.
    pub reason: Option<String>,
}

pub fn rr_reward(v: RewardView) -> Result<RrReward, AppError> {
    Ok(RrReward {
        id: v.id,
        payout_id: v.payout_id,
        payout_description: v.payout_description,
        program_id: v.program_id,
        program_name: v.program_name,
        member_id: v.member_id,
        referral_id: v.referral_id,
        reward_type: RewardRecipientType::from_stored(&v.recipient_type)?,
        recipient_id: v.recipient_id,
        recipient_name: v.recipient_name,
        recipient_email_address: v.recipient_email,
        recipient_external_identifier: v.recipient_external_id,
        external_identifier: None,
        status: RewardStatus::from_stored(&v.status)?,
        amount: amount(v.amount_minor, &v.currency),
        create_date: v.created_at.into(),
        issue_date: v.issued_at.map(Into::into),
        eligibility_date: v.eligibility_date.map(Into::into),
        description: v.description,
        transaction_id: v.transaction_id,
        update_date: v.updated_at.map(Into::into),
        currency_code: v.currency,
        program_reward_rule_id: v.rule_id,
        source: v.source,
        reason: v.reason,
    })
}

#[derive(Object)]
pub struct RrRewardList {
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
    pub rewards: Vec<RrReward>,
}

/// NewReward: what to pay. `amount` is required here (a manual reward has no rule to compute
/// it); `payoutId` may be omitted (the reward then has no payout method until updated).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrNewRewardFields {
    pub payout_id: Option<IdText>,
    /// Decimal major units, more than 0, with no more decimals than the currency has.
    pub amount: Option<f64>,
    /// Not payable before this date-time (RFC 3339).
    pub eligibility_date: Option<Timestamp>,
    pub description: Option<Text<2000>>,
}

/// NewRewardInfo: exactly one of `memberQuery` and `referralQuery`, and `newReward`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrNewRewardItem {
    pub member_query: Option<RrMemberQuery>,
    /// The referral (customer) to reward: the reward's recipient is the referral.
    pub referral_query: Option<RrReferralQuery>,
    pub new_reward: RrNewRewardFields,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrNewRewardResult {
    pub member_query: Option<RrMemberQuery>,
    pub referral_query: Option<RrReferralQuery>,
    pub result_info: RrResultInfo,
    /// The reward made; null when the item failed.
    pub reward: Option<RrReward>,
}

/// UpdateReward: `rewardId` and the fields to change (absent ones stay).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRewardUpdateItem {
    pub reward_id: IdText,
    /// Required by 003; accepted missing here (the payout method stays).
    pub payout_id: Option<IdText>,
    pub amount: Option<f64>,
    pub eligibility_date: Option<Timestamp>,
    pub description: Option<Text<2000>>,
}

/// One item of `rewards/update` (MindCloud's shape; RewardConfirmation's `message` is
/// `resultInfo.message`).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRewardResult {
    pub result_info: RrResultInfo,
    /// The reward after the change; null when no reward matched.
    pub reward: Option<RrReward>,
}

pub fn result_info(
    status: crate::domain::members::ItemStatus,
    message: String,
) -> Result<RrResultInfo, AppError> {
    Ok(RrResultInfo {
        status: ItemStatus::from_stored(status.as_str())?,
        message,
    })
}

pub fn rr_result(item: RewardItem) -> Result<RrRewardResult, AppError> {
    Ok(RrRewardResult {
        result_info: result_info(item.status, item.message)?,
        reward: item.reward.map(rr_reward).transpose()?,
    })
}

/// `{"rewardIds": [...]}`, MindCloud's form of the remove body.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRewardIds {
    pub reward_ids: Vec<IdText>,
}

/// The remove body: a bare array of reward ids, or `{rewardIds: [...]}`.
#[derive(Union)]
#[oai(one_of)]
pub enum RrRemoveRewardsBody {
    Ids(Vec<IdText>),
    Object(RrRewardIds),
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRemoveRewardResult {
    pub reward_id: String,
    pub result_info: RrResultInfo,
}

/// IssueRewardInfo.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrIssueRewardBody {
    pub reward_id: IdText,
    /// Deprecated in 003; accepted and ignored.
    pub recipient_info: Option<Line<200>>,
    /// A note kept with the reward.
    pub note: Option<Text<2000>>,
}

/// IssueRewardResult: the reward as it is after the attempt, and the outcome (a refusal is
/// `resultInfo.status` Failed with the reason, the call still answers 200).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrIssueRewardResult {
    pub reward: RrReward,
    pub result_info: RrResultInfo,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRuleReward {
    pub amount_calculation_method: AmountCalculationMethod,
    /// The fixed amount (decimal), for Fixed rules.
    pub fixed_amount: Option<f64>,
    /// The percent, for Percent rules.
    pub starting_percent_amount: Option<f64>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRuleTrigger {
    /// The referral status that fires the rule; null for purchase rules.
    pub referral_status: Option<RuleReferralStatus>,
    /// The native trigger.
    pub event: Trigger,
}

/// A reward rule (003 §5), built from the native rule.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrRewardRule {
    /// `rule_…`.
    pub rule_id: String,
    pub is_enabled: bool,
    /// The rule's name.
    pub description: String,
    pub rule_start_date: Option<Timestamp>,
    pub rule_end_date: Option<Timestamp>,
    pub program_id: String,
    /// The rule's payout method id as configured (null when none).
    pub payout_id: Option<String>,
    /// Null unless `payoutId` names a live payout method of the org.
    pub payout_type: Option<String>,
    pub payout_description: Option<String>,
    /// Always null: Vouch does not deliver rewards itself; they are paid through payout
    /// transactions.
    pub delivery_type: Option<String>,
    /// Days a reward is held before it is eligible.
    pub delivery_delay: i64,
    pub reward: RrRuleReward,
    pub trigger: RrRuleTrigger,
}

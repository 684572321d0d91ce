//! The 003 payout shapes: payout methods, PayoutPending (§8.5, its capitals kept),
//! PayoutTransaction (§8.4) and their sets.
use poem_openapi::Object;

use super::member_types::amount;
use super::member_types::RrResultInfo;
use crate::api::enums::RewardRecipientType;
use crate::api::native::payouts::PayoutProgramRef;
use crate::api::wire::{IdText, Text, Timestamp};
use crate::domain::payouts::{PayoutView, PendingGroup, TransactionView};
use crate::error::AppError;

/// A payout method (003 payout type).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrPayout {
    /// `pay_…`.
    pub id: String,
    pub description: String,
    pub payout_type: String,
    /// Programs whose rules pay with this method.
    pub payout_programs: Vec<PayoutProgramRef>,
}

pub fn rr_payout(v: PayoutView) -> RrPayout {
    RrPayout {
        id: v.id,
        description: v.description,
        payout_type: v.payout_type,
        payout_programs: v
            .programs
            .into_iter()
            .map(|(program_id, program_name)| PayoutProgramRef {
                program_id,
                program_name,
            })
            .collect(),
    }
}

/// The payout methods (the 003 list envelope).
#[derive(Object)]
pub struct RrPayoutList {
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
    pub payouts: Vec<RrPayout>,
}

/// What one recipient is owed with one payout method in one currency (003 §8.5).
#[derive(Object)]
pub struct RrPayoutPending {
    #[oai(rename = "payoutId")]
    pub payout_id: Option<String>,
    /// The payout method's description.
    #[oai(rename = "Description")]
    pub description: Option<String>,
    #[oai(rename = "rewardCount")]
    pub reward_count: i64,
    /// Decimal, in `currencyCode`.
    pub amount: f64,
    /// The rewards' ids, comma-separated.
    #[oai(rename = "rewardsList")]
    pub rewards_list: String,
    /// Null when the rewards span programs.
    #[oai(rename = "programId")]
    pub program_id: Option<String>,
    #[oai(rename = "programName")]
    pub program_name: Option<String>,
    #[oai(rename = "memberId")]
    pub member_id: Option<String>,
    #[oai(rename = "memberName")]
    pub member_name: Option<String>,
    #[oai(rename = "recipientId")]
    pub recipient_id: Option<String>,
    #[oai(rename = "RecipientName")]
    pub recipient_name: Option<String>,
    #[oai(rename = "RecipientType")]
    pub recipient_type: RewardRecipientType,
    #[oai(rename = "currencyCode")]
    pub currency_code: String,
}

pub fn rr_pending(g: PendingGroup) -> Result<RrPayoutPending, AppError> {
    Ok(RrPayoutPending {
        payout_id: g.payout_id,
        description: g.payout_description,
        reward_count: g.reward_count,
        amount: amount(g.amount_minor, &g.currency),
        rewards_list: g.reward_ids.join(","),
        program_id: g.program_id,
        program_name: g.program_name,
        member_id: g.member_id,
        member_name: g.member_name,
        recipient_id: g.recipient_id,
        recipient_name: g.recipient_name,
        recipient_type: RewardRecipientType::from_stored(&g.recipient_type)?,
        currency_code: g.currency,
    })
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrPayoutPendingSet {
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
    pub payouts_pending: Vec<RrPayoutPending>,
}

/// A payout transaction (003 §8.4).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrPayoutTransaction {
    /// `ptx_…`.
    pub id: String,
    /// Always `Payout`.
    pub transaction_type: String,
    /// Decimal, in `currencyCode`.
    pub amount: f64,
    pub create_date: Timestamp,
    pub recipient_id: Option<String>,
    /// The payout method's type (e.g. PayPal).
    pub transaction_destination: Option<String>,
    /// Always `Completed`: Vouch records payments made outside it.
    pub status: String,
    pub currency_code: String,
    /// Always null (no payment vendor is called).
    pub vendor_error_status: Option<String>,
    /// Always null (no payment vendor is called).
    pub vendor_error_message: Option<String>,
    /// Always null.
    pub external_identifier: Option<String>,
    /// The payout method (`pay_…`).
    pub payout_id: Option<String>,
    pub reward_count: i64,
}

pub fn rr_transaction(t: TransactionView) -> RrPayoutTransaction {
    RrPayoutTransaction {
        id: t.id,
        transaction_type: "Payout".into(),
        amount: amount(t.amount_minor, &t.currency),
        create_date: t.created_at.into(),
        recipient_id: t.recipient_id,
        transaction_destination: t.payout_type,
        status: t.status,
        currency_code: t.currency,
        vendor_error_status: None,
        vendor_error_message: None,
        external_identifier: None,
        payout_id: t.payout_id,
        reward_count: t.reward_count,
    }
}

/// PayoutTransactionSet. `balance` is always null: Vouch holds no funds, so it has no balance
/// to report.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrPayoutTransactionSet {
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
    pub balance: Option<f64>,
    pub payout_transactions: Vec<RrPayoutTransaction>,
}

/// IssuePayoutTransaction.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrIssuePayoutBody {
    /// The payout method (`pay_…`): all its eligible pending rewards are paid.
    pub payout_id: IdText,
    /// Pay only this recipient (`mem_…` or `ref_…`).
    pub recipient_id: Option<IdText>,
    /// Deprecated: a member id, as recipientId.
    pub member_id: Option<IdText>,
    /// A note kept with each transaction.
    pub note: Option<Text<2000>>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrIssuePayoutResult {
    pub payout_transaction: RrPayoutTransaction,
    pub result_info: RrResultInfo,
}

/// The payout transactions made (one per recipient and currency); empty with a message when
/// nothing was owed.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrIssuePayoutSet {
    pub issue_payout_transaction_results: Vec<RrIssuePayoutResult>,
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
}

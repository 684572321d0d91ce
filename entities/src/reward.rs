//! A reward owed to a member or a referral: its amount, why (rule, version, explanation), and
//! how it is paid (payout method, transaction).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Default)]
#[sea_orm(table_name = "reward")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    /// The referring member (also for rewards whose recipient is the referral).
    pub member_id: i64,
    pub referral_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    /// Pending, Processing, Issued, Held or Cancelled.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub program_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub rule_version: Option<i64>,
    /// The purchase that triggered it, for purchase rules.
    pub action_id: Option<i64>,
    pub payout_id: Option<i64>,
    pub transaction_id: Option<i64>,
    /// Member or Referral.
    pub recipient_type: String,
    /// Status Based, Referral Action or Manual.
    pub source: String,
    /// The triggering event, unique per (rule, referral): `referral_created`, `purchase:<id>`, …
    pub trigger_key: Option<String>,
    pub description: Option<String>,
    pub held_reason: Option<String>,
    pub note: Option<String>,
    /// JSON: the facts and the decision that created it.
    #[sea_orm(column_type = "Text", nullable)]
    pub explanation: Option<String>,
    pub eligibility_date: Option<DateTimeUtc>,
    pub issued_at: Option<DateTimeUtc>,
    pub updated_at: Option<DateTimeUtc>,
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

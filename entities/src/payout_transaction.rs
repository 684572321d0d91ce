//! A payout transaction: the pending rewards of one recipient and payout method, paid at once.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Default)]
#[sea_orm(table_name = "payout_transaction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub payout_id: i64,
    /// Member or Referral.
    pub recipient_type: String,
    pub member_id: i64,
    pub referral_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub reward_count: i64,
    pub status: String,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

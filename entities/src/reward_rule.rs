//! A reward rule of a program: who is rewarded, when, how much; `version` grows on every change.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reward_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub program_id: i64,
    pub name: String,
    pub enabled: bool,
    pub recipient: String,
    pub trigger: String,
    pub reward_kind: String,
    /// Decimal text: the fixed amount in major units, or the percent.
    pub amount: Option<String>,
    pub amount_script_id: Option<i64>,
    pub currency: String,
    pub payout_id: Option<String>,
    pub hold_days: i32,
    pub max_per_referral: Option<i32>,
    pub max_per_member: Option<i32>,
    pub start_date: Option<DateTimeUtc>,
    pub end_date: Option<DateTimeUtc>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

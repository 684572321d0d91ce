//! A referral program (seed 002 fields plus 003's offers and ours: currency, embed origins).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub name: String,
    pub title: String,
    pub program_type: String,
    pub project: String,
    pub promocode: String,
    pub url: Option<String>,
    pub start_date: Option<DateTimeUtc>,
    pub end_date: Option<DateTimeUtc>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub member_offer: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub referral_offer: Option<String>,
    pub is_active: bool,
    pub currency: String,
    /// JSON array of allowed embed origins for the partner pages.
    #[sea_orm(column_type = "Text")]
    pub embed_origins: String,
    pub created_at: DateTimeUtc,
    /// Referrals from one IP within 72 hours past this many are held for review.
    pub velocity_limit: i32,
    /// A script of kind fraud that answers allow, hold or deny for each new referral.
    pub fraud_script_id: Option<i64>,
    pub updated_at: DateTimeUtc,
    /// The org's employee program (at most one per org): employees' referrals belong to it.
    pub for_employees: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

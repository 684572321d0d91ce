//! A purchase (003 "referral action") of a referral; `external_identifier` dedupes per org.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Default)]
#[sea_orm(table_name = "referral_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub referral_id: i64,
    pub member_id: i64,
    pub program_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub items: i64,
    pub name: Option<String>,
    pub external_identifier: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A condition of a reward rule (002's fields; `group_name` set means "in that group").
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rule_condition")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub rule_id: i64,
    pub ctype: i32,
    pub orderperiods: Option<i32>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<i64>,
    pub referral_count: Option<i64>,
    pub group_name: Option<String>,
    pub script_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

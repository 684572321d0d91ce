//! A member: a person who refers (partner, customer, employee), optionally in a program.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Default)]
#[sea_orm(table_name = "member")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub external_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub phone: Option<String>,
    pub date_of_birth: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub country_subdivision: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub custom_override_url: Option<String>,
    pub payout_info: Option<String>,
    pub custom_option1_name: Option<String>,
    pub custom_option1_value: Option<String>,
    pub custom_text1_name: Option<String>,
    pub custom_text1_value: Option<String>,
    pub custom_text2_name: Option<String>,
    pub custom_text2_value: Option<String>,
    pub program_id: Option<i64>,
    pub disabled: bool,
    pub removed_at: Option<DateTimeUtc>,
    pub email_shares: i64,
    pub social_shares: i64,
    pub views: i64,
    /// Set for employees (seeds 000/001), unique per org; the fields below are theirs.
    pub staff_id: Option<String>,
    pub title: Option<String>,
    pub middle_name: Option<String>,
    pub branch: Option<String>,
    pub employee_role: Option<String>,
    pub note: Option<String>,
    pub is_account_officer: Option<bool>,
    /// `Some(false)`: the employee may not be credited with referrals.
    pub can_refer_customer: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A referral: a customer attributed to the member whose code they used, in a program.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Default)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub member_id: i64,
    pub referral_code_id: Option<i64>,
    /// pending, qualified, approved or denied (lower case).
    pub status: String,
    pub created_at: DateTimeUtc,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// The email's mailbox identity (case, `+tag`, gmail dots folded): what "same customer" means.
    pub email_key: Option<String>,
    pub external_identifier: Option<String>,
    pub phone_number: Option<String>,
    pub currency: Option<String>,
    pub ip_address: Option<String>,
    /// Set while the referral is held for review (velocity or fraud script), with why.
    pub held_reason: Option<String>,
    pub program_id: Option<i64>,
    pub amount_minor: Option<i64>,
    /// API, BPM, …: which surface created it.
    pub source: String,
    /// JSON object of the descriptive 003 fields (notes, custom fields, address, contact).
    #[sea_orm(column_type = "Text", nullable)]
    pub details: Option<String>,
    pub qualified_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    pub updated_at: Option<DateTimeUtc>,
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member credited with the referral (for lists that read both in one query).
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

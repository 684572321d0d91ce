//! A contact a member's invite feed queued for an invite email.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    /// The member the invite is from (whose share link it carries).
    pub member_id: i64,
    pub email: String,
    /// The email's mailbox identity (the unsubscribe list's key).
    pub email_key: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub contact_type: Option<String>,
    /// `queued`, `sent`, `skipped` (unsubscribed before it went out) or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    /// The outbox worker's lease.
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

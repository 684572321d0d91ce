//! An address an org must not mail, keyed by its mailbox identity.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_unsubscribe")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    /// The email's mailbox identity (case, `+tag`, gmail dots folded), unique per org.
    pub email_key: String,
    /// Where the address came from: `link` (the unsubscribe link in a mail) or `api`.
    pub source: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

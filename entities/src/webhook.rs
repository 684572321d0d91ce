//! A webhook subscription: one org, one event, one target URL, its own signing secret.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    /// One of `vouch::webhooks::EVENTS`.
    pub event: String,
    #[sea_orm(column_type = "Text")]
    pub target_url: String,
    /// `whsec_…`: a credential (it signs), so `Debug` never prints it.
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Set when the receiver answered 410 Gone; nothing is sent while it is set.
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Unsubscribed; the row stays for the delivery history.
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("webhook::Model")
            .field("id", &self.id)
            .field("public_id", &self.public_id)
            .field("org_id", &self.org_id)
            .field("event", &self.event)
            .field("target_url", &self.target_url)
            .field("secret", &"<redacted>")
            .field("previous_secret_until", &self.previous_secret_until)
            .field("disabled_at", &self.disabled_at)
            .field("deleted_at", &self.deleted_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

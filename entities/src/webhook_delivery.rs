//! One event to one subscription: its state, attempts and the last response.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The message id (`webhook-id` header), the same on every attempt.
    #[sea_orm(unique)]
    pub public_id: String,
    pub org_id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub event_type: String,
    /// The subscription's URL when the event happened (the history shows where it went).
    #[sea_orm(column_type = "Text")]
    pub target_url: String,
    /// `pending`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (`pending` only).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// A worker's lease: no other worker claims the row before this time.
    pub locked_until: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

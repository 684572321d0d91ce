//! The event log: one row per state change, written inside the transaction that made it.
use entities::event;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set};

use super::scope::scoped;
use super::Page;
use crate::domain::{ids, Ctx};
use crate::error::Result;

pub use entities::event::Model as EventRow;

/// Records an event for the context's org; call it with the transaction of the change.
pub async fn record<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    event_type: &str,
    object_id: &str,
    payload: serde_json::Value,
) -> Result<EventRow> {
    let row = event::ActiveModel {
        public_id: Set(ids::new_public_id("evt")),
        org_id: Set(ctx.org_id),
        event_type: Set(event_type.to_string()),
        actor: Set(ctx.actor.clone()),
        object_id: Set(object_id.to_string()),
        payload: Set(payload.to_string()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// Newest first, optionally of one type.
pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    event_type: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Page<EventRow>> {
    let mut query = scoped::<event::Entity>(ctx);
    if let Some(t) = event_type {
        query = query.filter(event::Column::EventType.eq(t));
    }
    query
        .order_by_desc(event::Column::Id)
        .page(db, offset, limit)
        .await
}

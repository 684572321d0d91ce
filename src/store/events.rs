//! The event log: one row per state change, written inside the transaction that made it.
use entities::event;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set};

use super::scope::scoped;
use super::{Page, WriteTxn};
use crate::domain::{ids, Ctx};
use crate::error::Result;

pub use entities::event::Model as EventRow;

/// Records an event for the context's org in the transaction of the change. The row is written
/// when the transaction commits, together with the transaction's other events in one statement
/// (fewer round trips while SQLite's writer lock is held), so it commits or rolls back with the
/// change.
pub async fn record(
    ctx: &Ctx,
    txn: &WriteTxn,
    event_type: &str,
    object_id: &str,
    payload: serde_json::Value,
) -> Result<()> {
    txn.defer_event(event::ActiveModel {
        public_id: Set(ids::new_ordered_id("evt")),
        org_id: Set(ctx.org_id),
        event_type: Set(event_type.to_string()),
        actor: Set(ctx.actor.clone()),
        object_id: Set(object_id.to_string()),
        payload: Set(payload.to_string()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    });
    Ok(())
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

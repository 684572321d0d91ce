//! Reading the event log (newest first, optionally of one type).
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Ctx, PageReq};
use crate::error::{AppError, Result};
use crate::store::{events as store, Db, Page};

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: String,
    pub event_type: String,
    pub actor: String,
    pub object_id: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn list(
    ctx: &Ctx,
    db: &Db,
    page: PageReq,
    event_type: Option<&str>,
) -> Result<Page<EventView>> {
    let event_type = event_type.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = event_type {
        if t.len() > 64 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::invalid(
                "type",
                "must be an event name such as `ReferralCodeAdd`",
            ));
        }
    }
    let rows = store::list(ctx, db.conn(), event_type, page.offset(), page.limit).await?;
    let items = rows
        .items
        .into_iter()
        .map(|row| EventView {
            id: row.public_id,
            event_type: row.event_type,
            actor: row.actor,
            object_id: row.object_id,
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
            created_at: row.created_at,
        })
        .collect();
    Ok(Page {
        items,
        total: rows.total,
    })
}

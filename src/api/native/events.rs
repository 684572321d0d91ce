//! `/api/v1/events`: the org's event log, newest first.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Pagination;
use crate::api::wire::{IdText, PageLimit, PageNumber, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::events;

pub struct EventsApi {
    pub state: State,
}

#[derive(Object)]
pub struct Event {
    /// Public id, `evt_…`.
    pub id: String,
    /// e.g. ReferralCodeAdd, ReferralCodeUpdate, ReferralCodeDelete, MemberAdd, ApiKeyAdd.
    #[oai(rename = "type")]
    pub event_type: String,
    /// The key id (or `admin`) that made the change.
    pub actor: String,
    /// Public id of the object changed.
    pub object_id: String,
    /// The object as it was after the change.
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
}

#[derive(Object)]
pub struct EventList {
    pub data: Vec<Event>,
    pub pagination: Pagination,
}

#[OpenApi(tag = "ApiTags::Events")]
impl EventsApi {
    /// List events, newest first
    #[oai(path = "/api/v1/events", method = "get", operation_id = "listEvents")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
        /// Only events of this type.
        #[oai(name = "type")]
        event_type: Query<Option<IdText>>,
    ) -> Result<Json<EventList>, ApiError> {
        let ctx = self.state.tenant(auth, "listEvents").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let rows = events::list(&ctx, &self.state.db, req, event_type.0.as_deref()).await?;
        let data = rows
            .items
            .into_iter()
            .map(|e| Event {
                id: e.id,
                event_type: e.event_type,
                actor: e.actor,
                object_id: e.object_id,
                payload: e.payload,
                created_at: e.created_at.into(),
            })
            .collect();
        Ok(Json(EventList {
            data,
            pagination: Pagination::new(req, rows.total),
        }))
    }
}

//! Health (`/healthz`: the process answers) and readiness (`/readyz`: the database answers).
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::api::enums::HealthStatus;
use crate::api::{ApiTags, State};

pub struct OpsApi {
    pub state: State,
}

#[derive(Object)]
pub struct Health {
    pub status: HealthStatus,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// The database is reachable.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// The database is not reachable.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

#[OpenApi]
impl OpsApi {
    /// Liveness: the process is up
    #[oai(
        path = "/healthz",
        method = "get",
        operation_id = "healthz",
        tag = "ApiTags::Operations"
    )]
    async fn healthz(&self) -> Json<Health> {
        Json(Health {
            status: HealthStatus::Ok,
        })
    }

    /// Readiness: the database is reachable
    #[oai(
        path = "/readyz",
        method = "get",
        operation_id = "readyz",
        tag = "ApiTags::Operations"
    )]
    async fn readyz(&self) -> ReadyResponse {
        if self.state.db.ping().await {
            ReadyResponse::Ready(Json(Health {
                status: HealthStatus::Ok,
            }))
        } else {
            ReadyResponse::Unavailable(Json(Health {
                status: HealthStatus::Unavailable,
            }))
        }
    }
}

//! Prometheus metrics (`metrics` facade, `metrics-exporter-prometheus` recorder), served at
//! `/metrics` to the platform admin key only.
//!
//! `/metrics` is deliberately not an operation of the OpenAPI spec: it is the operator's scrape
//! endpoint (Prometheus text format, not JSON), not part of the tenant API contract, so it has
//! no generated client, no `authz` operation and is not in `scripts/dev/contract.sh`.
//!
//! Recorded here: requests by operation id and status class, their latency, rate-limit
//! refusals, database pool use (sampled when scraped). Recorded where they happen, with the
//! `metrics` macros: cache hits and misses (`vouch_cache_*`, names declared here, used in
//! `crate::cache`), and script runs by outcome (ok, error, timeout, limit, rejected), the limit
//! that stopped a run and run durations (`vouch_script_*`, declared in `scripting::metrics`,
//! which does not depend on the web layer, and re-exported here). Histogram buckets are set in
//! `install`.
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::http::{header, StatusCode};
use poem::web::Data;
use poem::{handler, Request, Response};

use crate::api::State;
use crate::auth::{Credentials, Principal};
pub use crate::scripting::metrics::{SCRIPT_DURATION, SCRIPT_LIMIT_STOPS, SCRIPT_RUNS};

/// Requests answered: labels `operation` (the operation id, or the page kind) and `status`
/// (`2xx`…`5xx`).
pub const HTTP_REQUESTS: &str = "vouch_http_requests_total";
/// Request latency in seconds (histogram), label `operation`.
pub const HTTP_DURATION: &str = "vouch_http_request_duration_seconds";
/// Requests refused by a rate limit: label `scope` (`org` or `ip`).
pub const RATE_LIMITED: &str = "vouch_rate_limited_total";
/// Open database connections (gauge, sampled at each scrape).
pub const DB_POOL_CONNECTIONS: &str = "vouch_db_pool_connections";
/// Idle database connections (gauge, sampled at each scrape).
pub const DB_POOL_IDLE: &str = "vouch_db_pool_idle_connections";
/// Cache reads answered from memory: label `cache` (`auth`: API keys, `code_lookup`: the 004
/// lookup by code, `share_link`: `/r/{code}`).
pub const CACHE_HITS: &str = "vouch_cache_hits_total";
/// Cache reads that went to the database (nothing cached, expired, or outdated by a change):
/// label `cache`, as for hits.
pub const CACHE_MISSES: &str = "vouch_cache_misses_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once (tests start many apps in one process). When some
/// other recorder is already installed, `/metrics` renders this one's (empty) registry.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_DURATION.into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .expect("non-empty buckets")
            .set_buckets_for_metric(
                Matcher::Full(SCRIPT_DURATION.into()),
                crate::scripting::metrics::SCRIPT_DURATION_BUCKETS,
            )
            .expect("non-empty buckets")
            .build_recorder();
        let handle = recorder.handle();
        if ::metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        handle
    })
}

/// Records one answered request.
pub fn record_request(operation: &'static str, status: u16, seconds: f64) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    ::metrics::counter!(HTTP_REQUESTS, "operation" => operation, "status" => class).increment(1);
    ::metrics::histogram!(HTTP_DURATION, "operation" => operation).record(seconds);
}

fn credentials(req: &Request) -> Option<Credentials> {
    use base64::Engine;
    let value = req.header(header::AUTHORIZATION)?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials::Bearer(rest.trim().to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let (id, key) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        return Some(Credentials::Basic {
            id: id.to_string(),
            key: key.to_string(),
        });
    }
    None
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    crate::api::error::envelope("/metrics", status, code, message.into(), None)
}

/// `GET /metrics`: the Prometheus text exposition, for the platform admin key only.
#[handler]
pub async fn serve(req: &Request, state: Data<&State>) -> Response {
    let unauthorized = || {
        refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid API key; /metrics takes the platform admin key",
        )
    };
    let Some(creds) = credentials(req) else {
        return unauthorized();
    };
    match state.auth.authenticate(creds).await {
        Ok(Principal::Admin(_)) => {
            let (open, idle) = state.db.pool_usage();
            ::metrics::gauge!(DB_POOL_CONNECTIONS).set(f64::from(open));
            ::metrics::gauge!(DB_POOL_IDLE).set(idle as f64);
            Response::builder()
                .content_type("text/plain; version=0.0.4; charset=utf-8")
                .body(install().render())
        }
        Ok(Principal::Tenant(_)) => refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the platform admin key may read /metrics",
        ),
        Err(crate::error::AppError::Unauthorized(_)) => unauthorized(),
        Err(err) => {
            tracing::error!(error = %err, "authenticating a /metrics request");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal server error; the request id identifies it in the server logs",
            )
        }
    }
}

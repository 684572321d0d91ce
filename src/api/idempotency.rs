//! The `Idempotency-Key` header for POST operations: wrap the handler's work in `run` and a
//! repeated request with the same key gets the first answer again (see
//! `domain::idempotency` for the protocol).
//!
//! Wiring an operation (a few lines):
//! ```ignore
//! #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
//! …
//! let body_json = body.0.to_json().unwrap_or_default();
//! let answer = idempotency::run(&self.state, &ctx, idempotency_key.0, "rrCreateReferral",
//!     body_json, "", 201, || async { /* the work, answering the response object */ }).await?;
//! ```
//! and list 409 and 422 for the operation in `errors_table`.
use std::future::Future;

use poem_openapi::types::{ParseFromJSON, ToJSON};

use crate::api::AppState;
use crate::domain::idempotency::{self, Claim, IdempotencyKey};
use crate::domain::Ctx;
use crate::error::{AppError, Result};

/// Runs `work` at most once per key: without a key it just runs; with a key it claims it,
/// runs, and stores the answer (`status` and the object as JSON); a repeat with the same
/// request answers the stored object; a failure releases the key so a retry runs again.
#[allow(clippy::too_many_arguments)]
pub async fn run<T, F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    key: Option<String>,
    operation: &str,
    body: serde_json::Value,
    query: &str,
    status: u16,
    work: F,
) -> Result<T>
where
    T: ToJSON + ParseFromJSON,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let Some(raw) = key else {
        return work().await;
    };
    let key = IdempotencyKey::parse(&raw)?;
    let hash = idempotency::request_hash(operation, &body, query);
    match idempotency::claim(ctx, &state.db, key, operation, &hash).await? {
        Claim::Replay { body, .. } => {
            let value: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| AppError::Internal(format!("stored idempotent answer: {e}")))?;
            T::parse_from_json(Some(value)).map_err(|e| {
                AppError::Internal(format!("stored idempotent answer: {}", e.into_message()))
            })
        }
        Claim::Fresh(key) => match work().await {
            Ok(answer) => {
                let body = answer.to_json().unwrap_or_default().to_string();
                idempotency::complete(ctx, &state.db, &key, status, body).await?;
                Ok(answer)
            }
            Err(err) => {
                if let Err(release) = idempotency::release(ctx, &state.db, &key).await {
                    tracing::warn!(error = %release, "could not release an idempotency key");
                }
                Err(err)
            }
        },
    }
}

//! The Referral Rock style surface (seed 003): `/api/programs`, `/api/members…`,
//! `/api/memberaccessurls`. camelCase JSON; lists `{<items>, offset, total, message}`; errors
//! `{message, code, field}` (003 puts error information in `message`).
pub mod access;
pub mod email;
pub mod hooks;
pub mod invites;
pub mod member_types;
pub mod members;
pub mod programs;
pub mod purchases;
pub mod referral_query;
pub mod referral_types;
pub mod referrals;
pub mod stats;
// payouts: rewards, reward rules, payout methods, pending payouts and transactions.
pub mod payout_types;
pub mod payouts;
pub mod reward_types;
pub mod rewards;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::api::enums::ErrorCode;
use crate::error::AppError;

#[derive(Object, Debug, Clone)]
pub struct RrErrorBody {
    /// What went wrong, naming the field at fault for bad input.
    pub message: String,
    /// Machine-readable; the same codes on every JSON surface.
    pub code: ErrorCode,
    pub field: Option<String>,
}

#[derive(ApiResponse, Debug)]
pub enum RrError {
    /// Bad input: a field is missing, malformed, of the wrong type or out of range.
    #[oai(status = 400)]
    BadRequest(Json<RrErrorBody>),
    /// No API key, or a wrong or revoked one.
    #[oai(status = 401)]
    Unauthorized(Json<RrErrorBody>),
    /// The key's role may not do this.
    #[oai(status = 403)]
    Forbidden(Json<RrErrorBody>),
    /// No such object in the key's org.
    #[oai(status = 404)]
    NotFound(Json<RrErrorBody>),
    /// The change conflicts with the current state.
    #[oai(status = 409)]
    Conflict(Json<RrErrorBody>),
    /// Well-formed input that cannot be accepted as it stands (an inactive code, an
    /// `Idempotency-Key` reused with another body).
    #[oai(status = 422)]
    Unprocessable(Json<RrErrorBody>),
    /// Too much in progress; retry shortly.
    #[oai(status = 429)]
    TooManyRequests(Json<RrErrorBody>),
    /// Something failed on the server; the request id identifies it in the logs.
    #[oai(status = 500)]
    Internal(Json<RrErrorBody>),
}

impl From<AppError> for RrError {
    fn from(err: AppError) -> Self {
        let field = match &err {
            AppError::Invalid { field, .. }
            | AppError::Missing { field, .. }
            | AppError::Unprocessable { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = Json(RrErrorBody {
            message: err.public_message(),
            code: ErrorCode::of(&err),
            field,
        });
        match err {
            AppError::Invalid { .. } | AppError::Missing { .. } => RrError::BadRequest(body),
            AppError::Unprocessable { .. } => RrError::Unprocessable(body),
            AppError::Unauthorized(_) => RrError::Unauthorized(body),
            AppError::Forbidden(_) => RrError::Forbidden(body),
            AppError::NotFound(_) => RrError::NotFound(body),
            AppError::Conflict(_) => RrError::Conflict(body),
            AppError::Busy(_) => RrError::TooManyRequests(body),
            // Only the BPM surface sends mail; no 003 operation meets the mail server.
            AppError::Upstream(_) | AppError::Internal(_) | AppError::Db(_) => {
                RrError::Internal(body)
            }
        }
    }
}

/// Parses a 003 date bound: a date (`2026-01-31`, whole day) or an RFC 3339 date-time.
pub use crate::domain::values::date_bound;

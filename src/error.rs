//! The one internal error type. Each API surface maps it to its own envelope.
//!
//! Invariant: `Internal` and `Db` carry details for tracing only; no surface shows them.

use thiserror::Error;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum AppError {
    /// Input that names a field and what is wrong with it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A required field that is absent or empty (the func surface answers `missed` for it).
    #[error("{field}: {message}")]
    Missing { field: String, message: String },
    /// Well-formed input the server cannot accept (a script that does not compile), with where.
    #[error("{field}: {message}")]
    Unprocessable {
        field: String,
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// The named thing does not exist in the caller's org (or at all: callers can't tell).
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Too much in progress (script runs past the pool's caps); retrying shortly may succeed.
    #[error("{0}")]
    Busy(String),
    /// A service the server depends on (the mail server) refused or did not answer.
    #[error("{0}")]
    Upstream(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A required field is absent; `message` starts with "is required" and may say why.
    pub fn missing(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Missing {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Well-formed input that cannot be accepted as it stands (no line or column to point at).
    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Unprocessable {
            field: field.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    /// A stable machine-readable code for envelopes.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } | AppError::Missing { .. } => "invalid_input",
            AppError::Unprocessable { .. } => "unprocessable",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Busy(_) => "too_many_requests",
            AppError::Upstream(_) => "upstream_unavailable",
            AppError::Internal(_) | AppError::Db(_) => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } | AppError::Missing { .. } => 400,
            AppError::Unprocessable { .. } => 422,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::Busy(_) => 429,
            AppError::Upstream(_) => 502,
            AppError::Internal(_) | AppError::Db(_) => 500,
        }
    }

    /// The message a client may see: for server errors a fixed sentence, the cause is logged.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) | AppError::Db(_) => {
                tracing::error!(error = %self, "request failed with an internal error");
                "internal server error; the request id identifies it in the server logs".into()
            }
            other => other.to_string(),
        }
    }
}

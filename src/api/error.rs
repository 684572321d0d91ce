//! The native error envelope `{"error": {"code", "message", "details"}}`, used by the native v1
//! and referral-code-record surfaces, including for requests poem-openapi could not parse.
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::api::enums::ErrorCode;
use crate::error::AppError;

#[derive(Object, Debug, Clone)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Object, Debug, Clone)]
pub struct ErrorDetail {
    /// Machine-readable; the same codes on every JSON surface.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    pub details: Option<ErrorDetails>,
}

#[derive(Object, Debug, Clone)]
pub struct ErrorDetails {
    /// The request field (body property or parameter) at fault.
    pub field: Option<String>,
    /// For script errors: the line (from 1).
    pub line: Option<usize>,
    /// For script errors: the column (from 1).
    pub column: Option<usize>,
}

#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// Bad input: a field is missing, malformed, of the wrong type or out of range.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No API key, or a wrong or revoked one.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The key's role may not do this, or it names another org.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such object in the key's org.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The change conflicts with the current state (the message says with what).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Well-formed but not acceptable: a script that does not compile (with line and column).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many script runs in progress; retry after the seconds in `Retry-After`.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds to wait before retrying.
        #[oai(header = "Retry-After")]
        u32,
    ),
    /// Something failed on the server; the request id identifies it in the logs.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

fn body(code: ErrorCode, message: String, details: Option<ErrorDetails>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            code,
            message,
            details,
        },
    })
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let details = match &err {
            AppError::Invalid { field, .. } | AppError::Missing { field, .. } => {
                Some(ErrorDetails {
                    field: Some(field.clone()),
                    line: None,
                    column: None,
                })
            }
            AppError::Unprocessable {
                field,
                line,
                column,
                ..
            } => Some(ErrorDetails {
                field: Some(field.clone()),
                line: *line,
                column: *column,
            }),
            _ => None,
        };
        let b = body(ErrorCode::of(&err), err.public_message(), details);
        match err {
            AppError::Invalid { .. } | AppError::Missing { .. } => ApiError::BadRequest(b),
            AppError::Unprocessable { .. } => ApiError::Unprocessable(b),
            AppError::Unauthorized(_) => ApiError::Unauthorized(b),
            AppError::Forbidden(_) => ApiError::Forbidden(b),
            AppError::NotFound(_) => ApiError::NotFound(b),
            AppError::Conflict(_) => ApiError::Conflict(b),
            AppError::Busy(_) => ApiError::TooManyRequests(b, 1),
            // Only the BPM surface sends mail; no native operation meets the mail server.
            AppError::Upstream(_) | AppError::Internal(_) | AppError::Db(_) => {
                ApiError::Internal(b)
            }
        }
    }
}

/// poem-openapi's parameter error as `<field>: <problem>`, without its type-name wrapping
/// (`failed to parse "integer_int64": … (occurred while parsing "…")`).
pub fn param_message(message: &str) -> String {
    let Some(field) = field_of(message) else {
        return message.to_string();
    };
    let after = message
        .split_once(&format!("`{field}`"))
        .map(|(_, rest)| rest.trim_start_matches(':').trim())
        .unwrap_or(message);
    let mut problem = after;
    while let Some(rest) = problem.strip_prefix("failed to parse \"") {
        problem = rest.split_once("\": ").map_or(rest, |(_, p)| p);
    }
    let problem = problem
        .split(" (occurred while parsing")
        .next()
        .unwrap_or(problem);
    format!("{field}: {problem}")
}

/// Pulls the parameter name out of poem-openapi's parse errors, which quote it in backticks.
pub fn field_of(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// The error envelope of the surface that owns `path`, for errors raised before an operation
/// runs (unknown route, unparsable request, missing credentials): 003 paths (`/api/…` outside
/// `/api/v1/`) answer `{message, code, field}`, `/billmgr` 002's `{"error": {type, …}}` with
/// HTTP 200 (as BILLmanager does; always JSON, as `out` is not known here), everything else the
/// native envelope.
pub fn envelope(
    path: &str,
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
) -> poem::Response {
    let bpm = path == "/api/bpm/cmd";
    let rr = !bpm && path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let billmgr = path == "/billmgr" || path.starts_with("/billmgr/");
    let status = if billmgr { StatusCode::OK } else { status };
    let json = if billmgr {
        let kind = match code {
            "unauthorized" => "auth",
            "forbidden" => "access",
            "not_found" => "missing",
            "invalid_input" => "value",
            other => other,
        };
        serde_json::json!({"error": {"type": kind, "object": field.unwrap_or_default(), "value": "", "msg": message}})
    } else if bpm {
        let failed = if status.is_client_error() {
            "The request could not be processed"
        } else {
            "The request failed"
        };
        let detail = match &field {
            Some(f) if !message.starts_with(f.as_str()) => format!("{f}: {message}"),
            _ => message,
        };
        serde_json::json!({"success": false, "data": null, "message": failed, "errors": [detail]})
    } else if rr {
        serde_json::json!({"message": message, "code": code, "field": field})
    } else {
        serde_json::json!({
            "error": {"code": code, "message": message, "details": field.map(|f| serde_json::json!({"field": f}))}
        })
    };
    poem::Response::builder()
        .status(status)
        .content_type("application/json")
        .body(json.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_errors_read_as_field_and_problem() {
        assert_eq!(
            param_message(
                "failed to parse parameter `limit`: failed to parse \"integer_int64\": must be between 1 and 100, found 1000 (occurred while parsing \"optional_integer_int64\")"
            ),
            "limit: must be between 1 and 100, found 1000"
        );
    }

    #[test]
    fn field_of_reads_backticked_names() {
        assert_eq!(
            field_of("failed to parse parameter `limit`: verification failed").as_deref(),
            Some("limit")
        );
        assert_eq!(field_of("no field here"), None);
    }
}

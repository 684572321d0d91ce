//! Request logging with a request id, and the error envelope for failures that happen before
//! an operation runs (unknown route, wrong method, unparsable request, missing credentials).
//! Headers are never logged: they carry keys. Paths and queries are logged redacted
//! ([`redacted_path`], [`redacted_query`]): page tokens and `authinfo` are credentials too.
use std::sync::Arc;
use std::time::Instant;

use poem::error::{MethodNotAllowedError, NotFoundError};
use poem::http::{header, HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
    ParseRequestPayloadError,
};
use poem_openapi::OperationId;
use serde_json::Value;
use tracing::Instrument;

use crate::api::error::{envelope, field_of, param_message};
use crate::api::{strict, State};
use crate::authz;
use crate::domain::ids;
use crate::web::limits::{self, Verdict};
use crate::web::metrics;

const REQUEST_ID: &str = "x-request-id";
/// Request bodies above this size are refused (413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The routes that take spreadsheets (an xlsx, base64 in JSON or as multipart) take bodies up
/// to this size; the file inside is checked against its own cap (`import::LIMITS`).
pub const UPLOAD_PATHS: [&str; 2] = ["/api/bpm/cmd", "/api/v1/employees/upload"];
pub const MAX_UPLOAD_BODY_BYTES: usize = 24 * 1024 * 1024;

/// The body size limit of a path (the spec's 413).
pub fn body_limit(path: &str) -> usize {
    if UPLOAD_PATHS.contains(&path) {
        MAX_UPLOAD_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

fn valid_request_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Path prefixes whose next segment is a credential (a member access token).
const TOKEN_PATHS: [&str; 3] = ["/portal/", "/widget/", "/unsubscribe/"];
/// Query parameters that may carry a credential (lower-case; matched case-insensitively).
const SECRET_PARAMS: [&str; 5] = ["authinfo", "token", "key", "api_key", "access_token"];
const REDACTED: &str = "[redacted]";

/// The path as it may be logged: `/portal/<token>` → `/portal/[redacted]` (same for `/widget/`).
pub fn redacted_path(path: &str) -> String {
    for prefix in TOKEN_PATHS {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}{REDACTED}{tail}");
        }
    }
    path.to_string()
}

/// The query as it may be logged: the value of every parameter that can carry a credential
/// (`authinfo`, `token`, `key`, or a name ending in `token` or `key`) is replaced.
pub fn redacted_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Matched decoded, as the handlers read it (`auth%69nfo` is `authinfo`).
            let lower = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(decoded, _)| decoded.to_ascii_lowercase())
                .unwrap_or_default();
            let secret = SECRET_PARAMS.contains(&lower.as_str())
                || lower.ends_with("token")
                || lower.ends_with("key")
                || lower.contains("authinfo");
            if secret && !value.is_empty() {
                format!("{name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Did the request carry credentials: an `Authorization` header, or `authinfo` in the query
/// or a form body (the func surface)? Answers to such requests must not be cached.
fn carries_credentials(req: &Request, body: Option<&[u8]>) -> bool {
    let has_authinfo = |form: &[u8]| {
        url::form_urlencoded::parse(form).any(|(name, _)| name.eq_ignore_ascii_case("authinfo"))
    };
    let is_form = req
        .header(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    req.headers().contains_key(header::AUTHORIZATION)
        || req
            .uri()
            .query()
            .is_some_and(|q| has_authinfo(q.as_bytes()))
        || (is_form && body.is_some_and(has_authinfo))
}

/// Does a concrete path match a spec path template (`/api/v1/rules/{id}`)?
fn path_matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') || ts == ps => {}
            _ => return false,
        }
    }
}

/// The parameter names of the spec path template `path` matches (`/rules/{id}` → `id`).
fn path_param_names(spec: &Value, path: &str) -> Vec<String> {
    spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(template, _)| template)
        .find(|template| path_matches(template, path))
        .map(|template| {
            template
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The methods the spec lists for `path`, for the `Allow` header of a 405.
fn allowed_methods(spec: &Value, path: &str) -> String {
    let mut methods: Vec<String> = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(template, _)| path_matches(template, path))
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .map(|(method, _)| method.to_uppercase())
        .collect();
    methods.sort();
    methods.dedup();
    methods.join(", ")
}

/// Maps a poem error raised outside an operation's own error type into the envelope.
fn error_response(path: &str, err: poem::Error, spec: &Value, body: Option<&[u8]>) -> Response {
    let envelope = |status, code, message, field| envelope(path, status, code, message, field);
    if err.is::<NotFoundError>() {
        return envelope(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route".into(),
            None,
        );
    }
    if err.is::<MethodNotAllowedError>() {
        let allowed = allowed_methods(spec, path);
        let mut resp = envelope(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("method not allowed on this route; allowed: {allowed}"),
            None,
        );
        if let Ok(value) = HeaderValue::from_str(&allowed) {
            resp.headers_mut().insert(header::ALLOW, value);
        }
        return resp;
    }
    if err.is::<AuthorizationError>() {
        return envelope(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing, invalid or revoked API key".into(),
            None,
        );
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        let message = e.to_string();
        let found = if path == "/api/bpm/cmd" {
            body.and_then(|body| crate::api::bpm::explain_parse_error(spec, body))
        } else {
            strict::schema_name_in(&message)
                .zip(body)
                .and_then(|(name, body)| strict::diagnose(spec, name, body))
        };
        return match found {
            Some((field, problem)) => envelope(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!("{field}: {problem}"),
                Some(field),
            ),
            None => envelope(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                message,
                Some("body".into()),
            ),
        };
    }
    if err.is::<ParseParamError>() || err.is::<ParsePathError>() {
        // poem-openapi names path parameters `param0`, `param1`…; clients know them by the
        // names in the spec's path template.
        let mut message = err.to_string();
        for (i, name) in path_param_names(spec, path).iter().enumerate() {
            message = message.replace(&format!("`param{i}`"), &format!("`{name}`"));
        }
        return envelope(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            param_message(&message),
            field_of(&message),
        );
    }
    if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
        // "field `file` is required": name the form field.
        let message = e.reason.clone();
        let field = field_of(&message).unwrap_or_else(|| "body".into());
        return envelope(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            format!("{field}: {message}"),
            Some(field),
        );
    }
    if err.is::<ContentTypeError>() {
        return envelope(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            err.to_string(),
            Some("body".into()),
        );
    }
    if err.is::<poem::error::ParseMultipartError>() {
        // A multipart body the parser cannot read ("parse: failed to read headers"): bad
        // input, in the surface's envelope rather than poem's text/plain.
        let message = format!("body: {err}");
        return envelope(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            message,
            Some("body".into()),
        );
    }
    err.into_response()
}

/// Public pages limited per client IP (`VOUCH_RATE_LIMIT__IP_*`).
const PUBLIC_PAGES: [&str; 4] = ["/portal/", "/widget/", "/r/", "/unsubscribe/"];

/// The `operation` label of a request's metrics: the operation id, else a fixed name per
/// route kind (never the raw path, which would carry tokens and unbounded values).
fn metric_operation(routed: Option<&'static str>, path: &str) -> &'static str {
    if let Some(id) = routed {
        return id;
    }
    match path {
        "/metrics" => "metrics",
        "/openapi.json" => "openapi",
        "/docs" => "docs",
        _ if path.starts_with("/portal/") => "portal",
        _ if path.starts_with("/widget/") => "widget",
        _ if path.starts_with("/r/") => "share_link",
        _ if path.starts_with("/unsubscribe/") => "unsubscribe",
        _ => "unmatched",
    }
}

/// Sets the `RateLimit-*` headers of a checked request; past the limit, the answer is a 429 in
/// the surface's envelope (on /billmgr, a 200 error document) with `Retry-After`.
fn apply_verdict(path: &str, verdict: Verdict, resp: Response) -> Response {
    let mut resp = resp;
    let (limit, remaining) = match verdict {
        Verdict::Allowed { limit, remaining } => (limit, remaining),
        Verdict::Limited {
            limit,
            retry_after_secs,
        } => {
            resp = envelope(
                path,
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("rate limit exceeded; retry in {retry_after_secs} s"),
                None,
            );
            let secs = HeaderValue::from(retry_after_secs);
            resp.headers_mut().insert(header::RETRY_AFTER, secs.clone());
            resp.headers_mut().insert("ratelimit-reset", secs);
            (limit, 0)
        }
    };
    let headers = resp.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    resp
}

pub async fn log_and_envelope<E: Endpoint>(
    next: E,
    mut req: Request,
    spec: Arc<Value>,
    state: State,
) -> poem::Result<Response> {
    let request_id = req
        .header(REQUEST_ID)
        .filter(|v| valid_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| ids::new_public_id("req"));
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %redacted_path(req.uri().path()),
        query = tracing::field::Empty,
    );
    if let Some(query) = req.uri().query().filter(|q| !q.is_empty()) {
        span.record("query", tracing::field::display(redacted_query(query)));
    }
    let path = req.uri().path().to_string();
    async move {
        let started = Instant::now();
        // Bodies are kept (bounded) so a parse failure can be explained field by field.
        // The upload routes' larger limit only for a request that carries credentials: an
        // anonymous one is refused anyway and should not make the server buffer 24 MiB.
        let limit = if req.headers().contains_key(header::AUTHORIZATION) {
            body_limit(&path)
        } else {
            MAX_BODY_BYTES
        };
        let body = match req.take_body().into_bytes_limit(limit).await {
            Ok(bytes) => {
                req.set_body(bytes.clone());
                Some(bytes)
            }
            Err(_) => None,
        };
        let credentialed = carries_credentials(&req, body.as_deref());
        let ip_verdict = PUBLIC_PAGES
            .iter()
            .any(|p| path.starts_with(p))
            .then(|| req.remote_addr().as_socket_addr().map(|a| a.ip()))
            .flatten()
            .and_then(|ip| state.limits.check_ip(ip));
        let mut org_verdict = None;
        let mut routed_op = None;
        let mut resp = match body {
            _ if matches!(ip_verdict, Some(Verdict::Limited { .. })) => Response::default(),
            None => envelope(
                &path,
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_input",
                format!("body: larger than {limit} bytes"),
                Some("body".into()),
            ),
            Some(ref bytes) => {
                let ((result, authorized_as), verdict) =
                    limits::tracking(authz::tracking_authorization(next.call(req))).await;
                org_verdict = verdict;
                let (resp, routed_to) = match result {
                    Ok(out) => {
                        let resp = out.into_response();
                        let routed = resp.data::<OperationId>().map(|o| o.0);
                        (resp, routed)
                    }
                    Err(err) => {
                        let routed = err.data::<OperationId>().map(|o| o.0);
                        (error_response(&path, err, &spec, Some(bytes)), routed)
                    }
                };
                routed_op = routed_to;
                match (authorized_as, routed_to) {
                    (Some(used), Some(routed)) if used != routed => {
                        // A handler authorized under another operation's name: fail closed.
                        tracing::error!(used, routed, "operation id mismatch in authorization");
                        envelope(
                            &path,
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal",
                            "internal server error; the request id identifies it in the server logs"
                                .into(),
                            None,
                        )
                    }
                    _ => resp,
                }
            }
        };
        if let Some(verdict) = ip_verdict.or(org_verdict) {
            resp = apply_verdict(&path, verdict, resp);
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert(REQUEST_ID, value);
        }
        if credentialed {
            // Authenticated answers may carry secrets (a new key, access URLs) or tenant data.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        let status = resp.status().as_u16();
        let elapsed = started.elapsed().as_secs_f64();
        metrics::record_request(metric_operation(routed_op, &path), status, elapsed);
        let elapsed_ms = elapsed * 1000.0;
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request");
        }
        Ok(resp)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_paths_and_secret_parameters_are_redacted() {
        let t = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
        assert_eq!(redacted_path(&format!("/portal/{t}")), "/portal/[redacted]");
        assert_eq!(
            redacted_path(&format!("/widget/{t}/x")),
            "/widget/[redacted]/x"
        );
        assert_eq!(redacted_path("/r/JANE-DOE-1"), "/r/JANE-DOE-1");
        assert_eq!(
            redacted_path("/api/v1/members/mem_1"),
            "/api/v1/members/mem_1"
        );
        assert_eq!(
            redacted_query("func=whoami&authinfo=key_1:vk_secret&out=json"),
            "func=whoami&authinfo=[redacted]&out=json"
        );
        assert_eq!(
            redacted_query("AuthInfo=x&token=y&api_key=z&accessToken=w&page=2"),
            "AuthInfo=[redacted]&token=[redacted]&api_key=[redacted]&accessToken=[redacted]&page=2"
        );
        assert_eq!(redacted_query("auth%69nfo=x"), "auth%69nfo=[redacted]");
        assert_eq!(redacted_query("code=ABC&limit=20"), "code=ABC&limit=20");
    }

    #[test]
    fn allow_lists_the_methods_of_the_matching_path() {
        let spec = json!({"paths": {
            "/api/v1/rules/{id}": {"get": {}, "put": {}, "delete": {}},
            "/api/v1/rules/{id}/conditions": {"post": {}}
        }});
        assert_eq!(
            allowed_methods(&spec, "/api/v1/rules/rule_1"),
            "DELETE, GET, PUT"
        );
        assert_eq!(
            allowed_methods(&spec, "/api/v1/rules/rule_1/conditions"),
            "POST"
        );
        assert_eq!(allowed_methods(&spec, "/api/v1/nope"), "");
        assert_eq!(
            path_param_names(&spec, "/api/v1/rules/rule_1/conditions"),
            ["id"]
        );
    }
}

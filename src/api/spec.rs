//! The spec as clients see it: poem-openapi's document, finished by rules that hold for every
//! operation, so no surface can forget them:
//!
//! - a property that is not required is `nullable` (poem-openapi reads `null` as absent and
//!   writes `None` as `null`), and an enum is referenced as a plain `$ref` (or inlined when it is
//!   nullable), never wrapped in `allOf`, which generators refuse for non-objects;
//! - each operation lists only the error statuses it can answer (`errors_table` plus the ones
//!   its shape implies: 401/403 with a key, 429 with a tenant key, 400 with input, 413 with a
//!   body, 500), each
//!   described for that operation, and every response and operation has a description;
//! - operations without authentication declare `security: []`.
use serde_json::{json, Map, Value};

use super::errors_table::errors_of;
use crate::authz::{access_for, Access};
use crate::web::middleware::body_limit;

/// The spec for Rust clients generated with progenitor, which cannot build multipart bodies:
/// the same document without the operations whose body is only `multipart/form-data` (the
/// employee file upload; Rust clients upload through the BPM command, base64). Committed as
/// `openapi/openapi.rust-client.json`; a test fails when it drifts.
pub fn without_multipart(spec: &Value) -> Value {
    let mut out = spec.clone();
    if let Some(Value::Object(paths)) = out.get_mut("paths") {
        for item in paths.values_mut() {
            if let Value::Object(ops) = item {
                ops.retain(|_, op| {
                    op.pointer("/requestBody/content/multipart~1form-data")
                        .is_none()
                });
            }
        }
        paths.retain(|_, item| item.as_object().is_some_and(|ops| !ops.is_empty()));
    }
    out
}

/// Finishes the document poem-openapi generated.
pub fn finish(raw: &str) -> Value {
    let mut spec: Value = serde_json::from_str(raw).unwrap_or_default();
    let schemas = spec
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(all)) = spec.pointer_mut("/components/schemas") {
        for schema in all.values_mut() {
            nullable_optional_properties(schema, &schemas);
        }
    }
    if let Some(Value::Object(paths)) = spec.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Value::Object(ops) = item else { continue };
            for op in ops.values_mut() {
                finish_operation(op, &schemas, path);
            }
        }
    }
    spec
}

fn is_enum(schemas: &Value, reference: &str) -> Option<Value> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    let schema = schemas.get(name)?;
    schema.get("enum").is_some().then(|| schema.clone())
}

/// `{"allOf": [{"$ref": X}, {extras}]}` → the reference and the extras.
fn split_all_of(prop: &Value) -> Option<(String, Map<String, Value>)> {
    let parts = prop.get("allOf")?.as_array()?;
    let reference = parts.first()?.get("$ref")?.as_str()?.to_string();
    let mut extras = Map::new();
    for part in parts.iter().skip(1) {
        if let Value::Object(o) = part {
            extras.extend(o.clone());
        }
    }
    if let Value::Object(o) = prop {
        extras.extend(
            o.iter()
                .filter(|(k, _)| *k != "allOf")
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    Some((reference, extras))
}

/// Rewrites one property schema: `nullable` when it may be null, enums without `allOf`.
fn property(prop: &Value, nullable: bool, schemas: &Value) -> Value {
    let (reference, mut extras) = match (prop.get("$ref"), split_all_of(prop)) {
        (Some(Value::String(r)), _) => (r.clone(), Map::new()),
        (_, Some(split)) => split,
        _ => {
            let mut out = prop.clone();
            if nullable && out.get("type").is_some() {
                out["nullable"] = json!(true);
                if let Some(Value::Array(items)) = out.get_mut("enum") {
                    items.push(Value::Null);
                }
            }
            return out;
        }
    };
    match (is_enum(schemas, &reference), nullable) {
        // A generator takes a plain reference to an enum (a sibling description is ignored).
        (Some(_), false) => json!({"$ref": reference}),
        // A nullable enum is inlined: OpenAPI 3.0 cannot say "this reference or null".
        (Some(Value::Object(mut inline)), true) => {
            inline.remove("title");
            inline.extend(extras);
            inline.insert("nullable".into(), json!(true));
            if let Some(Value::Array(items)) = inline.get_mut("enum") {
                items.push(Value::Null);
            }
            Value::Object(inline)
        }
        _ => {
            extras.insert("allOf".into(), json!([{"$ref": reference}]));
            if nullable {
                extras.insert("nullable".into(), json!(true));
            }
            Value::Object(extras)
        }
    }
}

fn nullable_optional_properties(schema: &mut Value, schemas: &Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        let nullable = !required.contains(name);
        let mut fixed = property(prop, nullable, schemas);
        if let Some(items) = fixed.get("items").cloned() {
            fixed["items"] = property(&items, false, schemas);
        }
        *prop = fixed;
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The statuses an operation's shape implies, described for it.
fn derived_errors(op: &Value, access: Access, path: &str) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    let has_body = op.get("requestBody").is_some();
    let has_input = has_body
        || op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty());
    if has_input {
        out.push((
            400,
            "Bad input: a parameter or body field is missing, malformed or out of range; the \
             answer names it."
                .to_string(),
        ));
    }
    match access {
        Access::Public => {}
        Access::Admin => {
            out.push((401, "No API key, or a wrong one.".into()));
            out.push((403, "The key is not the platform admin key.".into()));
        }
        Access::Tenant { resource, action } => {
            out.push((
                401,
                "No API key, or a wrong or revoked one, or its org is disabled.".into(),
            ));
            out.push((
                403,
                format!(
                    "The key's role may not {action} {} (or the key is the platform admin key, \
                     or an `org_id` given is not the key's org).",
                    resource.replace('_', " ")
                ),
            ));
            // The per-org rate limit (`VOUCH_RATE_LIMIT__ORG_*`) can be on for any tenant
            // operation; the middleware answers it (`web::limits`).
            out.push((
                429,
                "Too many requests from the key's org on this server instance                  (`VOUCH_RATE_LIMIT__ORG_RPS` / `__ORG_BURST`); `Retry-After` gives the seconds                  to wait."
                    .into(),
            ));
        }
    }
    if has_body {
        out.push((
            413,
            format!(
                "The body is larger than {} MiB.",
                body_limit(path) / (1024 * 1024)
            ),
        ));
    }
    if access != Access::Public {
        out.push((
            500,
            "Something failed on the server; the `x-request-id` header identifies it in the logs."
                .into(),
        ));
    }
    out
}

fn finish_operation(op: &mut Value, schemas: &Value, path: &str) {
    let id = op["operationId"].as_str().unwrap_or_default().to_string();
    let summary = op["summary"].as_str().unwrap_or_default().to_string();
    if op.get("description").is_none() {
        op["description"] = json!(format!("{summary}."));
    }
    let access = access_for(&id).unwrap_or(Access::Public);
    if access == Access::Public {
        op["security"] = json!([]);
    }
    let func_surface = id.starts_with("billmgr");
    let mut wanted: Vec<(u16, String)> = if func_surface {
        Vec::new()
    } else {
        derived_errors(op, access, path)
    };
    for (status, text) in errors_of(&id).unwrap_or_default() {
        wanted.retain(|(s, _)| s != status);
        wanted.push((*status, text.to_string()));
    }
    let Some(Value::Object(responses)) = op.get_mut("responses") else {
        return;
    };
    // The surface's error schema, for statuses its response type does not list (413).
    let error_content = responses
        .iter()
        .find(|(s, _)| s.starts_with('4'))
        .and_then(|(_, r)| r.get("content").cloned());
    let mut finished = Map::new();
    for (status, response) in responses.iter() {
        let code: u16 = status.parse().unwrap_or(0);
        if code >= 400 {
            continue;
        }
        let mut response = response.clone();
        if response["description"].as_str().unwrap_or("").is_empty() {
            response["description"] = json!(format!("Done: {}.", lower_first(&summary)));
        }
        finished.insert(status.clone(), response);
    }
    wanted.sort_by_key(|(s, _)| *s);
    for (status, text) in wanted {
        let mut response = responses
            .get(&status.to_string())
            .cloned()
            .unwrap_or_else(|| json!({}));
        response["description"] = json!(text);
        if status == 429 {
            response["headers"] = json!({
                "Retry-After": {
                    "description": "Seconds to wait before retrying (at least 1).",
                    "schema": {"type": "integer", "minimum": 1}
                }
            });
        }
        if response.get("content").is_none() {
            if let Some(content) = &error_content {
                response["content"] = content.clone();
            }
        }
        finished.insert(status.to_string(), response);
    }
    *responses = finished;
    fix_parameters(op, schemas);
}

/// Enum parameters are plain references too.
fn fix_parameters(op: &mut Value, schemas: &Value) {
    let Some(Value::Array(params)) = op.get_mut("parameters") else {
        return;
    };
    for p in params {
        if let Some(schema) = p.get("schema") {
            p["schema"] = property(schema, false, schemas);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> Value {
        json!({
            "Status": {"type": "string", "enum": ["active", "inactive"]},
            "Thing": {"type": "object", "properties": {}}
        })
    }

    #[test]
    fn optional_properties_become_nullable_and_enums_lose_all_of() {
        let mut schema = json!({
            "type": "object",
            "required": ["a", "s"],
            "properties": {
                "a": {"type": "string"},
                "b": {"type": "string", "format": "date-time"},
                "s": {"allOf": [{"$ref": "#/components/schemas/Status"}, {"description": "d"}]},
                "t": {"allOf": [{"$ref": "#/components/schemas/Status"}, {"description": "d"}]},
                "o": {"$ref": "#/components/schemas/Thing"}
            }
        });
        nullable_optional_properties(&mut schema, &schemas());
        let p = &schema["properties"];
        assert!(p["a"].get("nullable").is_none());
        assert_eq!(p["b"]["nullable"], true);
        assert_eq!(p["s"], json!({"$ref": "#/components/schemas/Status"}));
        assert_eq!(p["t"]["enum"], json!(["active", "inactive", null]));
        assert_eq!(p["t"]["nullable"], true);
        assert_eq!(
            p["o"],
            json!({"allOf": [{"$ref": "#/components/schemas/Thing"}], "nullable": true})
        );
    }

    #[test]
    fn operations_keep_only_their_errors() {
        let mut op = json!({
            "operationId": "getReferralCodeRecord",
            "summary": "Get one",
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": ""},
                "404": {"description": "generic", "content": {"application/json": {}}},
                "409": {"description": "generic", "content": {"application/json": {}}},
                "422": {"description": "generic", "content": {"application/json": {}}}
            }
        });
        finish_operation(&mut op, &schemas(), "/api/v1/things");
        let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "400", "401", "403", "404", "429", "500"]);
        assert_eq!(op["responses"]["200"]["description"], "Done: get one.");
        assert!(op["responses"]["404"]["description"]
            .as_str()
            .unwrap()
            .contains("referral code record"));
        assert!(op["responses"]["401"].get("content").is_some());
    }
}

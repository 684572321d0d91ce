//! Naming the field at fault. poem-openapi reports payload errors without naming the property;
//! clients deserve a 400 that names the field. When a body fails to parse, `diagnose` walks the
//! request schema (taken from the served spec) against the raw body and finds the first property
//! at fault, checking what the edge types (`api::wire`) declare: type, enum, format, length,
//! pattern (control characters) and integer range.
use serde_json::Value;

use super::wire::{kind, text_problem, TEXT_PATTERN};
use crate::domain::values::Email;

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let reference = schema.get("$ref").or_else(|| {
        schema
            .get("allOf")
            .and_then(|a| a.get(0))
            .and_then(|first| first.get("$ref"))
    });
    match reference
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => spec
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or(schema),
        None => schema,
    }
}

fn check_value(
    spec: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
) -> Option<(String, String)> {
    let schema = resolve(spec, schema);
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let wrong = |expected: &str| {
        Some((
            path.to_string(),
            format!("expected {expected}, found {}", kind(value)),
        ))
    };
    match ty {
        "string" => {
            let Value::String(s) = value else {
                return wrong("a string");
            };
            if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                if !allowed.iter().any(|a| a.as_str() == Some(s)) {
                    let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    return Some((
                        path.to_string(),
                        format!("must be one of {}, found `{s}`", names.join(", ")),
                    ));
                }
            }
            let format = schema.get("format").and_then(Value::as_str);
            if format == Some("date-time") && chrono::DateTime::parse_from_rfc3339(s).is_err() {
                return Some((
                    path.to_string(),
                    format!("must be an RFC 3339 date-time, found `{s}`"),
                ));
            }
            if format == Some("uri") {
                if let Err(problem) = super::wire::WebUrl::parse(s.to_string()) {
                    return Some((path.to_string(), problem));
                }
            }
            if format == Some("email") {
                if let Err(problem) = Email::parse(s) {
                    return Some((path.to_string(), problem));
                }
            }
            let max = schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .map_or(usize::MAX, |m| m as usize);
            let multiline = schema.get("pattern").and_then(Value::as_str) == Some(TEXT_PATTERN);
            text_problem(s, max, multiline).map(|problem| (path.to_string(), problem))
        }
        "integer" => {
            let Some(n) = value.as_i64() else {
                return wrong("an integer");
            };
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            let outside =
                min.is_some_and(|m| (n as f64) < m) || max.is_some_and(|m| (n as f64) > m);
            outside.then(|| {
                (
                    path.to_string(),
                    format!(
                        "must be between {} and {}, found {n}",
                        min.unwrap_or(i64::MIN as f64),
                        max.unwrap_or(i64::MAX as f64)
                    ),
                )
            })
        }
        "number" if !value.is_number() => wrong("a number"),
        "boolean" if !value.is_boolean() => wrong("true or false"),
        "array" => {
            let Value::Array(items) = value else {
                return wrong("an array");
            };
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| check_value(spec, item_schema, item, &format!("{path}[{i}]")))
        }
        "object" if schema.get("properties").is_some() => check_object(spec, schema, value, path),
        _ => None,
    }
}

fn check_object(
    spec: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
) -> Option<(String, String)> {
    let Value::Object(obj) = value else {
        let at = if path.is_empty() { "body" } else { path };
        return Some((
            at.to_string(),
            format!("expected an object, found {}", kind(value)),
        ));
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object)?;
    for (name, prop_schema) in props {
        let field = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        match obj.get(name) {
            None | Some(Value::Null) if required.contains(&name.as_str()) => {
                return Some((field, "is required".into()));
            }
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Some(problem) = check_value(spec, prop_schema, v, &field) {
                    return Some(problem);
                }
            }
        }
    }
    None
}

/// The schema name poem-openapi mentions in a payload error.
pub fn schema_name_in(message: &str) -> Option<&str> {
    let marker = message
        .rfind("while parsing \"")
        .map(|i| i + "while parsing \"".len())
        .or_else(|| {
            message
                .find("Expected input type \"")
                .map(|i| i + "Expected input type \"".len())
        })?;
    let rest = &message[marker..];
    Some(&rest[..rest.find('"')?])
}

/// The first property of `body` that does not fit the named schema, with what is wrong.
pub fn diagnose(spec: &Value, schema_name: &str, body: &[u8]) -> Option<(String, String)> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Some(("body".into(), format!("is not valid JSON: {e}"))),
    };
    let schema = spec.pointer(&format!("/components/schemas/{schema_name}"))?;
    check_object(spec, schema, &value, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({"components": {"schemas": {
            "Req": {"type": "object", "required": ["name", "status"], "properties": {
                "name": {"type": "string"},
                "status": {"$ref": "#/components/schemas/Status"},
                "at": {"type": "string", "format": "date-time"},
                "n": {"type": "integer"}
            }},
            "Status": {"type": "string", "enum": ["active", "inactive"]}
        }}})
    }

    #[test]
    fn names_a_missing_required_field() {
        let got = diagnose(&spec(), "Req", br#"{"status": "active"}"#).unwrap();
        assert_eq!(got, ("name".into(), "is required".into()));
    }

    #[test]
    fn names_a_field_of_the_wrong_type_or_value() {
        assert_eq!(
            diagnose(&spec(), "Req", br#"{"name": 5, "status": "active"}"#)
                .unwrap()
                .0,
            "name"
        );
        let (field, msg) = diagnose(&spec(), "Req", br#"{"name": "a", "status": "nah"}"#).unwrap();
        assert_eq!(field, "status");
        assert!(msg.contains("active, inactive"), "{msg}");
        assert_eq!(
            diagnose(
                &spec(),
                "Req",
                br#"{"name": "a", "status": "active", "at": "yesterday"}"#
            )
            .unwrap()
            .0,
            "at"
        );
        assert_eq!(
            diagnose(
                &spec(),
                "Req",
                br#"{"name": "a", "status": "active", "n": "1"}"#
            )
            .unwrap()
            .0,
            "n"
        );
    }

    #[test]
    fn reports_bodies_that_are_not_json_or_not_objects() {
        assert_eq!(diagnose(&spec(), "Req", b"{oops").unwrap().0, "body");
        assert_eq!(diagnose(&spec(), "Req", b"[1]").unwrap().0, "body");
        assert!(diagnose(&spec(), "Req", br#"{"name": "a", "status": "active"}"#).is_none());
    }

    #[test]
    fn finds_the_schema_name_in_poem_messages() {
        let m = r#"parse request payload error: Expected input type "string", found null. (occurred while parsing "CreateReferralCodeRecord")"#;
        assert_eq!(schema_name_in(m), Some("CreateReferralCodeRecord"));
        assert_eq!(
            schema_name_in(r#"parse request payload error: Expected input type "Req", found 1."#),
            Some("Req")
        );
    }
}

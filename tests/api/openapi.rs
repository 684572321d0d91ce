//! The committed spec matches what the server serves, every operation is documented with only
//! the errors it can answer, optional fields are nullable, enums are plain references, and
//! every operation has an authorization rule.

use serde_json::Value;
use vouch::api::errors_table::{errors_of, OPERATION_ERRORS};
use vouch::authz::{access_for, OPERATIONS};
use vouch::config::Config;
use vouch::store::{Db, DbOptions};

const REGENERATE: &str = "cargo run -q -- openapi > openapi/openapi.json";

async fn spec_for(base: &str) -> Value {
    let db = Db::connect("sqlite::memory:", DbOptions::default())
        .await
        .unwrap();
    let state = vouch::build_state(&Config::default(), db, base.into())
        .await
        .unwrap();
    serde_json::from_str(&vouch::api::spec_json(state)).unwrap()
}

async fn generated_spec() -> Value {
    spec_for("http://127.0.0.1:8080").await
}

fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((
                format!("{} {path}", method.to_uppercase()),
                op["operationId"].as_str().unwrap_or("").to_string(),
                op,
            ));
        }
    }
    ops
}

#[tokio::test]
async fn committed_rust_client_spec_is_the_spec_without_multipart_operations() {
    let committed: Value =
        serde_json::from_str(include_str!("../../openapi/openapi.rust-client.json")).unwrap();
    let generated = vouch::api::spec::without_multipart(&generated_spec().await);
    assert!(
        committed == generated,
        "openapi/openapi.rust-client.json is out of date; regenerate it: cargo run -q -- openapi \
         --rust-client > openapi/openapi.rust-client.json"
    );
    assert!(generated["paths"].get("/api/v1/employees/upload").is_none());
    assert!(generated["paths"].get("/api/bpm/cmd").is_some());
}

#[tokio::test]
async fn committed_spec_matches_the_served_spec() {
    let generated = generated_spec().await;
    let committed: Value = serde_json::from_str(include_str!("../../openapi/openapi.json"))
        .unwrap_or_else(|e| {
            panic!("openapi/openapi.json is not valid JSON ({e}); regenerate it: {REGENERATE}")
        });
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it: {REGENERATE}"
    );

    let app = crate::common::TestApp::sqlite().await;
    let served: Value = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["servers"][0]["url"], app.base.as_str());
    assert!(
        served == spec_for(&app.base).await,
        "the server serves a different spec than `vouch openapi` prints"
    );
    let docs = app
        .client
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status().as_u16(), 200);
}

#[tokio::test]
async fn every_operation_has_an_id_a_tag_a_summary_and_its_errors() {
    let spec = generated_spec().await;
    for (name, id, op) in operations(&spec) {
        assert!(!id.is_empty(), "{name} has no operationId");
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name} has no tag"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{name} has no summary"
        );
        assert!(
            op["description"].as_str().is_some_and(|s| !s.is_empty()),
            "{name} has no description"
        );
        let responses = op["responses"].as_object().unwrap();
        for (status, response) in responses {
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{name}: response {status} has no description"
            );
        }
        let documents = |code: &str| responses.contains_key(code);
        let errors = errors_of(&id).unwrap_or_else(|| panic!("{name}: not in OPERATION_ERRORS"));
        let func_surface = op["tags"][0] == "FuncCalls";
        if func_surface {
            assert!(
                responses.keys().all(|s| s == "200"),
                "{name}: the func surface answers 200 only"
            );
            continue;
        }
        match op.get("security").and_then(Value::as_array) {
            Some(s) if s.is_empty() => assert!(!documents("401"), "{name} is public"),
            Some(_) => {
                for code in ["401", "403", "500"] {
                    assert!(documents(code), "{name} does not document {code}");
                }
            }
            None => panic!("{name} declares no security (public ones declare `[]`)"),
        }
        // A path parameter names a row, which may not exist (404); `eventName` names one of a
        // closed set of events instead, and another name is bad input (400).
        let has_path_param = op["parameters"].as_array().is_some_and(|p| {
            p.iter()
                .any(|p| p["in"] == "path" && p["name"] != "eventName")
        });
        if has_path_param {
            assert!(documents("404"), "{name} takes an id but documents no 404");
        }
        let has_input = op.get("requestBody").is_some() || op.get("parameters").is_some();
        assert_eq!(
            documents("400"),
            has_input,
            "{name}: 400 iff it takes input"
        );
        assert_eq!(
            documents("422"),
            errors.iter().any(|(s, _)| *s == 422),
            "{name}: 422 only where a script compiles"
        );
    }
    for (id, _) in OPERATION_ERRORS {
        assert!(
            ids_of(&spec).iter().any(|i| i == id),
            "OPERATION_ERRORS lists `{id}`, which is not in the spec"
        );
    }
}

fn ids_of(spec: &Value) -> Vec<String> {
    operations(spec).into_iter().map(|(_, id, _)| id).collect()
}

#[tokio::test]
async fn optional_fields_are_nullable_and_enums_are_plain_references() {
    let spec = generated_spec().await;
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let is_enum = |r: &str| {
        r.strip_prefix("#/components/schemas/")
            .and_then(|n| schemas.get(n))
            .is_some_and(|s| s.get("enum").is_some())
    };
    for (name, schema) in schemas {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(parts) = prop["allOf"].as_array() {
                let r = parts[0]["$ref"].as_str().unwrap_or_default();
                assert!(!is_enum(r), "{name}.{field}: an enum wrapped in allOf");
            }
            let typed = prop.get("type").is_some() || prop.get("allOf").is_some();
            if !required.contains(&field.as_str()) && typed {
                assert_eq!(prop["nullable"], true, "{name}.{field} can be null");
            }
        }
    }
    assert_eq!(spec["info"]["license"]["name"], "MIT");
    assert!(spec["info"]["contact"].is_object());
    assert_eq!(
        spec["paths"]["/healthz"]["get"]["security"],
        serde_json::json!([])
    );
    let page = &spec["paths"]["/api/v1/referral-code-records"]["get"]["parameters"][0];
    assert_eq!(page["name"], "page");
    assert_eq!(page["schema"]["minimum"], 1.0);
    assert!(page["schema"]["maximum"].as_f64().is_some());
}

#[tokio::test]
async fn every_operation_maps_to_an_authorization_rule_and_no_rule_is_stale() {
    let spec = generated_spec().await;
    let ids = ids_of(&spec);
    for id in &ids {
        assert!(
            access_for(id).is_some(),
            "operation `{id}` has no entry in authz::operations::OPERATIONS"
        );
    }
    for (id, _) in OPERATIONS {
        assert!(
            ids.iter().any(|i| i == id),
            "authz maps `{id}`, which is not in the spec"
        );
    }
}

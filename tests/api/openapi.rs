//! The committed spec matches what the server serves, every operation is documented, and every
//! operation has an authorization rule.

use serde_json::Value;
use vouch::authz::{access_for, OPERATIONS};
use vouch::config::Config;
use vouch::store::{Db, DbOptions};

const REGENERATE: &str = "cargo run -q -- openapi > openapi/openapi.json";

async fn generated_spec() -> Value {
    let db = Db::connect("sqlite::memory:", DbOptions::default())
        .await
        .unwrap();
    let state = vouch::build_state(&Config::default(), db, "http://127.0.0.1:8080".into())
        .await
        .unwrap();
    serde_json::from_str(&vouch::api::spec_json(state)).unwrap()
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
    assert!(
        served == generated,
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
        let responses = op["responses"].as_object().unwrap();
        if op["tags"][0] == "FuncCalls" {
            // 002 answers every error as a document with HTTP 200, as BILLmanager does.
            let codes: Vec<&String> = responses.keys().collect();
            assert_eq!(codes, ["200"], "{name} answers only 200");
        } else if op.get("security").is_some() {
            for code in ["400", "401", "403", "404", "500"] {
                assert!(
                    responses.contains_key(code),
                    "{name} does not document {code}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_operation_maps_to_an_authorization_rule_and_no_rule_is_stale() {
    let spec = generated_spec().await;
    let ids: Vec<String> = operations(&spec).into_iter().map(|(_, id, _)| id).collect();
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

//! Orgs (platform admin), API keys, authentication and the event log.

use crate::common::{assert_bad_field, assert_error, ADMIN_KEY};
use serde_json::json;

db_test!(
    async fn create_org_returns_201_with_an_owner_key_that_works(app) {
        let (s, body) = app.post("/api/v1/orgs", ADMIN_KEY, json!({"name": "Acme"})).await;
        assert_eq!(s, 201, "{body}");
        assert!(body["id"].as_str().unwrap().starts_with("org_"));
        assert_eq!(body["name"], "Acme");
        let key = body["owner_key"].as_str().unwrap();
        assert!(key.starts_with("vk_"));
        let (s, keys) = app.get("/api/v1/api-keys", key).await;
        assert_eq!(s, 200, "{keys}");
        assert_eq!(keys["data"][0]["role"], "owner");
        assert!(keys["data"][0].get("key").is_none(), "secrets are never listed: {keys}");
        assert!(!keys.to_string().contains(key));
    }
);

db_test!(
    async fn create_org_returns_400_for_bad_names(app) {
        let (s, b) = app.post("/api/v1/orgs", ADMIN_KEY, json!({})).await;
        assert_bad_field(s, &b, "name");
        let (s, b) = app.post("/api/v1/orgs", ADMIN_KEY, json!({"name": "  "})).await;
        assert_bad_field(s, &b, "name");
        let (s, b) = app.post("/api/v1/orgs", ADMIN_KEY, json!({"name": 7})).await;
        assert_bad_field(s, &b, "name");
    }
);

db_test!(
    async fn orgs_are_listed_read_and_disabled_by_the_admin_only(app) {
        let org = app.new_org("Acme").await;
        let (s, list) = app.get("/api/v1/orgs", ADMIN_KEY).await;
        assert_eq!((s, &list["pagination"]["total"]), (200, &json!(1)));
        let (s, got) = app.get(&format!("/api/v1/orgs/{}", org.id), ADMIN_KEY).await;
        assert_eq!((s, got["name"].as_str()), (200, Some("Acme")));
        let (s, b) = app.get("/api/v1/orgs/org_doesnotexist", ADMIN_KEY).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get("/api/v1/orgs/nope", ADMIN_KEY).await;
        assert_bad_field(s, &b, "id");
        let (s, b) = app.get("/api/v1/orgs?limit=1000", ADMIN_KEY).await;
        assert_bad_field(s, &b, "limit");
        // A tenant key may not manage orgs, not even its own.
        let (s, b) = app.get("/api/v1/orgs", &org.owner_key).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.post(&format!("/api/v1/orgs/{}/disable", org.id), &org.owner_key, json!({})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.get("/api/v1/orgs", "vk_wrong").await;
        assert_error(s, &b, 401, "unauthorized");
    }
);

db_test!(
    async fn a_disabled_orgs_keys_stop_working_until_it_is_enabled(app) {
        let org = app.new_org("Acme").await;
        let other = app.new_org("Other").await;
        let (s, body) = app.post(&format!("/api/v1/orgs/{}/disable", org.id), ADMIN_KEY, json!({})).await;
        assert_eq!(s, 200);
        assert!(body["disabled_at"].is_string());
        let (s, b) = app.get("/api/v1/referral-code-records", &org.owner_key).await;
        assert_error(s, &b, 401, "unauthorized");
        assert_eq!(app.get("/api/v1/referral-code-records", &other.owner_key).await.0, 200);
        app.post(&format!("/api/v1/orgs/{}/enable", org.id), ADMIN_KEY, json!({})).await;
        assert_eq!(app.get("/api/v1/referral-code-records", &org.owner_key).await.0, 200);
    }
);

db_test!(
    async fn the_admin_key_manages_orgs_and_nothing_inside_them(app) {
        let (s, b) = app.get("/api/v1/referral-code-records", ADMIN_KEY).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.post("/api/v1/api-keys", ADMIN_KEY, json!({"name": "x", "role": "owner"})).await;
        assert_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn create_key_returns_201_once_with_the_secret_and_roles_apply(app) {
        let org = app.new_org("Acme").await;
        let (s, body) = app.post("/api/v1/api-keys", &org.owner_key, json!({"name": "ci", "role": "developer"})).await;
        assert_eq!(s, 201, "{body}");
        assert!(body["id"].as_str().unwrap().starts_with("key_"));
        assert_eq!(body["role"], "developer");
        let dev = body["key"].as_str().unwrap();
        assert_eq!(app.post("/api/v1/referral-code-records", dev, json!({"mentor_id": "m"})).await.0, 201);
        let (s, b) = app.get("/api/v1/api-keys", dev).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.post("/api/v1/api-keys", dev, json!({"name": "x", "role": "analyst"})).await;
        assert_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn create_key_returns_400_for_bad_input(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = app.post("/api/v1/api-keys", k, json!({"name": "x", "role": "root"})).await;
        assert_bad_field(s, &b, "role");
        let (s, b) = app.post("/api/v1/api-keys", k, json!({"role": "analyst"})).await;
        assert_bad_field(s, &b, "name");
        let (s, b) = app.post("/api/v1/api-keys", k, json!({"name": "x", "role": 3})).await;
        assert_bad_field(s, &b, "role");
    }
);

db_test!(
    async fn an_admin_key_cannot_mint_or_revoke_owner_keys(app) {
        let org = app.new_org("Acme").await;
        let admin = app.key(&org, "admin").await;
        let (s, b) = app.post("/api/v1/api-keys", &admin, json!({"name": "x", "role": "owner"})).await;
        assert_error(s, &b, 403, "forbidden");
        assert_eq!(app.post("/api/v1/api-keys", &admin, json!({"name": "x", "role": "analyst"})).await.0, 201);
        let (s, b) = app.delete(&format!("/api/v1/api-keys/{}", org.owner_key_id), &admin).await;
        assert_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn revoked_keys_stop_working_and_the_last_owner_key_stays(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = app.key_with_id(&org, "analyst").await;
        assert_eq!(app.get("/api/v1/referral-code-records", &key).await.0, 200);
        let (s, body) = app.delete(&format!("/api/v1/api-keys/{id}"), &org.owner_key).await;
        assert_eq!(s, 200);
        assert!(body["revoked_at"].is_string());
        let (s, b) = app.get("/api/v1/referral-code-records", &key).await;
        assert_error(s, &b, 401, "unauthorized");
        let (s, b) = app.delete(&format!("/api/v1/api-keys/{}", org.owner_key_id), &org.owner_key).await;
        assert_error(s, &b, 409, "conflict");
        let (s, b) = app.delete("/api/v1/api-keys/key_doesnotexist", &org.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.delete("/api/v1/api-keys/oops", &org.owner_key).await;
        assert_bad_field(s, &b, "id");
        let other = app.new_org("Other").await;
        let (s, b) = app.delete(&format!("/api/v1/api-keys/{}", org.owner_key_id), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn keys_record_when_they_were_last_used(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = app.key_with_id(&org, "analyst").await;
        let used_at = |list: &serde_json::Value| {
            list["data"].as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).unwrap()["last_used_at"].clone()
        };
        let (_, before) = app.get("/api/v1/api-keys", &org.owner_key).await;
        assert!(used_at(&before).is_null(), "a new key was never used: {before}");
        app.get("/api/v1/referral-code-records", &key).await;
        let (_, after) = app.get("/api/v1/api-keys", &org.owner_key).await;
        assert!(used_at(&after).is_string(), "{after}");
    }
);

db_test!(
    async fn events_list_newest_first_filtered_and_scoped_to_the_org(app) {
        let org = app.new_org("Acme").await;
        let other = app.new_org("Other").await;
        app.key(&org, "analyst").await;
        let (s, all) = app.get("/api/v1/events", &org.owner_key).await;
        assert_eq!(s, 200);
        let types: Vec<&str> = all["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["ApiKeyAdd", "ApiKeyAdd", "OrgAdd"]);
        let (_, keys) = app.get("/api/v1/events?type=ApiKeyAdd&limit=1", &org.owner_key).await;
        assert_eq!(keys["pagination"], json!({"page": 1, "limit": 1, "total": 2}));
        let (_, theirs) = app.get("/api/v1/events", &other.owner_key).await;
        assert_eq!(theirs["pagination"]["total"], 2);
        let (s, b) = app.get("/api/v1/events?type=bad%20type", &org.owner_key).await;
        assert_bad_field(s, &b, "type");
        let (s, b) = app.get("/api/v1/events?page=0", &org.owner_key).await;
        assert_bad_field(s, &b, "page");
        let analyst = app.key(&org, "analyst").await;
        assert_eq!(app.get("/api/v1/events", &analyst).await.0, 200);
    }
);

db_test!(
    async fn health_and_readiness_answer_without_a_key(app) {
        let (s, b) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
        assert_eq!((s, &b["status"]), (200, &json!("ok")));
        let (s, b) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
        assert_eq!((s, &b["status"]), (200, &json!("ok")));
        let (s, b) = app.call(reqwest::Method::GET, "/api/v1/nothing-here", None, None).await;
        assert_error(s, &b, 404, "not_found");
        let resp = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert!(resp.headers().get("x-request-id").is_some());
    }
);

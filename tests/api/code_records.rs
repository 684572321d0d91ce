//! The referral code records surface (seed 004), on SQLite and PostgreSQL.

use crate::common::{assert_bad_field, assert_error, Org, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const BASE: &str = "/api/v1/referral-code-records";

async fn org_with_code(app: &TestApp) -> (Org, Value) {
    let org = app.new_org("Acme").await;
    let rec = app
        .code(
            &org.owner_key,
            json!({"mentor_id": "usr_4491", "org_id": org.id, "code": "JAN-VERV-8F3A"}),
        )
        .await;
    (org, rec)
}

db_test!(
    async fn create_returns_201_with_the_seed_shape(app) {
        let (org, rec) = org_with_code(&app).await;
        let obj = rec.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["code", "created_at", "deactivated_at", "id", "mentor_id", "org_id", "status"]);
        assert!(rec["id"].as_str().unwrap().starts_with("rc_"));
        assert_eq!(rec["mentor_id"], "usr_4491");
        assert_eq!(rec["org_id"], org.id.as_str());
        assert_eq!(rec["code"], "JAN-VERV-8F3A");
        assert_eq!(rec["status"], "active");
        assert_eq!(rec["deactivated_at"], Value::Null);
        assert!(chrono::DateTime::parse_from_rfc3339(rec["created_at"].as_str().unwrap()).is_ok());
    }
);

db_test!(
    async fn create_generates_a_readable_code_when_none_is_given(app) {
        let org = app.new_org("Acme").await;
        let rec = app.code(&org.owner_key, json!({"mentor_id": "u-1", "first_name": "Jane", "last_name": "Verver"})).await;
        let code = rec["code"].as_str().unwrap();
        assert!(code.starts_with("JANE-VERV-"), "{code}");
        assert!(!code["JANE-VERV-".len()..].contains(['0', 'O', '1', 'I', 'L']), "{code}");
        let rec = app.code(&org.owner_key, json!({"mentor_id": "u-2"})).await;
        assert!(rec["code"].as_str().unwrap().starts_with("REF-"), "{rec}");
    }
);

db_test!(
    async fn create_returns_409_naming_the_active_code_when_the_mentor_has_one(app) {
        let (org, rec) = org_with_code(&app).await;
        let (status, body) = app.post(BASE, &org.owner_key, json!({"mentor_id": "usr_4491"})).await;
        assert_error(status, &body, 409, "conflict");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("JAN-VERV-8F3A") && message.contains(rec["id"].as_str().unwrap()), "{message}");
    }
);

db_test!(
    async fn create_returns_409_when_the_code_is_taken_in_any_case_and_any_org(app) {
        let (org, _) = org_with_code(&app).await;
        let (status, body) = app.post(BASE, &org.owner_key, json!({"mentor_id": "other", "code": "jan-verv-8f3a"})).await;
        assert_error(status, &body, 409, "conflict");
        let other = app.new_org("Other").await;
        let (status, body) = app.post(BASE, &other.owner_key, json!({"mentor_id": "x", "code": "Jan-Verv-8F3A"})).await;
        assert_error(status, &body, 409, "conflict");
    }
);

db_test!(
    async fn create_returns_400_naming_the_field_for_bad_input(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = app.post(BASE, k, json!({"code": "ABCD"})).await;
        assert_bad_field(s, &b, "mentor_id");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": 5})).await;
        assert_bad_field(s, &b, "mentor_id");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "  "})).await;
        assert_bad_field(s, &b, "mentor_id");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "m", "code": "BAD CODE"})).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "m", "code": "AB_CD"})).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "m", "code": "ABC"})).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "m", "code": "A".repeat(33)})).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.post(BASE, k, json!({"mentor_id": "m", "code": 1234})).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.send_raw(Method::POST, BASE, k, "{not json").await;
        assert_bad_field(s, &b, "body");
        let (s, b) = app.send_raw(Method::POST, BASE, k, "[1, 2]").await;
        assert_bad_field(s, &b, "body");
        // Nothing was half-written.
        let (_, list) = app.get(BASE, k).await;
        assert_eq!(list["pagination"]["total"], 0);
    }
);

db_test!(
    async fn create_refuses_an_org_id_that_is_not_the_keys_org(app) {
        let org = app.new_org("Acme").await;
        let other = app.new_org("Other").await;
        let (s, b) = app.post(BASE, &org.owner_key, json!({"mentor_id": "m", "org_id": other.id})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.post(BASE, &org.owner_key, json!({"mentor_id": "m", "org_id": "org_002"})).await;
        assert_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn create_returns_404_for_an_unknown_member_id_as_mentor(app) {
        let org = app.new_org("Acme").await;
        let (s, b) = app.post(BASE, &org.owner_key, json!({"mentor_id": "mem_doesnotexist"})).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn twenty_parallel_creates_leave_exactly_one_active_code(app) {
        let org = app.new_org("Acme").await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (app, key) = (app.clone(), org.owner_key.clone());
            tasks.push(tokio::spawn(async move { app.post(BASE, &key, json!({"mentor_id": "racer"})).await }));
        }
        let mut created = 0;
        let mut conflicts = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                201 => created += 1,
                409 => {
                    assert_eq!(body["error"]["code"], "conflict");
                    conflicts += 1
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!((created, conflicts), (1, 19));
        let (_, list) = app.get(&format!("{BASE}?mentor_id=racer&status=active"), &org.owner_key).await;
        assert_eq!(list["pagination"]["total"], 1);
        let (_, all) = app.get(&format!("{BASE}?mentor_id=racer"), &org.owner_key).await;
        assert_eq!(all["pagination"]["total"], 1, "no inactive leftovers either: {all}");
    }
);

db_test!(
    async fn get_returns_the_record_and_404_for_unknown_or_foreign_ids(app) {
        let (org, rec) = org_with_code(&app).await;
        let id = rec["id"].as_str().unwrap();
        let (s, got) = app.get(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_eq!((s, &got), (200, &rec));
        let (s, b) = app.get(&format!("{BASE}/rc_doesnotexist"), &org.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("{BASE}/{id}"), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("{BASE}/not-an-id!"), &org.owner_key).await;
        assert_bad_field(s, &b, "id");
    }
);

db_test!(
    async fn list_pages_newest_first_and_filters(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let mut ids = Vec::new();
        for m in ["a", "b", "c"] {
            ids.push(app.code(k, json!({"mentor_id": m})).await["id"].as_str().unwrap().to_string());
        }
        let other = app.new_org("Other").await;
        app.code(&other.owner_key, json!({"mentor_id": "a"})).await;

        let (s, page1) = app.get(&format!("{BASE}?page=1&limit=2"), k).await;
        assert_eq!(s, 200);
        assert_eq!(page1["pagination"], json!({"page": 1, "limit": 2, "total": 3}));
        let got: Vec<&str> = page1["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
        let (_, page2) = app.get(&format!("{BASE}?page=2&limit=2"), k).await;
        assert_eq!(page2["data"][0]["id"], ids[0].as_str());
        assert_eq!(page2["pagination"]["total"], 3, "the last page knows the total too");
        let (_, past) = app.get(&format!("{BASE}?page=5&limit=2"), k).await;
        assert_eq!(past["data"], json!([]));
        assert_eq!(past["pagination"]["total"], 3, "a page past the end still counts");
        let (_, default) = app.get(BASE, k).await;
        assert_eq!(default["pagination"]["limit"], 20);
        let (_, by_mentor) = app.get(&format!("{BASE}?mentor_id=b"), k).await;
        assert_eq!(by_mentor["pagination"]["total"], 1);
        let (_, none) = app.get(&format!("{BASE}?mentor_id=nobody"), k).await;
        assert_eq!(none["pagination"]["total"], 0);
        let (_, inactive) = app.get(&format!("{BASE}?status=inactive"), k).await;
        assert_eq!(inactive["pagination"]["total"], 0);
    }
);

db_test!(
    async fn list_refuses_out_of_range_paging_instead_of_clamping(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = app.get(&format!("{BASE}?page=0"), k).await;
        assert_bad_field(s, &b, "page");
        let (s, b) = app.get(&format!("{BASE}?limit=1000"), k).await;
        assert_bad_field(s, &b, "limit");
        let (s, b) = app.get(&format!("{BASE}?limit=0"), k).await;
        assert_bad_field(s, &b, "limit");
        let (s, b) = app.get(&format!("{BASE}?limit=abc"), k).await;
        assert_bad_field(s, &b, "limit");
        let (s, b) = app.get(&format!("{BASE}?status=paused"), k).await;
        assert_bad_field(s, &b, "status");
    }
);

db_test!(
    async fn put_deactivates_and_reactivates_only_without_another_active_code(app) {
        let (org, first) = org_with_code(&app).await;
        let k = &org.owner_key;
        let first_id = first["id"].as_str().unwrap();
        let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (s, off) = app.put(&format!("{BASE}/{first_id}"), k, json!({"status": "inactive", "deactivated_at": at})).await;
        assert_eq!(s, 200, "{off}");
        assert_eq!(off["status"], "inactive");
        let off_at = chrono::DateTime::parse_from_rfc3339(off["deactivated_at"].as_str().unwrap()).unwrap();
        assert_eq!(off_at, chrono::DateTime::parse_from_rfc3339(&at).unwrap());
        // Repeating the deactivation keeps the first time.
        let (s, again) = app.put(&format!("{BASE}/{first_id}"), k, json!({"status": "inactive"})).await;
        assert_eq!((s, &again["deactivated_at"]), (200, &off["deactivated_at"]));

        let second = app.code(k, json!({"mentor_id": "usr_4491"})).await;
        let (s, b) = app.put(&format!("{BASE}/{first_id}"), k, json!({"status": "active"})).await;
        assert_error(s, &b, 409, "conflict");
        assert!(b["error"]["message"].as_str().unwrap().contains(second["code"].as_str().unwrap()), "{b}");

        let second_id = second["id"].as_str().unwrap();
        let (s, _) = app.put(&format!("{BASE}/{second_id}"), k, json!({"status": "inactive"})).await;
        assert_eq!(s, 200);
        let (s, on) = app.put(&format!("{BASE}/{first_id}"), k, json!({"status": "active", "deactivated_at": null})).await;
        assert_eq!(s, 200, "{on}");
        assert_eq!((on["status"].as_str(), &on["deactivated_at"]), (Some("active"), &Value::Null));
    }
);

db_test!(
    async fn put_returns_400_for_bad_input(app) {
        let (org, rec) = org_with_code(&app).await;
        let path = format!("{BASE}/{}", rec["id"].as_str().unwrap());
        let k = &org.owner_key;
        let (s, b) = app.put(&path, k, json!({"deactivated_at": "2026-03-26T12:00:00Z"})).await;
        assert_bad_field(s, &b, "status");
        let (s, b) = app.put(&path, k, json!({"status": "paused"})).await;
        assert_bad_field(s, &b, "status");
        let (s, b) = app.put(&path, k, json!({"status": "inactive", "deactivated_at": "yesterday"})).await;
        assert_bad_field(s, &b, "deactivated_at");
        let (s, b) = app.put(&path, k, json!({"status": "inactive", "deactivated_at": "2999-01-01T00:00:00Z"})).await;
        assert_bad_field(s, &b, "deactivated_at");
        let (s, b) = app.put(&path, k, json!({"status": "inactive", "deactivated_at": "2000-01-01T00:00:00Z"})).await;
        assert_bad_field(s, &b, "deactivated_at");
        let (s, b) = app.put(&format!("{BASE}/bad id"), k, json!({"status": "inactive"})).await;
        assert_bad_field(s, &b, "id");
        let (_, still) = app.get(&path, k).await;
        assert_eq!(still["status"], "active");
    }
);

db_test!(
    async fn put_and_delete_answer_404_for_another_orgs_record(app) {
        let (_, rec) = org_with_code(&app).await;
        let other = app.new_org("Other").await;
        let path = format!("{BASE}/{}", rec["id"].as_str().unwrap());
        let (s, b) = app.put(&path, &other.owner_key, json!({"status": "inactive"})).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.delete(&path, &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn delete_removes_a_code_without_referrals(app) {
        let (org, rec) = org_with_code(&app).await;
        let id = rec["id"].as_str().unwrap();
        let (s, body) = app.delete(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["id"], id);
        assert_eq!(body["deleted"], true);
        assert!(chrono::DateTime::parse_from_rfc3339(body["deleted_at"].as_str().unwrap()).is_ok());
        let (s, b) = app.get(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.delete(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn delete_returns_409_when_referrals_are_attributed(app) {
        use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
        let (org, rec) = org_with_code(&app).await;
        let id = rec["id"].as_str().unwrap();
        // Referrals arrive through a later surface; insert one the way it will.
        let code = entities::referral_code::Entity::find()
            .filter(entities::referral_code::Column::PublicId.eq(id))
            .one(app.db.raw())
            .await
            .unwrap()
            .unwrap();
        entities::referral::ActiveModel {
            public_id: Set("ref_test1".into()),
            org_id: Set(code.org_id),
            member_id: Set(code.member_id),
            referral_code_id: Set(Some(code.id)),
            status: Set("pending".into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(app.db.raw())
        .await
        .unwrap();
        let (s, b) = app.delete(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_error(s, &b, 409, "conflict");
        assert!(b["error"]["message"].as_str().unwrap().contains("deactivate"), "{b}");
        let (s, _) = app.get(&format!("{BASE}/{id}"), &org.owner_key).await;
        assert_eq!(s, 200);
    }
);

db_test!(
    async fn active_returns_the_mentors_active_code(app) {
        let (org, rec) = org_with_code(&app).await;
        let k = &org.owner_key;
        let (s, got) = app.get(&format!("{BASE}/active?mentor_id=usr_4491&org_id={}", org.id), k).await;
        assert_eq!((s, &got), (200, &rec));
        let (s, got) = app.get(&format!("{BASE}/active?mentor_id=usr_4491"), k).await;
        assert_eq!((s, &got["id"]), (200, &rec["id"]));
        app.put(&format!("{BASE}/{}", rec["id"].as_str().unwrap()), k, json!({"status": "inactive"})).await;
        let (s, b) = app.get(&format!("{BASE}/active?mentor_id=usr_4491"), k).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("{BASE}/active?mentor_id=nobody"), k).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("{BASE}/active"), k).await;
        assert_bad_field(s, &b, "mentor_id");
        let (s, b) = app.get(&format!("{BASE}/active?mentor_id=usr_4491&org_id=org_002"), k).await;
        assert_error(s, &b, 403, "forbidden");
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("{BASE}/active?mentor_id=usr_4491"), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn lookup_finds_a_code_in_any_letter_case_within_the_org(app) {
        let (org, rec) = org_with_code(&app).await;
        let (s, got) = app.get(&format!("{BASE}/lookup?code=jan-verv-8f3a"), &org.owner_key).await;
        assert_eq!((s, &got), (200, &rec));
        let (s, b) = app.get(&format!("{BASE}/lookup?code=NOPE-1234"), &org.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("{BASE}/lookup?code=no%20spaces"), &org.owner_key).await;
        assert_bad_field(s, &b, "code");
        let (s, b) = app.get(&format!("{BASE}/lookup"), &org.owner_key).await;
        assert_bad_field(s, &b, "code");
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("{BASE}/lookup?code=JAN-VERV-8F3A"), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn every_change_writes_an_event(app) {
        let (org, rec) = org_with_code(&app).await;
        let k = &org.owner_key;
        let id = rec["id"].as_str().unwrap();
        app.put(&format!("{BASE}/{id}"), k, json!({"status": "inactive"})).await;
        app.delete(&format!("{BASE}/{id}"), k).await;
        let (s, events) = app.get("/api/v1/events?limit=100", k).await;
        assert_eq!(s, 200);
        let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(&types[..4], ["ReferralCodeDelete", "ReferralCodeUpdate", "ReferralCodeAdd", "MemberAdd"]);
        let (_, adds) = app.get("/api/v1/events?type=ReferralCodeAdd", k).await;
        assert_eq!(adds["pagination"]["total"], 1);
        assert_eq!(adds["data"][0]["object_id"], id);
        assert_eq!(adds["data"][0]["actor"], org.owner_key_id.as_str());
        assert_eq!(adds["data"][0]["payload"]["code"], "JAN-VERV-8F3A");
    }
);

db_test!(
    async fn an_analyst_reads_but_gets_403_on_every_write(app) {
        let (org, rec) = org_with_code(&app).await;
        let analyst = app.key(&org, "analyst").await;
        let path = format!("{BASE}/{}", rec["id"].as_str().unwrap());
        assert_eq!(app.get(&path, &analyst).await.0, 200);
        assert_eq!(app.get(BASE, &analyst).await.0, 200);
        assert_eq!(app.get(&format!("{BASE}/lookup?code=JAN-VERV-8F3A"), &analyst).await.0, 200);
        assert_eq!(app.get(&format!("{BASE}/active?mentor_id=usr_4491"), &analyst).await.0, 200);
        let (s, b) = app.post(BASE, &analyst, json!({"mentor_id": "m2"})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.put(&path, &analyst, json!({"status": "inactive"})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.delete(&path, &analyst).await;
        assert_error(s, &b, 403, "forbidden");
        // Support staff may change codes.
        let support = app.key(&org, "support").await;
        assert_eq!(app.put(&path, &support, json!({"status": "inactive"})).await.0, 200);
    }
);

db_test!(
    async fn every_endpoint_answers_401_without_a_valid_key(app) {
        let (org, rec) = org_with_code(&app).await;
        let (key_id, key) = app.key_with_id(&org, "developer").await;
        assert_eq!(app.delete(&format!("/api/v1/api-keys/{key_id}"), &org.owner_key).await.0, 200);
        let path = format!("{BASE}/{}", rec["id"].as_str().unwrap());
        let endpoints = [
            (Method::GET, BASE.to_string()),
            (Method::POST, BASE.to_string()),
            (Method::GET, path.clone()),
            (Method::PUT, path.clone()),
            (Method::DELETE, path),
            (Method::GET, format!("{BASE}/active?mentor_id=usr_4491")),
            (Method::GET, format!("{BASE}/lookup?code=JAN-VERV-8F3A")),
        ];
        for (method, path) in endpoints {
            let body = json!({"mentor_id": "m", "status": "inactive"});
            for creds in [None, Some("vk_wrong"), Some(key.as_str())] {
                let (s, b) = app.call(method.clone(), &path, creds, Some(body.clone())).await;
                assert_error(s, &b, 401, "unauthorized");
            }
        }
    }
);

db_test!(
    async fn basic_auth_with_key_id_and_key_works(app) {
        let (org, rec) = org_with_code(&app).await;
        let resp = app
            .client
            .get(format!("{}{BASE}/{}", app.base, rec["id"].as_str().unwrap()))
            .basic_auth(&org.owner_key_id, Some(&org.owner_key))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let wrong = app.client.get(format!("{}{BASE}", app.base)).basic_auth(&org.owner_key_id, Some("vk_nope")).send().await.unwrap();
        assert_eq!(wrong.status().as_u16(), 401);
    }
);

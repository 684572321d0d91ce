//! What every surface does at its edge, the same on SQLite and PostgreSQL: text with control
//! characters is refused naming the field, pages the database cannot take are a 400, emails are
//! validated alike on 004 and 003, times are RFC 3339 UTC with `Z`, a 405 says what is allowed,
//! and a second-precision deactivation time sent right after creating a code is taken.
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{assert_bad_field, assert_rr_bad_field, program_body};

fn assert_wire_time(t: &Value) {
    let s = t.as_str().unwrap_or_else(|| panic!("not a time: {t}"));
    assert!(s.ends_with('Z'), "{s} is not UTC with Z");
    let digits = s
        .split_once('.')
        .map_or(0, |(_, frac)| frac.trim_end_matches('Z').len());
    assert!(digits <= 6, "{s} has more than microseconds");
    chrono::DateTime::parse_from_rfc3339(s).unwrap();
}

db_test!(
    async fn text_with_nul_or_control_characters_is_refused_naming_the_field(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, body) = app
            .post("/api/v1/referral-code-records", k, json!({"mentor_id": "usr\u{0}1"}))
            .await;
        assert_bad_field(s, &body, "mentor_id");
        let (s, body) = app.post("/api/v1/programs", k, json!({"name": "a\u{1b}b", "promocode": "A-@ID@"})).await;
        assert_bad_field(s, &body, "name");
        app.program(k, program_body("spring")).await;
        let (s, body) = app
            .post("/api/members", k, json!({"firstName": "Ja\u{0}ne", "email": "jane@example.com"}))
            .await;
        assert_rr_bad_field(s, &body, "firstName");
        let (s, body) = app.get("/api/members?query=a%00b", k).await;
        assert_rr_bad_field(s, &body, "query");
        let (s, body) = app
            .get("/billmgr?func=referralprogram.edit&sok=ok&name=a%01b&promocode=X-%40ID%40", k)
            .await;
        assert_eq!(s, 200, "the func surface answers errors with 200");
        assert_eq!(body["error"]["type"], "value", "{body}");
        assert_eq!(body["error"]["object"], "name", "{body}");
        // Script sources keep their newlines and tabs.
        let (s, body) = app
            .post("/api/v1/scripts", k, json!({"name": "multi", "kind": "condition", "source": "let a = 1;\n\ttrue"}))
            .await;
        assert_eq!(s, 201, "{body}");
    }
);

db_test!(
    async fn a_page_the_database_cannot_take_is_a_400_naming_page(app) {
        let org = app.new_org("Acme").await;
        for path in [
            "/api/v1/referral-code-records?page=9223372036854775807",
            "/api/v1/events?page=9223372036854775807",
            "/api/v1/programs?page=1000000001",
        ] {
            let (s, body) = app.get(path, &org.owner_key).await;
            assert_bad_field(s, &body, "page");
        }
        let (s, body) = app.get("/api/v1/programs?page=1000000000", &org.owner_key).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["data"], json!([]));
        let (s, body) = app.get("/api/programs?offset=100000000001", &org.owner_key).await;
        assert_rr_bad_field(s, &body, "offset");
    }
);

db_test!(
    async fn emails_are_validated_alike_on_004_and_003(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, body) = app
            .post("/api/v1/referral-code-records", k, json!({"mentor_id": "usr_1", "email": "not-an-email"}))
            .await;
        assert_bad_field(s, &body, "email");
        app.program(k, program_body("spring")).await;
        let (s, body) = app.post("/api/members", k, json!({"firstName": "J", "email": "not-an-email"})).await;
        assert_rr_bad_field(s, &body, "email");
        let rec = app
            .code(k, json!({"mentor_id": "usr_2", "email": "Jane@Example.com", "first_name": "Jane"}))
            .await;
        assert_eq!(rec["mentor_id"], "usr_2");
    }
);

db_test!(
    async fn times_are_utc_with_z_and_a_deactivation_sent_in_seconds_right_after_creation_is_taken(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let rec = app.code(k, json!({"mentor_id": "usr_4491"})).await;
        assert_wire_time(&rec["created_at"]);
        assert_eq!(rec["deactivated_at"], Value::Null);
        let created = chrono::DateTime::parse_from_rfc3339(rec["created_at"].as_str().unwrap()).unwrap();
        let seconds = created.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let id = rec["id"].as_str().unwrap();
        let path = format!("/api/v1/referral-code-records/{id}");
        let (s, off) = app.put(&path, k, json!({"status": "inactive", "deactivated_at": seconds})).await;
        assert_eq!(s, 200, "{off}");
        assert_wire_time(&off["deactivated_at"]);
        assert_eq!(off["deactivated_at"], rec["created_at"], "taken as the creation time");

        let rec = app.code(k, json!({"mentor_id": "usr_4492"})).await;
        let id = rec["id"].as_str().unwrap();
        let long_before = (created - chrono::Duration::minutes(6)).to_rfc3339();
        let (s, body) = app
            .put(&format!("/api/v1/referral-code-records/{id}"), k, json!({"status": "inactive", "deactivated_at": long_before}))
            .await;
        assert_bad_field(s, &body, "deactivated_at");
    }
);

db_test!(
    async fn a_wrong_method_answers_405_with_allow(app) {
        let org = app.new_org("Acme").await;
        let resp = app
            .client
            .patch(format!("{}/api/v1/referral-code-records/rc_x", app.base))
            .bearer_auth(&org.owner_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405);
        assert_eq!(resp.headers()["allow"], "DELETE, GET, PUT");
        let (s, _) = app.call(Method::PUT, "/healthz", None, None).await;
        assert_eq!(s, 405);
    }
);

//! Fraud checks on new referrals: self-referral blocks, velocity holds, the program's fraud
//! script (deny, review, failing), and releasing or denying a held referral.

use crate::common::{assert_error, assert_rr_error, Org, TestApp};
use crate::referrals::{referral, setup};
use serde_json::{json, Value};

async fn fraud_script(app: &TestApp, org: &Org, source: &str) -> String {
    let (s, b) = app
        .post(
            "/api/v1/scripts",
            &org.owner_key,
            json!({"name": "fraud", "kind": "fraud", "source": source}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

async fn set_program(app: &TestApp, org: &Org, p: &Value, extra: Value) -> (u16, Value) {
    let mut body = json!({"name": p["name"], "promocode": p["promocode"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.put(
        &format!("/api/v1/programs/{}", p["id"].as_str().unwrap()),
        &org.owner_key,
        body,
    )
    .await
}

db_test!(
    async fn a_member_cannot_refer_themself_by_mailbox_or_external_id(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        for email in ["JANE@example.com", "jane+again@example.com"] {
            let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": email})).await;
            assert_rr_error(s, &b, 422, "unprocessable");
            assert_eq!(b["field"], "email", "{b}");
        }
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "externalIdentifier": "crm-jane"})).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert_eq!(b["field"], "externalIdentifier", "{b}");
        let (_, events) = app.get("/api/v1/events?type=ReferralAdd", k).await;
        assert_eq!(events["pagination"]["total"], 0, "{events}");
    }
);

db_test!(
    async fn the_fourth_referral_from_one_ip_is_held_and_can_be_released_or_denied(app) {
        let (org, p, _) = setup(&app).await;
        let k = &org.owner_key;
        assert_eq!(p["velocity_limit"], 3, "{p}");
        let mut ids = vec![];
        for i in 0..5 {
            let r = referral(&app, k, json!({"referralCode": "JANE-2026", "email": format!("c{i}@example.com")})).await;
            assert_eq!(r["status"], "Pending", "a held referral keeps its status");
            ids.push(r["id"].as_str().unwrap().to_string());
        }
        let (s, first) = app.get(&format!("/api/v1/referrals/{}", ids[2]), k).await;
        assert_eq!((s, &first["held"]), (200, &json!(false)), "{first}");
        let (_, fourth) = app.get(&format!("/api/v1/referrals/{}", ids[3]), k).await;
        assert_eq!(fourth["held"], true, "{fourth}");
        assert!(fourth["held_reason"].as_str().unwrap().contains("127.0.0.1"), "{fourth}");
        let (s, held) = app.get("/api/v1/referrals/held", k).await;
        assert_eq!((s, &held["pagination"]["total"]), (200, &json!(2)), "{held}");
        let (s, released) = app.post(&format!("/api/v1/referrals/{}/release", ids[3]), k, json!({})).await;
        assert_eq!(s, 200, "{released}");
        assert_eq!((released["held"].clone(), released["held_reason"].clone()), (json!(false), Value::Null));
        let (s, b) = app.post(&format!("/api/v1/referrals/{}/release", ids[3]), k, json!({})).await;
        assert_error(s, &b, 409, "conflict");
        let (s, denied) = app.post(&format!("/api/v1/referrals/{}/deny", ids[4]), k, json!({})).await;
        assert_eq!(s, 200, "{denied}");
        assert_eq!((denied["status"].clone(), denied["held"].clone()), (json!("Denied"), json!(false)));
        let (_, changes) = app.get("/api/v1/events?type=ReferralStatusChange", k).await;
        assert_eq!(changes["data"][0]["object_id"], json!(ids[4]), "{changes}");
        // A higher limit lets more through.
        let (s, p2) = set_program(&app, &org, &p, json!({"velocity_limit": 10})).await;
        assert_eq!((s, &p2["velocity_limit"]), (200, &json!(10)), "{p2}");
        let r = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "c9@example.com"})).await;
        let (_, v) = app.get(&format!("/api/v1/referrals/{}", r["id"].as_str().unwrap()), k).await;
        assert_eq!(v["held"], false, "{v}");
    }
);

db_test!(
    async fn hold_endpoints_check_ids_org_and_role(app) {
        let (org, _, _) = setup(&app).await;
        let r = referral(&app, &org.owner_key, json!({"referralCode": "JANE-2026", "email": "x@example.com"})).await;
        let id = r["id"].as_str().unwrap();
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("/api/v1/referrals/{id}"), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.post(&format!("/api/v1/referrals/{id}/deny"), &other.owner_key, json!({})).await;
        assert_error(s, &b, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, _) = app.get(&format!("/api/v1/referrals/{id}"), &analyst).await;
        assert_eq!(s, 200);
        let (s, b) = app.post(&format!("/api/v1/referrals/{id}/release"), &analyst, json!({})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.get("/api/v1/referrals/mem_x", &org.owner_key).await;
        assert_bad_id(s, &b);
    }
);

async fn native(app: &TestApp, key: &str, r: &Value) -> Value {
    app.get(
        &format!("/api/v1/referrals/{}", r["id"].as_str().unwrap()),
        key,
    )
    .await
    .1
}

fn assert_bad_id(s: u16, b: &Value) {
    assert_eq!(s, 400, "{b}");
}

db_test!(
    async fn programs_take_only_fraud_scripts_of_their_org(app) {
        let (org, p, _) = setup(&app).await;
        let (s, b) = set_program(&app, &org, &p, json!({"velocity_limit": 0})).await;
        assert_eq!((s, &b["error"]["details"]["field"]), (400, &json!("velocity_limit")), "{b}");
        let (s, b) = set_program(&app, &org, &p, json!({"fraud_script_id": "scr_nope"})).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.post("/api/v1/scripts", &org.owner_key, json!({"name": "c", "kind": "condition", "source": "true"})).await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = set_program(&app, &org, &p, json!({"fraud_script_id": b["id"]})).await;
        assert_error(s, &b, 422, "unprocessable");
        let other = app.new_org("Other").await;
        let theirs = fraud_script(&app, &other, r#""allow""#).await;
        let (s, b) = set_program(&app, &org, &p, json!({"fraud_script_id": theirs})).await;
        assert_error(s, &b, 404, "not_found");
        let mine = fraud_script(&app, &org, r#""allow""#).await;
        let (s, b) = set_program(&app, &org, &p, json!({"fraud_script_id": mine})).await;
        assert_eq!((s, &b["fraud_script_id"]), (200, &json!(mine)), "{b}");
        let (_, got) = app.get(&format!("/api/v1/programs/{}", p["id"].as_str().unwrap()), &org.owner_key).await;
        assert_eq!(got["fraud_script_id"], json!(mine));
    }
);

db_test!(
    async fn the_fraud_script_denies_holds_or_fails_safe(app) {
        let (org, p, _) = setup(&app).await;
        let k = &org.owner_key;
        let script = fraud_script(&app, &org, r#"if referral.email.ends_with("@spam.test") { "deny" } else if referral.amount > 10000 { "review" } else if referral.email.ends_with("@boom.test") { throw "boom" } else { "allow" }"#).await;
        let (s, b) = set_program(&app, &org, &p, json!({"fraud_script_id": script, "velocity_limit": 100})).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": "x@spam.test"})).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert!(b["message"].as_str().unwrap().contains("denied by the program's fraud check"), "{b}");
        let ok = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "ok@example.com"})).await;
        let review = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "big@example.com", "amount": 500})).await;
        let failed = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "x@boom.test"})).await;
        assert_eq!(native(&app, k, &ok).await["held"], false);
        let v = native(&app, k, &review).await;
        assert!(v["held"] == true && v["held_reason"].as_str().unwrap().contains("review"), "{v}");
        let v = native(&app, k, &failed).await;
        assert!(v["held"] == true && v["held_reason"].as_str().unwrap().contains("boom"), "{v}");
        let (_, events) = app.get("/api/v1/events?type=ReferralFraudCheckFailed", k).await;
        assert_eq!(events["data"][0]["object_id"], failed["id"], "{events}");
        // The script cannot lift the hard blocks.
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": "jane@example.com"})).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert_eq!(b["field"], "email");
    }
);

//! 003 referrals after creation: list, single, bulk update, status changes and removal.

use crate::common::{assert_rr_bad_field, assert_rr_error, TestApp};
use crate::referrals::{referral, setup};
use reqwest::Method;
use serde_json::{json, Value};

async fn three(app: &TestApp, k: &str) -> Vec<Value> {
    let mut out = vec![];
    for (email, amount, ext) in [
        ("a@example.com", 10, "x-a"),
        ("b@example.com", 30, "x-b"),
        ("c@example.com", 20, "x-c"),
    ] {
        out.push(referral(app, k, json!({"referralCode": "JANE-2026", "email": email, "amount": amount, "externalIdentifier": ext})).await);
    }
    out
}

fn ids(list: &Value) -> Vec<String> {
    list["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap().to_string())
        .collect()
}

db_test!(
    async fn list_referrals_filters_sorts_and_pages(app) {
        let (org, p, m) = setup(&app).await;
        let k = &org.owner_key;
        three(&app, k).await;
        let (s, all) = app.get("/api/referrals", k).await;
        assert_eq!(s, 200, "{all}");
        assert_eq!((all["total"].as_u64(), all["offset"].as_u64()), (Some(3), Some(0)));
        assert_eq!(ids(&all), ["c@example.com", "b@example.com", "a@example.com"]);
        let (_, by_amount) = app.get("/api/referrals?sort=Amount_Desc", k).await;
        assert_eq!(ids(&by_amount), ["b@example.com", "c@example.com", "a@example.com"]);
        let (_, page) = app.get("/api/referrals?sort=Create_Dt_Asc&offset=1&count=1", k).await;
        assert_eq!((ids(&page), page["total"].as_u64()), (vec!["b@example.com".to_string()], Some(3)));
        let (_, q) = app.get("/api/referrals?query=B@EXAMPLE.COM", k).await;
        assert_eq!(ids(&q), ["b@example.com"]);
        let (_, q) = app.get("/api/referrals?query=x-c", k).await;
        assert_eq!(ids(&q), ["c@example.com"]);
        let (_, q) = app.get("/api/referrals?query=jane-2026", k).await;
        assert_eq!(q["total"], 3, "{q}");
        let (_, q) = app.get(&format!("/api/referrals?programId=spring&memberId={}&status=PENDING", m["id"].as_str().unwrap()), k).await;
        assert_eq!(q["total"], 3, "{q}");
        let (_, q) = app.get("/api/referrals?status=approved", k).await;
        assert_eq!(q["total"], 0, "{q}");
        let (_, q) = app.get("/api/referrals?dateTo=2000-01-01", k).await;
        assert_eq!(q["total"], 0, "{q}");
        let (s, b) = app.get("/api/referrals?sort=Newest", k).await;
        assert_eq!(s, 400, "{b}");
        let (s, b) = app.get("/api/referrals?status=paid", k).await;
        assert_rr_bad_field(s, &b, "status");
        let (s, b) = app.get("/api/referrals?count=0", k).await;
        assert_eq!(s, 400, "{b}");
        let other = app.new_org("Other").await;
        let (_, theirs) = app.get("/api/referrals", &other.owner_key).await;
        assert_eq!(theirs["total"], 0);
        let _ = p;
    }
);

db_test!(
    async fn single_referral_by_id_email_or_external_id(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let rs = three(&app, k).await;
        let id = rs[1]["id"].as_str().unwrap();
        for path in [format!("/api/referral/single?referralId={id}"), "/api/referral/single?email=B%2Btag@example.com".into(),
                     "/api/referral/single?externalId=x-b".into(), "/api/referral/single?externalIdentifier=x-b".into(),
                     "/api/referral/getsingle?referralQuery=x-b".into(), format!("/api/referral/getsingle?referralQuery={id}")] {
            let (s, r) = app.get(&path, k).await;
            assert_eq!((s, r["id"].as_str()), (200, Some(id)), "{path}: {r}");
        }
        let (s, b) = app.get("/api/referral/single", k).await;
        assert_rr_bad_field(s, &b, "referralId");
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("/api/referral/single?referralId={id}"), &other.owner_key).await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn bulk_update_changes_only_given_fields_and_follows_the_status_machine(app) {
        let (org, p, _) = setup(&app).await;
        let k = &org.owner_key;
        let rs = three(&app, k).await;
        let (a, b) = (rs[0]["id"].as_str().unwrap(), rs[1]["id"].as_str().unwrap());
        let (s, out) = app.post("/api/referral/update", k, json!([
            {"query": {"primaryInfo": {"referralId": a}}, "referral": {"status": "Qualified", "note": "called", "amount": 320}},
            {"query": {"secondaryInfo": {"email": "b@example.com"}, "tertiaryInfo": {"ProgramId": p["id"]}}, "referral": {"status": "approved"}},
            {"query": {"secondaryInfo": {"externalIdentifier": "x-c"}, "tertiaryInfo": {"programName": "spring"}}, "referral": {"lastName": "Cee"}},
            {"query": {"fuzzyInfo": {"Identifier": "nobody@example.com"}}, "referral": {"note": "x"}},
            {"query": {"secondaryInfo": {"email": "a@example.com"}}, "referral": {"note": "x"}},
        ])).await;
        assert_eq!(s, 200, "{out}");
        let st: Vec<&str> = out.as_array().unwrap().iter().map(|i| i["resultInfo"]["status"].as_str().unwrap()).collect();
        assert_eq!(st, ["Success", "Success", "Success", "NotFound", "InvalidQuery"], "{out}");
        let r = &out[0]["referral"];
        assert_eq!((r["status"].clone(), r["note"].clone(), r["amount"].clone()), (json!("Qualified"), json!("called"), json!(320.0)));
        assert!(r["qualifiedDate"].is_string() && r["email"] == "a@example.com", "{r}");
        assert!(out[1]["referral"]["approvedDate"].is_string(), "{out}");
        assert_eq!(out[2]["referral"]["lastName"], "Cee");
        // Approved is final; a qualified referral does not go back to pending.
        let (_, out) = app.post("/api/referral/update", k, json!([
            {"query": {"primaryInfo": {"referralId": b}}, "referral": {"status": "denied"}},
            {"query": {"primaryInfo": {"referralId": a}}, "referral": {"status": "pending"}},
            {"query": {"primaryInfo": {"referralId": a}}, "referral": {"status": "qualified"}},
        ])).await;
        assert_eq!(out[0]["resultInfo"]["status"], "Failed", "{out}");
        assert!(out[0]["resultInfo"]["message"].as_str().unwrap().contains("approved"), "{out}");
        assert!(out[1]["resultInfo"]["message"].as_str().unwrap().contains("qualified"), "{out}");
        assert_eq!(out[2]["resultInfo"]["status"], "Success", "same status is no change: {out}");
        let (_, changes) = app.get("/api/v1/events?type=ReferralStatusChange", k).await;
        assert_eq!(changes["pagination"]["total"], 2, "{changes}");
        let (_, updates) = app.get("/api/v1/events?type=ReferralUpdate", k).await;
        assert_eq!(updates["pagination"]["total"], 3, "{updates}");
        // A duplicate customer is a per-item failure naming the other referral.
        let (_, out) = app.post("/api/referral/update", k, json!([
            {"query": {"primaryInfo": {"referralId": a}}, "referral": {"email": "B@example.com"}}])).await;
        assert_eq!(out[0]["resultInfo"]["status"], "Failed", "{out}");
        assert!(out[0]["resultInfo"]["message"].as_str().unwrap().contains(b), "{out}");
        let (s, e) = app.post("/api/referral/update", k, json!([])).await;
        assert_eq!(s, 400, "{e}");
        let analyst = app.key(&org, "analyst").await;
        let (s, e) = app.post("/api/referral/update", &analyst, json!([{"query": {"primaryInfo": {"referralId": a}}, "referral": {}}])).await;
        assert_rr_error(s, &e, 403, "forbidden");
        let other = app.new_org("Other").await;
        let (_, out) = app.post("/api/referral/update", &other.owner_key, json!([{"query": {"primaryInfo": {"referralId": a}}, "referral": {"note": "x"}}])).await;
        assert_eq!(out[0]["resultInfo"]["status"], "NotFound");
    }
);

db_test!(
    async fn status_takes_one_object_or_an_array(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let rs = three(&app, k).await;
        let (a, b) = (rs[0]["id"].as_str().unwrap(), rs[1]["id"].as_str().unwrap());
        let (s, out) = app.post("/api/referrals/status", k, json!({"referralId": a, "status": "APPROVED", "amount": 12.5, "publicNote": "thanks"})).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!((out[0]["referralId"].as_str(), out[0]["referral"]["status"].as_str()), (Some(a), Some("Approved")));
        assert_eq!((out[0]["referral"]["amount"].clone(), out[0]["referral"]["publicNote"].clone()), (json!(12.5), json!("thanks")));
        let (s, e) = app.post("/api/referrals/status", k, json!({"referralId": a, "status": "denied"})).await;
        assert_rr_error(s, &e, 409, "conflict");
        assert!(e["message"].as_str().unwrap().contains("approved"), "{e}");
        let (s, out) = app.post("/api/referrals/status", k, json!([
            {"referralId": a, "status": "pending"}, {"referralId": b, "status": "denied", "programId": "spring"},
            {"referralId": "ref_nope", "status": "denied"}])).await;
        assert_eq!(s, 200, "{out}");
        let st: Vec<&str> = out.as_array().unwrap().iter().map(|i| i["resultInfo"]["status"].as_str().unwrap()).collect();
        assert_eq!(st, ["Failed", "Success", "NotFound"], "{out}");
        let (s, e) = app.post("/api/referrals/status", k, json!({"referralId": b, "status": "paid"})).await;
        assert_rr_bad_field(s, &e, "status");
        let other = app.new_org("Other").await;
        let (s, e) = app.post("/api/referrals/status", &other.owner_key, json!({"referralId": b, "status": "pending"})).await;
        assert_rr_error(s, &e, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, e) = app.post("/api/referrals/status", &analyst, json!({"referralId": b, "status": "pending"})).await;
        assert_rr_error(s, &e, 403, "forbidden");
    }
);

db_test!(
    async fn remove_is_a_soft_delete_by_post_or_delete(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let rs = three(&app, k).await;
        let (a, b) = (rs[0]["id"].as_str().unwrap(), rs[1]["id"].as_str().unwrap());
        let (s, out) = app.post("/api/referral/remove", k, json!([{"query": {"primaryInfo": {"referralId": a}}}, {"referralQuery": {"fuzzyInfo": {"identifier": "nobody"}}}])).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!((out[0]["resultInfo"]["status"].as_str(), out[1]["resultInfo"]["status"].as_str()), (Some("Success"), Some("NotFound")));
        let (s, out) = app.call(Method::DELETE, "/api/referral/remove", Some(k), Some(json!([{"referralQuery": {"primaryInfo": {"referralId": b}}}]))).await;
        assert_eq!((s, out[0]["resultInfo"]["status"].as_str()), (200, Some("Success")), "{out}");
        let (_, all) = app.get("/api/referrals", k).await;
        assert_eq!(all["total"], 1, "{all}");
        let (s, _) = app.get(&format!("/api/referral/single?referralId={a}"), k).await;
        assert_eq!(s, 404);
        // The customer may be referred again once removed.
        referral(&app, k, json!({"referralCode": "JANE-2026", "email": "a@example.com"})).await;
        let (_, ev) = app.get("/api/v1/events?type=ReferralDelete", k).await;
        assert_eq!(ev["pagination"]["total"], 2, "{ev}");
        let (s, e) = app.post("/api/referral/remove", k, json!([{}])).await;
        assert_rr_bad_field(s, &e, "[0].query");
        let analyst = app.key(&org, "analyst").await;
        let (s, e) = app.post("/api/referral/remove", &analyst, json!([{"query": {"primaryInfo": {"referralId": a}}}])).await;
        assert_rr_error(s, &e, 403, "forbidden");
    }
);

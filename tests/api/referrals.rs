//! 003 referrals: create (attribution, duplicates, statuses, events), on SQLite and PostgreSQL.
//! Fraud checks and holds: `referral_fraud.rs`; list, single, update, status, remove:
//! `referral_changes.rs`.

use crate::common::{assert_rr_bad_field, assert_rr_error, program_body, Org, TestApp};
use serde_json::{json, Value};

pub async fn setup(app: &TestApp) -> (Org, Value, Value) {
    let org = app.new_org("Acme").await;
    let p = app.program(&org.owner_key, program_body("spring")).await;
    let m = app
        .member(
            &org.owner_key,
            json!({"programId": p["id"], "firstName": "Jane", "lastName": "Verver",
                   "email": "jane@example.com", "externalIdentifier": "crm-jane", "referralCode": "JANE-2026"}),
        )
        .await;
    (org, p, m)
}

/// Creates a referral through the 003 API; answers the referral.
pub async fn referral(app: &TestApp, key: &str, body: Value) -> Value {
    let (s, b) = app.post("/api/referrals", key, body).await;
    assert_eq!(s, 201, "create referral: {b}");
    b["referral"].clone()
}

db_test!(
    async fn create_referral_returns_201_with_the_vendor_shape(app) {
        let (org, p, m) = setup(&app).await;
        let (s, b) = app.post("/api/referrals", &org.owner_key, json!({
            "referralCode": "jane-2026", "firstName": "Bob", "lastName": "Stone", "email": "Bob@Example.com",
            "phoneNumber": "+31 6 000", "externalIdentifier": "order-1", "amount": 320.5, "companyName": "Stone BV",
            "note": "private", "publicNote": "hello", "customText3Name": "tier", "customText3Value": "gold",
            "preferredContact": "callMorning", "city": "Utrecht", "region": "NL-UT", "country": "NL"})).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["message"], "Referral Added");
        let r = &b["referral"];
        assert!(r["id"].as_str().unwrap().starts_with("ref_"), "{r}");
        assert_eq!(r["status"], "Pending");
        assert_eq!(r["source"], "API");
        assert_eq!(r["email"], "bob@example.com");
        assert_eq!(r["fullName"], "Bob Stone");
        assert_eq!(r["displayName"], "Bob Stone");
        assert_eq!(r["amount"], 320.5);
        assert_eq!(r["amountFormatted"], "$320.50");
        assert_eq!(r["programId"], p["id"]);
        assert_eq!(r["programName"], "spring");
        assert_eq!(r["referringMemberId"], m["id"]);
        assert_eq!(r["referringMemberName"], "Jane Verver");
        assert_eq!(r["memberReferralCode"], "JANE-2026");
        assert_eq!(r["memberEmail"], "jane@example.com");
        assert_eq!(r["memberExternalIdentifier"], "crm-jane");
        assert_eq!(r["customText3Value"], "gold");
        assert_eq!(r["preferredContact"], "callMorning");
        assert_eq!(r["region"], "NL-UT");
        assert!(r["approvedDate"].is_null() && r["qualifiedDate"].is_null(), "{r}");
        assert!(r["createDate"].as_str().unwrap().ends_with('Z'), "{r}");
        let (_, events) = app.get("/api/v1/events?type=ReferralAdd", &org.owner_key).await;
        assert_eq!(events["data"][0]["object_id"], r["id"], "{events}");
    }
);

db_test!(
    async fn a_referral_created_qualified_or_approved_has_that_date(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let r = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "a@example.com", "status": "QUALIFIED"})).await;
        assert_eq!(r["status"], "Qualified");
        assert!(r["qualifiedDate"].is_string() && r["approvedDate"].is_null(), "{r}");
        let r = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "b@example.com", "status": "Approved"})).await;
        assert_eq!(r["status"], "Approved");
        assert!(r["approvedDate"].is_string(), "{r}");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "status": "paid"})).await;
        assert_rr_bad_field(s, &b, "status");
    }
);

db_test!(
    async fn the_same_customer_twice_in_a_program_answers_409_naming_the_first(app) {
        let (org, p, _) = setup(&app).await;
        let k = &org.owner_key;
        let first = referral(&app, k, json!({"referralCode": "JANE-2026", "email": "john.doe@gmail.com", "externalIdentifier": "c-1"})).await;
        let id = first["id"].as_str().unwrap();
        for email in ["John.Doe@gmail.com", "johndoe+promo@gmail.com", "j.o.h.n.doe@googlemail.com"] {
            let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": email})).await;
            assert_rr_error(s, &b, 409, "conflict");
            assert!(b["message"].as_str().unwrap().contains(id), "{email}: {b}");
        }
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "externalIdentifier": "c-1"})).await;
        assert_rr_error(s, &b, 409, "conflict");
        assert!(b["message"].as_str().unwrap().contains(id), "{b}");
        // Another program may have the same customer.
        app.program(k, program_body("autumn")).await;
        app.member(k, json!({"programId": "autumn", "firstName": "Ann", "email": "ann@example.com", "referralCode": "ANN-2026"})).await;
        referral(&app, k, json!({"referralCode": "ANN-2026", "email": "john.doe@gmail.com"})).await;
        let _ = p;
    }
);

db_test!(
    async fn codes_attribute_promo_codes_and_004_records_too(app) {
        let (org, p, m) = setup(&app).await;
        let k = &org.owner_key;
        let promo = m["promoCode"].as_str().unwrap().to_lowercase();
        let r = referral(&app, k, json!({"referralCode": promo, "email": "p@example.com"})).await;
        assert_eq!(r["referringMemberId"], m["id"]);
        assert_eq!(r["programId"], p["id"]);
        // A 004 record's member has no program: the org's one default program takes it.
        let (s, b) = app.put(&format!("/api/v1/programs/{}", p["id"].as_str().unwrap()), k,
            json!({"name": "spring", "promocode": "SPRING-@ID@", "assign_by_default": true})).await;
        assert_eq!(s, 200, "{b}");
        app.code(k, json!({"mentor_id": "u-77", "code": "MENTOR-77"})).await;
        let r = referral(&app, k, json!({"referralCode": "mentor-77", "email": "q@example.com"})).await;
        assert!(r["referringMemberId"].as_str().unwrap().starts_with("mem_"), "{r}");
        assert_eq!(r["memberReferralCode"], "MENTOR-77");
        assert_eq!(r["memberExternalIdentifier"], "u-77");
        assert_eq!(r["programId"], p["id"]);
    }
);

db_test!(
    async fn an_inactive_code_is_422_and_an_unknown_one_404(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let rec = app.code(k, json!({"mentor_id": "u-1", "code": "OLD-CODE-1"})).await;
        let (s, b) = app.put(&format!("/api/v1/referral-code-records/{}", rec["id"].as_str().unwrap()), k,
            json!({"status": "inactive"})).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "OLD-CODE-1", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert_eq!(b["field"], "referralCode");
        assert!(b["message"].as_str().unwrap().contains("no longer active"), "{b}");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "NOPE-0000", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn create_referral_names_the_bad_field(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let (s, b) = app.post("/api/referrals", k, json!({"email": "x@example.com"})).await;
        assert_rr_bad_field(s, &b, "referralCode");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": "not-an-email"})).await;
        assert_rr_bad_field(s, &b, "email");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "amount": "12"})).await;
        assert_rr_bad_field(s, &b, "amount");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "amount": 1.234})).await;
        assert_rr_bad_field(s, &b, "amount");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "amount": -1})).await;
        assert_rr_bad_field(s, &b, "amount");
    }
);

db_test!(
    async fn another_orgs_code_is_unknown_and_an_analyst_cannot_create(app) {
        let (org, _, _) = setup(&app).await;
        let other = app.new_org("Other").await;
        let (s, b) = app.post("/api/referrals", &other.owner_key, json!({"referralCode": "JANE-2026", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, b) = app.post("/api/referrals", &analyst, json!({"referralCode": "JANE-2026", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn removed_members_are_unknown_and_disabled_ones_cannot_be_credited(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        app.member(k, json!({"programId": "spring", "firstName": "Dis", "email": "dis@example.com", "referralCode": "DIS-2026", "disabledFlag": true})).await;
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "DIS-2026", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert!(b["message"].as_str().unwrap().contains("disabled"), "{b}");
        let (s, b) = app.post("/api/members/remove", k, json!([{"query": {"primaryInfo": {"referralCode": "JANE-2026"}}}])).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": "JANE-2026", "email": "x@example.com"})).await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn a_referral_created_again_with_the_same_idempotency_key_is_answered_once(app) {
        let (org, _, _) = setup(&app).await;
        let k = &org.owner_key;
        let body = json!({"referralCode": "JANE-2026", "email": "once@example.com", "amount": 12});
        let (s, first) = app.post_idempotent("/api/referrals", k, "ref-1", body.clone()).await;
        assert_eq!(s, 201, "{first}");
        let (s, again) = app.post_idempotent("/api/referrals", k, "ref-1", body.clone()).await;
        assert_eq!((s, &again), (201, &first), "the first answer, not a 409 duplicate");
        let (s, b) = app
            .post_idempotent("/api/referrals", k, "ref-1", json!({"referralCode": "JANE-2026", "email": "other@example.com"}))
            .await;
        assert_rr_error(s, &b, 422, "unprocessable");
        let (_, list) = app.get("/api/referrals", k).await;
        assert_eq!(list["total"], 1);
        // Without a key the same body is a duplicate customer.
        let (s, b) = app.post("/api/referrals", k, body).await;
        assert_rr_error(s, &b, 409, "conflict");
    }
);

//! 003 rewards: manual rewards, list, update, issue, remove, reward rules. SQLite and PostgreSQL.

use crate::common::{assert_rr_bad_field, assert_rr_error, program_body, Org, TestApp};
use serde_json::{json, Value};

/// An org with a EUR program "spring", a member Jane in it, and a payout method.
pub struct World {
    pub org: Org,
    pub program: Value,
    pub jane: Value,
    pub payout: Value,
}

pub async fn world(app: &TestApp, name: &str) -> World {
    let org = app.new_org(name).await;
    let mut body = program_body("spring");
    body["currency"] = json!("EUR");
    let program = app.program(&org.owner_key, body).await;
    let jane = app
        .member(
            &org.owner_key,
            json!({"programId": program["id"], "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com", "externalIdentifier": "crm-1"}),
        )
        .await;
    let payout = payout_method(app, &org.owner_key, "PayPal").await;
    World {
        org,
        program,
        jane,
        payout,
    }
}

pub async fn payout_method(app: &TestApp, key: &str, kind: &str) -> Value {
    let (s, p) = app
        .post(
            "/api/v1/payouts",
            key,
            json!({"description": format!("{kind} payments"), "payoutType": kind}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    p
}

pub async fn member(app: &TestApp, w: &World, first: &str) -> Value {
    app.member(
        &w.org.owner_key,
        json!({"programId": w.program["id"], "firstName": first, "email": format!("{}@example.com", first.to_lowercase())}),
    )
    .await
}

/// Creates one manual reward for `member` (by id); answers the reward.
pub async fn reward(
    app: &TestApp,
    key: &str,
    member: &Value,
    payout: &Value,
    amount: f64,
    eligible: Option<&str>,
) -> Value {
    let mut new_reward =
        json!({"payoutId": payout["id"], "amount": amount, "description": "thanks"});
    if let Some(e) = eligible {
        new_reward["eligibilityDate"] = json!(e);
    }
    let (s, b) = app
        .post(
            "/api/rewards",
            key,
            json!([{"memberQuery": {"primaryInfo": {"memberId": member["id"]}}, "newReward": new_reward}]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b[0]["resultInfo"]["status"], "Success", "{b}");
    b[0]["reward"].clone()
}

db_test!(
    async fn a_manual_reward_is_pending_in_the_programs_currency_and_listed(app) {
        let w = world(&app, "Acme").await;
        let r = reward(&app, &w.org.owner_key, &w.jane, &w.payout, 12.5, None).await;
        assert!(r["id"].as_str().unwrap().starts_with("rwd_"));
        let expected = [
            ("payoutId", w.payout["id"].clone()),
            ("payoutDescription", json!("PayPal payments")),
            ("programId", w.program["id"].clone()),
            ("programName", json!("spring")),
            ("memberId", w.jane["id"].clone()),
            ("referralId", Value::Null),
            ("type", json!("Member")),
            ("recipientId", w.jane["id"].clone()),
            ("recipientName", json!("Jane Doe")),
            ("recipientEmailAddress", json!("jane@example.com")),
            ("recipientExternalIdentifier", json!("crm-1")),
            ("status", json!("Pending")),
            ("amount", json!(12.5)),
            ("issueDate", Value::Null),
            ("transactionID", Value::Null),
            ("currencyCode", json!("EUR")),
            ("source", json!("Manual")),
            ("description", json!("thanks")),
            ("programRewardRuleId", Value::Null),
        ];
        for (field, want) in expected {
            assert_eq!(r[field], want, "{field}: {r}");
        }
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert!(keys.contains(&&"transactionID".to_string()));
        let (s, list) = app.get("/api/rewards", &w.org.owner_key).await;
        assert_eq!(s, 200, "{list}");
        assert_eq!((list["total"].as_u64(), list["offset"].as_u64()), (Some(1), Some(0)));
        assert_eq!(list["rewards"][0]["id"], r["id"]);
        let (_, events) = app.get("/api/v1/events?type=RewardAdd", &w.org.owner_key).await;
        assert_eq!(events["data"][0]["object_id"], r["id"]);
    }
);

db_test!(
    async fn creating_rewards_with_bad_input_names_the_field_or_fails_the_item(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let q = json!({"primaryInfo": {"memberId": w.jane["id"]}});
        let (s, b) = app.post("/api/rewards", k, json!([{"memberQuery": q, "newReward": {"payoutId": w.payout["id"]}}])).await;
        assert_rr_bad_field(s, &b, "[0].newReward.amount");
        let (s, b) = app.post("/api/rewards", k, json!([{"newReward": {"amount": 1}}])).await;
        assert_rr_bad_field(s, &b, "[0].memberQuery");
        let (s, b) = app.post("/api/rewards", k, json!([{"memberQuery": q, "newReward": {"amount": -3}}])).await;
        assert_rr_bad_field(s, &b, "[0].newReward.amount");
        let (s, b) = app.post("/api/rewards", k, json!([])).await;
        assert_rr_bad_field(s, &b, "body");
        let (s, b) = app
            .post("/api/rewards", k, json!([
                {"memberQuery": q, "newReward": {"amount": 1.234}},
                {"memberQuery": q, "newReward": {"amount": 1, "payoutId": "pay_nothere"}},
                {"memberQuery": {"primaryInfo": {"memberId": "mem_nothere"}}, "newReward": {"amount": 1}},
                {"memberQuery": q, "newReward": {"amount": 2}},
            ]))
            .await;
        assert_eq!(s, 200, "{b}");
        let statuses: Vec<&str> = b.as_array().unwrap().iter().map(|i| i["resultInfo"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Failed", "NotFound", "NotFound", "Success"], "{b}");
        assert!(b[0]["resultInfo"]["message"].as_str().unwrap().contains("newReward.amount"), "{b}");
        assert_eq!(b[3]["reward"]["payoutId"], Value::Null, "payoutId may be omitted");
        let (_, list) = app.get("/api/rewards", k).await;
        assert_eq!(list["total"], 1, "only the good item was written");
    }
);

db_test!(
    async fn another_orgs_rewards_are_not_found_and_not_listed(app) {
        let a = world(&app, "Acme").await;
        let b = world(&app, "Beta").await;
        let r = reward(&app, &a.org.owner_key, &a.jane, &a.payout, 5.0, None).await;
        let kb = &b.org.owner_key;
        let (s, body) = app.post("/api/rewards/issue", kb, json!({"rewardId": r["id"]})).await;
        assert_rr_error(s, &body, 404, "not_found");
        let (s, body) = app.post("/api/rewards/update", kb, json!([{"rewardId": r["id"], "amount": 9}])).await;
        assert_eq!((s, body[0]["resultInfo"]["status"].as_str()), (200, Some("NotFound")), "{body}");
        let (s, body) = app.post("/api/rewards/remove", kb, json!([r["id"]])).await;
        assert_eq!((s, body[0]["resultInfo"]["status"].as_str()), (200, Some("NotFound")), "{body}");
        let (_, list) = app.get("/api/rewards", kb).await;
        assert_eq!(list["total"], 0);
        // Another org's member or payout method cannot be used either.
        let (_, body) = app
            .post("/api/rewards", kb, json!([{"memberQuery": {"primaryInfo": {"memberId": a.jane["id"]}}, "newReward": {"amount": 1}},
                                            {"memberQuery": {"primaryInfo": {"memberId": b.jane["id"]}}, "newReward": {"amount": 1, "payoutId": a.payout["id"]}}]))
            .await;
        assert_eq!(body[0]["resultInfo"]["status"], "NotFound", "{body}");
        assert_eq!(body[1]["resultInfo"]["status"], "NotFound", "{body}");
        let (_, list) = app.get("/api/rewards", &a.org.owner_key).await;
        assert_eq!(list["rewards"][0]["status"], "Pending", "untouched");
    }
);

db_test!(
    async fn an_analyst_reads_rewards_but_may_not_write_them(app) {
        let w = world(&app, "Acme").await;
        let r = reward(&app, &w.org.owner_key, &w.jane, &w.payout, 5.0, None).await;
        let analyst = app.key(&w.org, "analyst").await;
        let (s, _) = app.get("/api/rewards", &analyst).await;
        assert_eq!(s, 200);
        let (s, _) = app.get(&format!("/api/rewardrules?programId={}", w.program["id"].as_str().unwrap()), &analyst).await;
        assert_eq!(s, 200);
        let q = json!({"primaryInfo": {"memberId": w.jane["id"]}});
        for (path, body) in [
            ("/api/rewards", json!([{"memberQuery": q, "newReward": {"amount": 1}}])),
            ("/api/rewards/update", json!([{"rewardId": r["id"], "amount": 2}])),
            ("/api/rewards/issue", json!({"rewardId": r["id"]})),
            ("/api/rewards/remove", json!([r["id"]])),
        ] {
            let (s, b) = app.post(path, &analyst, body).await;
            assert_rr_error(s, &b, 403, "forbidden");
        }
    }
);

db_test!(
    async fn updating_changes_only_the_given_fields_and_an_issued_reward_cannot_be_changed_or_removed(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let other = payout_method(&app, k, "GiftCard").await;
        let r = reward(&app, k, &w.jane, &w.payout, 5.0, None).await;
        let (s, b) = app
            .post("/api/rewards/update", k, json!([{"rewardId": r["id"], "payoutId": other["id"], "amount": 7.25, "eligibilityDate": "2026-01-02T00:00:00Z"}]))
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b[0]["resultInfo"]["status"], "Success", "{b}");
        let u = &b[0]["reward"];
        assert_eq!((u["amount"].as_f64(), &u["payoutId"], &u["description"]), (Some(7.25), &other["id"], &json!("thanks")));
        assert_eq!(u["eligibilityDate"], "2026-01-02T00:00:00Z");
        let (s, b) = app.post("/api/rewards/update", k, json!([{"rewardId": r["id"], "amount": "x"}])).await;
        assert_eq!(s, 400, "{b}");
        let (s, i) = app.post("/api/rewards/issue", k, json!({"rewardId": r["id"], "note": "sent"})).await;
        assert_eq!((s, i["resultInfo"]["status"].as_str()), (200, Some("Success")), "{i}");
        assert_eq!(i["reward"]["status"], "Issued");
        assert!(i["reward"]["issueDate"].is_string());
        let (_, b) = app.post("/api/rewards/update", k, json!([{"rewardId": r["id"], "amount": 1}])).await;
        assert_eq!(b[0]["resultInfo"]["status"], "Failed", "{b}");
        assert!(b[0]["resultInfo"]["message"].as_str().unwrap().contains("Issued"), "{b}");
        let (_, b) = app.post("/api/rewards/remove", k, json!({"rewardIds": [r["id"]]})).await;
        assert_eq!((b[0]["rewardId"].as_str(), b[0]["resultInfo"]["status"].as_str()), (r["id"].as_str(), Some("Failed")), "{b}");
        let (_, i) = app.post("/api/rewards/issue", k, json!({"rewardId": r["id"]})).await;
        assert_eq!(i["resultInfo"]["status"], "Failed", "issued once only: {i}");
        let (_, list) = app.get("/api/rewards?status=issued", k).await;
        assert_eq!(list["total"], 1);
        let (_, events) = app.get("/api/v1/events?type=RewardIssue", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1);
        let (_, events) = app.get("/api/v1/events?type=RewardUpdate", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1);
    }
);

db_test!(
    async fn removing_cancels_a_reward_it_leaves_the_list_and_both_body_forms_and_verbs_work(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let a = reward(&app, k, &w.jane, &w.payout, 1.0, None).await;
        let b = reward(&app, k, &w.jane, &w.payout, 2.0, None).await;
        let (s, out) = app.post("/api/rewards/remove", k, json!([a["id"]])).await;
        assert_eq!((s, out[0]["resultInfo"]["status"].as_str()), (200, Some("Success")), "{out}");
        let (s, out) = app.call(reqwest::Method::DELETE, "/api/rewards/remove", Some(k), Some(json!({"rewardIds": [b["id"], a["id"]]}))).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!(out[0]["resultInfo"]["status"], "Success");
        assert_eq!(out[1]["resultInfo"]["status"], "NotFound", "already removed: {out}");
        let (_, list) = app.get("/api/rewards", k).await;
        assert_eq!(list["total"], 0);
        let (_, events) = app.get("/api/v1/events?type=RewardDelete", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 2);
        let (s, out) = app.post("/api/rewards/remove", k, json!({"rewardIds": []})).await;
        assert_rr_bad_field(s, &out, "body");
        let (_, i) = app.post("/api/rewards/issue", k, json!({"rewardId": a["id"]})).await;
        assert_eq!(i["code"], "not_found", "a removed reward is gone: {i}");
    }
);

db_test!(
    async fn a_reward_is_issued_before_its_eligibility_date_only_with_override_ineligible(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let r = reward(&app, k, &w.jane, &w.payout, 3.0, Some("2999-01-01T00:00:00Z")).await;
        let (s, i) = app.post("/api/rewards/issue", k, json!({"rewardId": r["id"]})).await;
        assert_eq!((s, i["resultInfo"]["status"].as_str()), (200, Some("Failed")), "{i}");
        assert!(i["resultInfo"]["message"].as_str().unwrap().contains("overrideIneligible"));
        assert_eq!(i["reward"]["status"], "Pending");
        let (s, i) = app.post("/api/rewards/issue?overrideIneligible=true", k, json!({"rewardId": r["id"]})).await;
        assert_eq!((s, i["resultInfo"]["status"].as_str()), (200, Some("Success")), "{i}");
        let (s, b) = app.post("/api/rewards/issue", k, json!({"note": "x"})).await;
        assert_eq!(s, 400, "{b}");
        let (s, b) = app.post("/api/rewards/issue?overrideIneligible=maybe", k, json!({"rewardId": r["id"]})).await;
        assert_rr_bad_field(s, &b, "overrideIneligible");
    }
);

db_test!(
    async fn fifty_parallel_issues_of_one_reward_issue_it_once(app) {
        let w = world(&app, "Acme").await;
        let k = w.org.owner_key.clone();
        let r = reward(&app, &k, &w.jane, &w.payout, 3.0, None).await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (app, k, id) = (app.clone(), k.clone(), r["id"].clone());
            tasks.push(tokio::spawn(async move { app.post("/api/rewards/issue", &k, json!({"rewardId": id})).await }));
        }
        let mut successes = 0;
        for t in tasks {
            let (s, b) = t.await.unwrap();
            assert_eq!(s, 200, "{b}");
            if b["resultInfo"]["status"] == "Success" {
                successes += 1;
            }
        }
        assert_eq!(successes, 1);
        let (_, events) = app.get("/api/v1/events?type=RewardIssue", &k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1);
    }
);

db_test!(
    async fn the_reward_list_filters_sorts_and_refuses_bad_values_naming_them(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let bob = member(&app, &w, "Bob").await;
        let a = reward(&app, k, &w.jane, &w.payout, 1.0, None).await;
        let b = reward(&app, k, &bob, &w.payout, 5.0, None).await;
        app.post("/api/rewards/issue", k, json!({"rewardId": a["id"]})).await;
        let ids = |v: &Value| v["rewards"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
        let (_, l) = app.get("/api/rewards", k).await;
        assert_eq!(ids(&l), [b["id"].clone(), a["id"].clone()], "newest first");
        let (_, l) = app.get("/api/rewards?sort=Create_Dt_Asc", k).await;
        assert_eq!(ids(&l), [a["id"].clone(), b["id"].clone()]);
        let (_, l) = app.get("/api/rewards?sort=Reward_Action_Desc", k).await;
        assert_eq!(ids(&l), [b["id"].clone(), a["id"].clone()]);
        let (_, l) = app.get("/api/rewards?sort=Recipient_Name_Asc", k).await;
        assert_eq!(ids(&l), [b["id"].clone(), a["id"].clone()], "Bob before Jane");
        let (_, l) = app.get("/api/rewards?sort=Complete_Dt_Desc", k).await;
        assert_eq!(ids(&l), [a["id"].clone(), b["id"].clone()], "issued first");
        let (_, l) = app.get("/api/rewards?status=PENDING", k).await;
        assert_eq!(ids(&l), [b["id"].clone()]);
        let (_, l) = app.get("/api/rewards?query=JANE@example.com", k).await;
        assert_eq!(ids(&l), [a["id"].clone()]);
        let (_, l) = app.get(&format!("/api/rewards?query={}", w.jane["referralCode"].as_str().unwrap()), k).await;
        assert_eq!(ids(&l), [a["id"].clone()]);
        let (_, l) = app.get(&format!("/api/rewards?memberId={}", bob["id"].as_str().unwrap()), k).await;
        assert_eq!(ids(&l), [b["id"].clone()]);
        let (_, l) = app.get("/api/rewards?programId=spring&count=1&offset=1", k).await;
        assert_eq!((l["total"].as_u64(), l["offset"].as_u64(), ids(&l).len()), (Some(2), Some(1), 1));
        let (_, l) = app.get("/api/rewards?dateTo=2000-01-01", k).await;
        assert_eq!(l["total"], 0);
        for (q, field) in [("status=paid", "status"), ("sort=Newest", "sort"), ("dateFrom=yesterday", "dateFrom"), ("count=0", "count")] {
            let (s, b) = app.get(&format!("/api/rewards?{q}"), k).await;
            assert_rr_bad_field(s, &b, field);
        }
    }
);

db_test!(
    async fn reward_rules_are_shown_in_the_003_shape_with_their_payout_method(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let path = format!("/api/v1/programs/{}/rules", w.program["id"].as_str().unwrap());
        let (s, rule) = app
            .post(&path, k, json!({"name": "approved pays", "recipient": "member", "trigger": "referral_approved", "reward_kind": "fixed",
                                    "amount": 10, "payout_id": w.payout["id"], "hold_days": 30}))
            .await;
        assert_eq!(s, 201, "{rule}");
        let (s, pct) = app
            .post(&path, k, json!({"name": "purchases", "trigger": "purchase", "reward_kind": "percent", "amount": "5.5", "enabled": false}))
            .await;
        assert_eq!(s, 201, "{pct}");
        let (s, rules) = app.get("/api/rewardrules?programId=spring", k).await;
        assert_eq!(s, 200, "{rules}");
        let rules = rules.as_array().unwrap();
        assert_eq!(rules.len(), 2);
        let r = rules.iter().find(|r| r["ruleId"] == rule["id"]).unwrap();
        assert_eq!(r["isEnabled"], true);
        assert_eq!(r["description"], "approved pays");
        assert_eq!(r["programId"], w.program["id"]);
        assert_eq!((&r["payoutId"], &r["payoutType"], &r["payoutDescription"]), (&w.payout["id"], &json!("PayPal"), &json!("PayPal payments")));
        assert_eq!(r["deliveryDelay"], 30);
        assert_eq!(r["reward"], json!({"amountCalculationMethod": "Fixed", "fixedAmount": 10.0, "startingPercentAmount": null}));
        assert_eq!(r["trigger"], json!({"referralStatus": "Approved", "event": "referral_approved"}));
        let p = rules.iter().find(|r| r["ruleId"] == pct["id"]).unwrap();
        assert_eq!(p["reward"]["startingPercentAmount"], 5.5);
        assert_eq!(p["trigger"]["referralStatus"], Value::Null);
        assert_eq!(p["payoutType"], Value::Null);
        let (s, b) = app.get("/api/rewardrules", k).await;
        assert_rr_bad_field(s, &b, "programId");
        let other = app.new_org("Beta").await;
        let (s, b) = app.get(&format!("/api/rewardrules?programId={}", w.program["id"].as_str().unwrap()), &other.owner_key).await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn a_manual_reward_for_a_referral_query_goes_to_the_referral(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let code = w.jane["referralCode"].as_str().unwrap();
        let (s, r) = app
            .post("/api/referrals", k, json!({"referralCode": code, "email": "bob@example.com", "externalIdentifier": "order-9"}))
            .await;
        assert_eq!(s, 201, "{r}");
        let referral = &r["referral"];
        let (s, items) = app
            .post("/api/rewards", k, json!([
                {"referralQuery": {"secondaryInfo": {"externalIdentifier": "order-9"}, "tertiaryInfo": {"ProgramId": w.program["id"]}},
                 "newReward": {"amount": 7.5, "payoutId": w.payout["id"], "description": "thanks"}},
                {"referralQuery": {"primaryInfo": {"referralId": "ref_nothere"}}, "newReward": {"amount": 1}}]))
            .await;
        assert_eq!(s, 200, "{items}");
        let reward = &items[0]["reward"];
        assert_eq!(items[0]["resultInfo"]["status"], "Success", "{items}");
        assert_eq!((&reward["type"], &reward["recipientId"]), (&json!("Referral"), &referral["id"]));
        assert_eq!((&reward["referralId"], &reward["memberId"]), (&referral["id"], &w.jane["id"]));
        assert_eq!((&reward["amount"], &reward["currencyCode"]), (&json!(7.5), &json!("EUR")));
        assert_eq!(items[1]["resultInfo"]["status"], "NotFound");
        assert!(items[1]["reward"].is_null());
        // A second manual reward for the same referral is another reward: the unique index that
        // pays each rule once per referral and trigger leaves rewards without a rule alone.
        let (s, again) = app
            .post("/api/rewards", k, json!([
                {"referralQuery": {"primaryInfo": {"referralId": referral["id"]}}, "newReward": {"amount": 2}}]))
            .await;
        assert_eq!((s, &again[0]["resultInfo"]["status"]), (200, &json!("Success")), "{again}");
        assert_ne!(again[0]["reward"]["id"], reward["id"]);
        let (_, list) = app.get(&format!("/api/rewards?referralId={}", referral["id"].as_str().unwrap()), k).await;
        assert_eq!(list["total"], 2, "{list}");
        // Another org's referral is not found either.
        let v = world(&app, "Beta").await;
        let (_, theirs) = app
            .post("/api/rewards", &v.org.owner_key, json!([
                {"referralQuery": {"primaryInfo": {"referralId": referral["id"]}}, "newReward": {"amount": 1}}]))
            .await;
        assert_eq!(theirs[0]["resultInfo"]["status"], "NotFound", "{theirs}");
    }
);

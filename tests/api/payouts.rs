//! Payout methods (native and 003), pending payouts, payout transactions and
//! `Idempotency-Key`. SQLite and PostgreSQL.

use crate::common::{assert_bad_field, assert_error, assert_rr_bad_field, assert_rr_error};
use crate::rewards::{member, payout_method, reward, world};
use serde_json::{json, Value};

db_test!(
    async fn payout_methods_are_created_listed_changed_and_removed_natively(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let p = &w.payout;
        assert!(p["id"].as_str().unwrap().starts_with("pay_"));
        assert_eq!((&p["description"], &p["payoutType"]), (&json!("PayPal payments"), &json!("PayPal")));
        let path = format!("/api/v1/payouts/{}", p["id"].as_str().unwrap());
        let (s, got) = app.get(&path, k).await;
        assert_eq!((s, &got["id"]), (200, &p["id"]));
        let (s, changed) = app.call(reqwest::Method::PATCH, &path, Some(k), Some(json!({"description": "PayPal (EU)"}))).await;
        assert_eq!(s, 200, "{changed}");
        assert_eq!((&changed["description"], &changed["payoutType"]), (&json!("PayPal (EU)"), &json!("PayPal")));
        let (s, list) = app.get("/api/v1/payouts?limit=1", k).await;
        assert_eq!((s, list["pagination"]["total"].as_u64(), list["data"].as_array().unwrap().len()), (200, Some(1), 1));
        // In use by an unpaid reward: 409; once removed, the method can go.
        let r = reward(&app, k, &w.jane, p, 1.0, None).await;
        let (s, b) = app.delete(&path, k).await;
        assert_error(s, &b, 409, "conflict");
        app.post("/api/rewards/remove", k, json!([r["id"]])).await;
        let (s, _) = app.delete(&path, k).await;
        assert_eq!(s, 200);
        let (s, b) = app.get(&path, k).await;
        assert_error(s, &b, 404, "not_found");
        let (_, list) = app.get("/api/v1/payouts", k).await;
        assert_eq!(list["pagination"]["total"], 0);
        let (_, events) = app.get("/api/v1/events?type=PayoutDelete", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1);
    }
);

db_test!(
    async fn payout_methods_refuse_bad_input_other_orgs_and_analysts(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let (s, b) = app.post("/api/v1/payouts", k, json!({"payoutType": "PayPal"})).await;
        assert_bad_field(s, &b, "description");
        let (s, b) = app.post("/api/v1/payouts", k, json!({"description": " ", "payoutType": "PayPal"})).await;
        assert_bad_field(s, &b, "description");
        let (s, b) = app.get("/api/v1/payouts/prog_x", k).await;
        assert_bad_field(s, &b, "id");
        let other = app.new_org("Beta").await;
        let path = format!("/api/v1/payouts/{}", w.payout["id"].as_str().unwrap());
        let (s, b) = app.get(&path, &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.delete(&path, &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("/api/payouts/{}", w.payout["id"].as_str().unwrap()), &other.owner_key).await;
        assert_rr_error(s, &b, 404, "not_found");
        let analyst = app.key(&w.org, "analyst").await;
        let (s, _) = app.get("/api/v1/payouts", &analyst).await;
        assert_eq!(s, 200);
        let (s, b) = app.post("/api/v1/payouts", &analyst, json!({"description": "x", "payoutType": "y"})).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.delete(&path, &analyst).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.post("/api/payouts/transactions", &analyst, json!({"payoutId": w.payout["id"]})).await;
        assert_rr_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn the_003_payout_list_shows_the_programs_whose_rules_pay_with_each_method(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let gift = payout_method(&app, k, "GiftCard").await;
        let path = format!("/api/v1/programs/{}/rules", w.program["id"].as_str().unwrap());
        let (s, r) = app.post(&path, k, json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "payout_id": gift["id"]})).await;
        assert_eq!(s, 201, "{r}");
        let (s, list) = app.get("/api/payouts", k).await;
        assert_eq!(s, 200, "{list}");
        assert_eq!((list["total"].as_u64(), list["offset"].as_u64()), (Some(2), Some(0)));
        let g = list["payouts"].as_array().unwrap().iter().find(|p| p["id"] == gift["id"]).unwrap().clone();
        assert_eq!(g, json!({"id": gift["id"], "description": "GiftCard payments", "payoutType": "GiftCard",
                             "payoutPrograms": [{"programId": w.program["id"], "programName": "spring"}]}));
        let (s, one) = app.get(&format!("/api/payouts/{}", gift["id"].as_str().unwrap()), k).await;
        assert_eq!((s, &one), (200, &g));
    }
);

db_test!(
    async fn pending_payouts_group_per_recipient_method_and_currency_in_the_003_casing(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let bob = member(&app, &w, "Bob").await;
        let gift = payout_method(&app, k, "GiftCard").await;
        let a = reward(&app, k, &w.jane, &w.payout, 1.5, None).await;
        let b = reward(&app, k, &w.jane, &w.payout, 2.0, None).await;
        reward(&app, k, &w.jane, &gift, 4.0, None).await;
        reward(&app, k, &bob, &w.payout, 8.0, None).await;
        reward(&app, k, &w.jane, &w.payout, 16.0, Some("2999-01-01T00:00:00Z")).await;
        let removed = reward(&app, k, &w.jane, &w.payout, 32.0, None).await;
        app.post("/api/rewards/remove", k, json!([removed["id"]])).await;
        let (s, set) = app.get(&format!("/api/payouts/pending?recipientId={}", w.jane["id"].as_str().unwrap()), k).await;
        assert_eq!(s, 200, "{set}");
        assert_eq!(set["total"], 2, "{set}");
        let rows = set["payoutsPending"].as_array().unwrap();
        let paypal = rows.iter().find(|r| r["payoutId"] == w.payout["id"]).unwrap();
        for key in ["payoutId", "Description", "rewardCount", "amount", "rewardsList", "programId", "programName", "memberId",
                    "memberName", "recipientId", "RecipientName", "RecipientType"] {
            assert!(paypal.get(key).is_some(), "{key} missing: {paypal}");
        }
        assert_eq!(paypal["Description"], "PayPal payments");
        assert_eq!((paypal["rewardCount"].as_i64(), paypal["amount"].as_f64()), (Some(2), Some(3.5)));
        assert_eq!(paypal["rewardsList"], format!("{},{}", a["id"].as_str().unwrap(), b["id"].as_str().unwrap()));
        assert_eq!((&paypal["RecipientName"], &paypal["RecipientType"], &paypal["memberName"]), (&json!("Jane Doe"), &json!("Member"), &json!("Jane Doe")));
        assert_eq!(paypal["programName"], "spring");
        let (_, set) = app.get(&format!("/api/payouts/pending?memberId={}&includeIneligible=true", w.jane["id"].as_str().unwrap()), k).await;
        let paypal = set["payoutsPending"].as_array().unwrap().iter().find(|r| r["payoutId"] == w.payout["id"]).unwrap().clone();
        assert_eq!(paypal["rewardCount"], 3, "the ineligible one too");
        let (_, all) = app.get("/api/payouts/pending", k).await;
        assert_eq!(all["total"], 3, "Jane twice, Bob once: {all}");
        let (s, b) = app.get("/api/payouts/pending?recipientId=mem_nothere", k).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.get("/api/payouts/pending?recipientId=bogus", k).await;
        assert_rr_bad_field(s, &b, "recipientId");
    }
);

db_test!(
    async fn a_payout_transaction_issues_the_eligible_rewards_with_its_id(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        let bob = member(&app, &w, "Bob").await;
        let a = reward(&app, k, &w.jane, &w.payout, 1.5, None).await;
        let b = reward(&app, k, &w.jane, &w.payout, 2.0, None).await;
        let later = reward(&app, k, &w.jane, &w.payout, 16.0, Some("2999-01-01T00:00:00Z")).await;
        let bobs = reward(&app, k, &bob, &w.payout, 8.0, None).await;
        let (s, out) = app
            .post("/api/payouts/transactions", k, json!({"payoutId": w.payout["id"], "recipientId": w.jane["id"], "note": "November"}))
            .await;
        assert_eq!(s, 200, "{out}");
        let results = out["issuePayoutTransactionResults"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{out}");
        let t = &results[0]["payoutTransaction"];
        assert_eq!(results[0]["resultInfo"]["status"], "Success");
        assert!(t["id"].as_str().unwrap().starts_with("ptx_"));
        assert_eq!((t["amount"].as_f64(), &t["currencyCode"], &t["recipientId"]), (Some(3.5), &json!("EUR"), &w.jane["id"]));
        assert_eq!((&t["transactionDestination"], &t["vendorErrorStatus"]), (&json!("PayPal"), &Value::Null));
        let (_, list) = app.get("/api/rewards?status=Issued", k).await;
        let issued: Vec<&Value> = list["rewards"].as_array().unwrap().iter().collect();
        assert_eq!(issued.len(), 2);
        for r in issued {
            assert_eq!(r["transactionID"], t["id"]);
            assert!(r["id"] == a["id"] || r["id"] == b["id"]);
        }
        let (_, again) = app.post("/api/payouts/transactions", k, json!({"payoutId": w.payout["id"], "memberId": w.jane["id"]})).await;
        assert_eq!(again["issuePayoutTransactionResults"], json!([]), "nothing left: {again}");
        assert!(again["message"].as_str().unwrap().contains("no eligible"));
        // overrideIneligible pays the future one; without a recipient every recipient is paid.
        let (_, all) = app.post("/api/payouts/transactions?overrideIneligible=true", k, json!({"payoutId": w.payout["id"]})).await;
        assert_eq!(all["total"], 2, "{all}");
        let (s, txs) = app.get(&format!("/api/payouts/transactions?recipientId={}", w.jane["id"].as_str().unwrap()), k).await;
        assert_eq!(s, 200, "{txs}");
        assert_eq!((txs["total"].as_u64(), &txs["balance"]), (Some(2), &Value::Null));
        let (_, one) = app.get(&format!("/api/payouts/transactions?transactionId={}", t["id"].as_str().unwrap()), k).await;
        assert_eq!(one["payoutTransactions"][0]["amount"], 3.5);
        let (_, r) = app.get(&format!("/api/rewards?query={}", later["id"].as_str().unwrap()), k).await;
        assert_eq!(r["rewards"][0]["status"], "Issued");
        let (_, r) = app.get(&format!("/api/rewards?query={}", bobs["id"].as_str().unwrap()), k).await;
        assert_eq!(r["rewards"][0]["status"], "Issued");
        let (_, events) = app.get("/api/v1/events?type=PayoutTransactionAdd", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 3);
        let (_, events) = app.get("/api/v1/events?type=RewardIssue", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 4);
        // Bad input, other orgs.
        let (s, b) = app.post("/api/payouts/transactions", k, json!({"recipientId": w.jane["id"]})).await;
        assert_rr_bad_field(s, &b, "payoutId");
        let (s, b) = app.post("/api/payouts/transactions", k, json!({"payoutId": "nope"})).await;
        assert_rr_bad_field(s, &b, "payoutId");
        let other = app.new_org("Beta").await;
        let (s, b) = app.post("/api/payouts/transactions", &other.owner_key, json!({"payoutId": w.payout["id"]})).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.get(&format!("/api/payouts/transactions?recipientId={}", w.jane["id"].as_str().unwrap()), &other.owner_key).await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn fifty_parallel_payouts_for_one_recipient_make_exactly_one_transaction(app) {
        let w = world(&app, "Acme").await;
        let k = w.org.owner_key.clone();
        for amount in [1.0, 2.0, 3.0] {
            reward(&app, &k, &w.jane, &w.payout, amount, None).await;
        }
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (app, k) = (app.clone(), k.clone());
            let body = json!({"payoutId": w.payout["id"], "recipientId": w.jane["id"]});
            tasks.push(tokio::spawn(async move { app.post("/api/payouts/transactions", &k, body).await }));
        }
        let mut made = 0;
        for t in tasks {
            let (s, b) = t.await.unwrap();
            assert!(s == 200 || s == 409, "{s} {b}");
            if s == 200 {
                made += b["issuePayoutTransactionResults"].as_array().unwrap().len();
            }
        }
        assert_eq!(made, 1);
        let (_, txs) = app.get("/api/payouts/transactions", &k).await;
        assert_eq!(txs["total"], 1);
        assert_eq!(txs["payoutTransactions"][0]["amount"], 6.0);
    }
);

db_test!(
    async fn an_idempotency_key_replays_refuses_other_bodies_and_is_per_org(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        reward(&app, k, &w.jane, &w.payout, 2.0, None).await;
        let body = json!({"payoutId": w.payout["id"], "recipientId": w.jane["id"]});
        let (s, first) = app.post_idempotent("/api/payouts/transactions", k, "pay-nov-1", body.clone()).await;
        assert_eq!((s, first["total"].as_u64()), (200, Some(1)), "{first}");
        let (s, replay) = app.post_idempotent("/api/payouts/transactions", k, "pay-nov-1", body.clone()).await;
        assert_eq!((s, &replay), (200, &first), "the same answer again");
        let (_, txs) = app.get("/api/payouts/transactions", k).await;
        assert_eq!(txs["total"], 1, "paid once");
        let mut other_body = body.clone();
        other_body["note"] = json!("different");
        let (s, b) = app.post_idempotent("/api/payouts/transactions", k, "pay-nov-1", other_body).await;
        assert_rr_error(s, &b, 422, "unprocessable");
        assert_eq!(b["field"], "Idempotency-Key");
        let (s, b) = app.post_idempotent("/api/payouts/transactions", k, &"k".repeat(256), body.clone()).await;
        assert_rr_bad_field(s, &b, "Idempotency-Key");
        // The same key in another org is another key.
        let v = world(&app, "Beta").await;
        reward(&app, &v.org.owner_key, &v.jane, &v.payout, 3.0, None).await;
        let (s, theirs) = app.post_idempotent("/api/payouts/transactions", &v.org.owner_key, "pay-nov-1",
                                         json!({"payoutId": v.payout["id"], "recipientId": v.jane["id"]})).await;
        assert_eq!((s, theirs["total"].as_u64()), (200, Some(1)), "{theirs}");
        assert_ne!(theirs, first);
        // Rewards: the same create twice with a key makes one reward.
        let create = json!([{"memberQuery": {"primaryInfo": {"memberId": w.jane["id"]}}, "newReward": {"amount": 1}}]);
        let (s, a) = app.post_idempotent("/api/rewards", k, "add-1", create.clone()).await;
        let (s2, b) = app.post_idempotent("/api/rewards", k, "add-1", create.clone()).await;
        assert_eq!((s, s2), (200, 200));
        assert_eq!(a, b);
        let (_, list) = app.get("/api/rewards?status=Pending", k).await;
        assert_eq!(list["total"], 1);
        // A failed request leaves its key free for the retry.
        let (s, _) = app.post_idempotent("/api/payouts/transactions", k, "retry-1", json!({"payoutId": "pay_nothere"})).await;
        assert_eq!(s, 404);
        let (s, _) = app.post_idempotent("/api/payouts/transactions", k, "retry-1", json!({"payoutId": w.payout["id"]})).await;
        assert_eq!(s, 200);
    }
);

db_test!(
    async fn a_key_whose_first_request_is_still_in_flight_answers_409(app) {
        let w = world(&app, "Acme").await;
        let k = &w.org.owner_key;
        // Hold a claim as a first request in progress would.
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO idempotency_key (org_id, key, operation, request_hash, state, created_at) \
                 SELECT id, 'held-1', 'rrIssuePayoutTransactions', 'h', 'in_flight', '2999-01-01 00:00:00+00:00' FROM org WHERE public_id = '{}'",
                w.org.id
            ))
            .await
            .unwrap();
        let body = json!({"payoutId": w.payout["id"]});
        let (s, b) = app.post_idempotent("/api/payouts/transactions", k, "held-1", body.clone()).await;
        assert_rr_error(s, &b, 409, "conflict");
        // Another org's request with the same key is not held up.
        let v = world(&app, "Beta").await;
        let (s, b) = app.post_idempotent("/api/payouts/transactions", &v.org.owner_key, "held-1", json!({"payoutId": v.payout["id"]})).await;
        assert_eq!(s, 200, "{b}");
    }
);

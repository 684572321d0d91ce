//! The rewards engine through the API: purchases (`POST /api/referralaction`) applying purchase
//! rules, caps, holds, script failures, and reward explanations. SQLite and PostgreSQL.
//!
//! Referrals are inserted as rows here (the referral API lives in its own module); everything
//! else goes through the API.

use crate::common::{
    assert_bad_field, assert_error, assert_rr_bad_field, assert_rr_error, program_body, Org,
    TestApp,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

pub struct Fixture {
    pub org: Org,
    pub key: String,
    pub program: Value,
    pub member: Value,
}

pub async fn setup(app: &TestApp, name: &str) -> Fixture {
    let org = app.new_org(name).await;
    let key = org.owner_key.clone();
    let program = app.program(&key, program_body("spring")).await;
    let member = app
        .member(
            &key,
            json!({"programId": program["id"], "firstName": "Mia", "email": format!("mia@{}.example.com", name.to_lowercase())}),
        )
        .await;
    Fixture {
        org,
        key,
        program,
        member,
    }
}

/// Inserts a live referral of the fixture's member; answers its public id.
pub async fn referral_row(app: &TestApp, f: &Fixture, email: &str, held: Option<&str>) -> String {
    let db = app.db.raw();
    let program = entities::program::Entity::find()
        .filter(entities::program::Column::PublicId.eq(f.program["id"].as_str().unwrap()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let member = entities::member::Entity::find()
        .filter(entities::member::Column::PublicId.eq(f.member["id"].as_str().unwrap()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let public_id = vouch::domain::ids::new_public_id("ref");
    entities::referral::ActiveModel {
        public_id: Set(public_id.clone()),
        org_id: Set(program.org_id),
        member_id: Set(member.id),
        status: Set("pending".into()),
        created_at: Set(chrono::Utc::now()),
        email: Set(Some(email.into())),
        email_key: Set(Some(vouch::domain::referrals::identity::mailbox(
            &vouch::domain::values::Email::parse(email).unwrap(),
        ))),
        program_id: Set(Some(program.id)),
        amount_minor: Set(Some(5000)),
        held_reason: Set(held.map(Into::into)),
        source: Set("API".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    public_id
}

pub async fn rule(app: &TestApp, f: &Fixture, body: Value) -> Value {
    let (s, r) = app
        .post(
            &format!(
                "/api/v1/programs/{}/rules",
                f.program["id"].as_str().unwrap()
            ),
            &f.key,
            body,
        )
        .await;
    assert_eq!(s, 201, "{r}");
    r
}

pub async fn condition(app: &TestApp, f: &Fixture, rule: &Value, body: Value) -> Value {
    let (s, c) = app
        .post(
            &format!("/api/v1/rules/{}/conditions", rule["id"].as_str().unwrap()),
            &f.key,
            body,
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

pub async fn script(app: &TestApp, f: &Fixture, name: &str, kind: &str, source: &str) -> String {
    let (s, b) = app
        .post(
            "/api/v1/scripts",
            &f.key,
            json!({"name": name, "kind": kind, "source": source}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

async fn purchase(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    app.post("/api/referralaction", key, body).await
}

pub async fn count<E>(app: &TestApp) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    PaginatorTrait::count(E::find(), app.db.raw())
        .await
        .unwrap()
}

pub async fn events_of(app: &TestApp, key: &str, kind: &str) -> Vec<Value> {
    let (s, b) = app
        .get(&format!("/api/v1/events?type={kind}&limit=100"), key)
        .await;
    assert_eq!(s, 200, "{b}");
    b["data"].as_array().unwrap().clone()
}

db_test!(
    async fn a_purchase_pays_a_percent_reward_rounded_half_to_even(app) {
        let f = setup(&app, "Acme").await;
        let r = rule(&app, &f, json!({"name": "2.5% of purchases", "trigger": "purchase", "reward_kind": "percent", "amount": "2.5"})).await;
        let referral = referral_row(&app, &f, "ann@example.com", None).await;
        // 2.5% of 10.10 = 0.2525 → 0.25; 2.5% of 10.30 = 0.2575 → 0.26 (half-even on the
        // third decimal only matters at exactly .5: 2.5% of 0.60 = 0.015 → 0.02, of 0.20 = 0.005 → 0.00).
        let (s, b) = purchase(&app, &f.key, json!({"amount": 0.6, "referralQuery": referral, "externalIdentifier": "o-1", "name": "order 1"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["message"], "Referral Action Added");
        let a = &b["referralAction"];
        assert!(a["id"].as_str().unwrap().starts_with("act_"));
        assert_eq!((a["referralId"].as_str(), a["programId"].as_str()), (Some(referral.as_str()), f.program["id"].as_str()));
        assert_eq!((a["amount"].as_f64(), a["amountFormatted"].as_str(), a["name"].as_str()), (Some(0.6), Some("0.60"), Some("order 1")));
        assert_eq!(b["rewards"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(b["rewards"][0]["amount"].as_f64(), Some(0.02), "0.015 rounds to the even 0.02");
        assert_eq!(b["rewards"][0]["ruleId"], r["id"]);
        assert_eq!(b["rewards"][0]["status"], "Pending");

        let (s, b) = purchase(&app, &f.key, json!({"amount": "0.20", "referralQuery": "ANN@example.com"})).await;
        assert_eq!(s, 200, "{b}");
        assert!(b["rewards"].as_array().unwrap().is_empty(), "0.005 rounds to the even 0.00: no reward: {b}");

        let added = events_of(&app, &f.key, "RewardAdd").await;
        assert_eq!(added.len(), 1);
        assert_eq!(added[0]["payload"]["amount"], "0.02");
        assert_eq!(added[0]["payload"]["referral_id"], referral.as_str());
        assert_eq!(added[0]["payload"]["rule_id"], r["id"]);
    }
);

db_test!(
    async fn a_replayed_external_identifier_answers_the_first_action_and_writes_nothing(app) {
        let f = setup(&app, "Acme").await;
        rule(&app, &f, json!({"name": "fixed", "trigger": "purchase", "reward_kind": "fixed", "amount": 5})).await;
        let referral = referral_row(&app, &f, "ann@example.com", None).await;
        let body = json!({"amount": "20.00", "referralQuery": referral, "externalIdentifier": "o-1"});
        let (s, first) = purchase(&app, &f.key, body.clone()).await;
        assert_eq!(s, 200, "{first}");
        let (actions, rewards, events) = (
            count::<entities::referral_action::Entity>(&app).await,
            count::<entities::reward::Entity>(&app).await,
            count::<entities::event::Entity>(&app).await,
        );
        let mut other = body.clone();
        other["amount"] = json!(99);
        let (s, again) = purchase(&app, &f.key, other).await;
        assert_eq!(s, 200, "{again}");
        assert_eq!(again["message"], "Referral Action Already Recorded");
        assert_eq!(again["referralAction"], first["referralAction"], "the first action is answered");
        assert_eq!(again["rewards"], first["rewards"]);
        assert_eq!(count::<entities::referral_action::Entity>(&app).await, actions);
        assert_eq!(count::<entities::reward::Entity>(&app).await, rewards);
        assert_eq!(count::<entities::event::Entity>(&app).await, events);
    }
);

db_test!(
    async fn fifty_concurrent_identical_purchases_record_one_action_and_one_reward(app) {
        let f = setup(&app, "Acme").await;
        rule(&app, &f, json!({"name": "fixed", "trigger": "purchase", "reward_kind": "fixed", "amount": 5})).await;
        let referral = referral_row(&app, &f, "ann@example.com", None).await;
        let body = json!({"amount": "20.00", "referralQuery": referral, "externalIdentifier": "same"});
        let calls = (0..50).map(|_| purchase(&app, &f.key, body.clone()));
        let answers = futures::future::join_all(calls).await;
        let mut added = 0;
        let mut ids = std::collections::HashSet::new();
        for (s, b) in &answers {
            assert_eq!(*s, 200, "{b}");
            added += (b["message"] == "Referral Action Added") as usize;
            ids.insert(b["referralAction"]["id"].as_str().unwrap().to_string());
            assert_eq!(b["rewards"].as_array().unwrap().len(), 1, "{b}");
        }
        assert_eq!((added, ids.len()), (1, 1));
        assert_eq!(count::<entities::referral_action::Entity>(&app).await, 1);
        assert_eq!(count::<entities::reward::Entity>(&app).await, 1);
    }
);

db_test!(
    async fn purchase_caps_hold_per_referral_and_per_member(app) {
        let f = setup(&app, "Acme").await;
        rule(&app, &f, json!({"name": "two per referral", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "max_per_referral": 2})).await;
        rule(&app, &f, json!({"name": "three per member", "trigger": "purchase", "reward_kind": "fixed", "amount": 2, "max_per_member": 3})).await;
        let a = referral_row(&app, &f, "a@example.com", None).await;
        let b = referral_row(&app, &f, "b@example.com", None).await;
        let mut per_rule = (0, 0);
        for (i, who) in [&a, &a, &a, &b, &b].into_iter().enumerate() {
            let (s, r) = purchase(&app, &f.key, json!({"amount": 10, "referralQuery": who, "externalIdentifier": format!("o-{i}")})).await;
            assert_eq!(s, 200, "{r}");
            for rw in r["rewards"].as_array().unwrap() {
                if rw["amount"].as_f64() == Some(1.0) { per_rule.0 += 1 } else { per_rule.1 += 1 }
            }
        }
        assert_eq!(per_rule, (4, 3), "2 for each referral under the first rule, 3 for the member under the second");
    }
);

db_test!(
    async fn a_hold_sets_the_eligibility_date_and_a_held_referral_gets_held_rewards(app) {
        let f = setup(&app, "Acme").await;
        rule(&app, &f, json!({"name": "held 30 days", "trigger": "purchase", "reward_kind": "fixed", "amount": 3, "hold_days": 30})).await;
        let ok = referral_row(&app, &f, "a@example.com", None).await;
        let held = referral_row(&app, &f, "b@example.com", Some("velocity")).await;
        let (_, r1) = purchase(&app, &f.key, json!({"amount": 10, "referralQuery": ok})).await;
        let (_, r2) = purchase(&app, &f.key, json!({"amount": 10, "referralQuery": held})).await;
        assert_eq!(r1["rewards"][0]["status"], "Pending", "{r1}");
        assert_eq!(r2["rewards"][0]["status"], "Held", "{r2}");
        let rows = entities::reward::Entity::find().all(app.db.raw()).await.unwrap();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            let days = (row.eligibility_date.unwrap() - row.created_at).num_days();
            assert!((29..=30).contains(&days), "eligible 30 days on: {days}");
            assert_eq!(row.source, "Referral Action");
            assert_eq!(row.recipient_type, "Member");
            assert!(row.action_id.is_some());
        }
        let held_row = rows.iter().find(|r| r.status == "Held").unwrap();
        assert_eq!(held_row.held_reason.as_deref(), Some("velocity"));
    }
);

db_test!(
    async fn a_failing_script_counts_as_false_keeps_the_purchase_and_is_explained(app) {
        let f = setup(&app, "Acme").await;
        let bad = script(&app, &f, "boom", "condition", "let x = referral.amount / 0; x > 1").await;
        // Only the failing script: no reward.
        let only = rule(&app, &f, json!({"name": "only script", "trigger": "purchase", "reward_kind": "fixed", "amount": 1})).await;
        condition(&app, &f, &only, json!({"ctype": 5, "script_id": bad})).await;
        // The failing script OR a count that holds: a reward whose explanation records the failure.
        let either = rule(&app, &f, json!({"name": "script or count", "trigger": "purchase", "reward_kind": "fixed", "amount": 2})).await;
        condition(&app, &f, &either, json!({"ctype": 5, "script_id": bad, "group": "new", "groupname": "g"})).await;
        condition(&app, &f, &either, json!({"ctype": 3, "comparison": "ge", "referral_count": 1, "group": "new", "groupname": "g"})).await;
        let referral = referral_row(&app, &f, "a@example.com", None).await;
        let (s, b) = purchase(&app, &f.key, json!({"amount": 10, "referralQuery": referral})).await;
        assert_eq!(s, 200, "{b}");
        let rewards = b["rewards"].as_array().unwrap();
        assert_eq!(rewards.len(), 1, "{b}");
        assert_eq!(rewards[0]["ruleId"], either["id"]);
        assert_eq!(count::<entities::referral_action::Entity>(&app).await, 1, "the purchase is kept");
        let failed = events_of(&app, &f.key, "RuleScriptFailed").await;
        assert_eq!(failed.len(), 2, "one per rule: {failed:?}");
        for e in &failed {
            assert_eq!(e["payload"]["script_id"], bad.as_str());
            assert_eq!(e["payload"]["referral_id"], referral.as_str());
            assert!(e["payload"]["error"].as_str().unwrap().to_lowercase().contains("zero"), "{e}");
        }
        let (s, x) = app.get(&format!("/api/v1/rewards/{}/explain", rewards[0]["id"].as_str().unwrap()), &f.key).await;
        assert_eq!(s, 200, "{x}");
        assert_eq!(x["kind"], "rule");
        assert_eq!(x["script_failures"][0]["script_id"], bad.as_str());
        assert_eq!(x["decision"]["passed"], true);
        assert_eq!(x["decision"]["conditions"][0]["passed"], false);
        assert_eq!(x["decision"]["conditions"][1]["observed"], 1);
        assert_eq!(x["decision"]["groups"][0]["passed"], true);
    }
);

db_test!(
    async fn explain_answers_the_rule_version_trigger_facts_decision_and_amount(app) {
        let f = setup(&app, "Acme").await;
        let r = rule(&app, &f, json!({"name": "10% over 5", "trigger": "purchase", "reward_kind": "percent", "amount": 10})).await;
        condition(&app, &f, &r, json!({"ctype": 1, "comparison": "gt", "amount_ctype_1": "5"})).await;
        let referral = referral_row(&app, &f, "a@example.com", None).await;
        let (_, b) = purchase(&app, &f.key, json!({"amount": "12.34", "referralQuery": referral})).await;
        let id = b["rewards"][0]["id"].as_str().unwrap().to_string();
        let analyst = app.key(&f.org, "analyst").await;
        let (s, x) = app.get(&format!("/api/v1/rewards/{id}/explain"), &analyst).await;
        assert_eq!(s, 200, "an analyst may read explanations: {x}");
        assert_eq!(x["reward_id"], id.as_str());
        assert_eq!((x["rule"]["id"].clone(), x["rule"]["name"].clone(), x["rule"]["version"].clone()), (r["id"].clone(), json!("10% over 5"), json!(2)));
        assert_eq!(x["trigger"], "purchase");
        assert!(x["trigger_key"].as_str().unwrap().starts_with("purchase:"));
        assert_eq!(x["facts"]["referral_sales_minor"], 1234);
        assert_eq!(x["decision"]["conditions"][0]["observed"], 1234);
        assert_eq!(x["decision"]["conditions"][0]["threshold"], 500);
        assert_eq!(x["amount"]["kind"], "percent");
        assert_eq!(x["amount"]["base_minor"], 1234);
        assert_eq!(x["amount"]["amount"], "1.23");
        assert_eq!(x["amount_minor"], 123);
        assert_eq!(x["script_failures"], json!([]));

        let (s, e) = app.get("/api/v1/rewards/nope/explain", &f.key).await;
        assert_error(s, &e, 400, "invalid_input");
        let other = app.new_org("Other").await;
        let (s, e) = app.get(&format!("/api/v1/rewards/{id}/explain"), &other.owner_key).await;
        assert_error(s, &e, 404, "not_found");
    }
);

db_test!(
    async fn a_manual_reward_explains_itself_as_manual(app) {
        let f = setup(&app, "Acme").await;
        let db = app.db.raw();
        let member = entities::member::Entity::find()
            .filter(entities::member::Column::PublicId.eq(f.member["id"].as_str().unwrap()))
            .one(db).await.unwrap().unwrap();
        let public_id = vouch::domain::ids::new_public_id("rwd");
        entities::reward::ActiveModel {
            public_id: Set(public_id.clone()), org_id: Set(member.org_id), member_id: Set(member.id),
            amount_minor: Set(700), currency: Set("USD".into()), status: Set("Pending".into()),
            created_at: Set(chrono::Utc::now()), recipient_type: Set("Member".into()), source: Set("Manual".into()),
            description: Set(Some("thank-you bonus".into())), ..Default::default()
        }.insert(db).await.unwrap();
        let (s, x) = app.get(&format!("/api/v1/rewards/{public_id}/explain"), &f.key).await;
        assert_eq!(s, 200, "{x}");
        assert_eq!(x["kind"], "manual");
        assert_eq!(x["description"], "thank-you bonus");
        assert_eq!(x["rule"], Value::Null);
        assert_eq!(x["decision"], Value::Null);
    }
);

db_test!(
    async fn referralaction_refuses_bad_input_unknown_referrals_other_orgs_and_analysts(app) {
        let f = setup(&app, "Acme").await;
        let referral = referral_row(&app, &f, "a@example.com", None).await;
        for (body, field) in [
            (json!({"referralQuery": referral}), "amount"),
            (json!({"amount": "ten", "referralQuery": referral}), "amount"),
            (json!({"amount": -1, "referralQuery": referral}), "amount"),
            (json!({"amount": "1.234", "referralQuery": referral}), "amount"),
            (json!({"amount": true, "referralQuery": referral}), "amount"),
            (json!({"amount": 1, "referralQuery": " "}), "referralQuery"),
        ] {
            let (s, e) = purchase(&app, &f.key, body.clone()).await;
            assert_rr_bad_field(s, &e, field);
        }
        let (s, e) = purchase(&app, &f.key, json!({"amount": 1})).await;
        assert_eq!(s, 400, "referralQuery is required: {e}");
        let (s, e) = purchase(&app, &f.key, json!({"amount": 1, "referralQuery": "nobody@example.com"})).await;
        assert_rr_error(s, &e, 404, "not_found");
        let (s, e) = purchase(&app, &f.key, json!({"amount": 1, "referralQuery": referral, "programQuery": "autumn"})).await;
        assert_rr_error(s, &e, 404, "not_found");
        let other = app.new_org("Other").await;
        let (s, e) = purchase(&app, &other.owner_key, json!({"amount": 1, "referralQuery": referral})).await;
        assert_rr_error(s, &e, 404, "not_found");
        let analyst = app.key(&f.org, "analyst").await;
        let (s, e) = purchase(&app, &analyst, json!({"amount": 1, "referralQuery": referral})).await;
        assert_rr_error(s, &e, 403, "forbidden");
        assert_eq!(count::<entities::referral_action::Entity>(&app).await, 0, "nothing was recorded");
        let _ = assert_bad_field;
    }
);

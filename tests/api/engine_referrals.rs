//! The rewards engine on referral triggers (created, qualified, approved) through
//! `POST /api/referrals`, and simulation (`POST /api/v1/programs/{id}/simulate`). SQLite and
//! PostgreSQL.

use crate::common::{assert_bad_field, assert_error, program_body, Org, TestApp};
use crate::engine::{condition, count, events_of, rule, script, Fixture};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

/// A program (velocity limit `velocity`) with one member whose code is `MIA-1`.
async fn setup(app: &TestApp, velocity: i64) -> Fixture {
    let org: Org = app.new_org("Acme").await;
    let key = org.owner_key.clone();
    let mut body = program_body("spring");
    body["velocity_limit"] = json!(velocity);
    let program = app.program(&key, body).await;
    let member = app
        .member(&key, json!({"programId": program["id"], "firstName": "Mia", "email": "mia@acme.example", "referralCode": "MIA-1"}))
        .await;
    Fixture {
        org,
        key,
        program,
        member,
    }
}

async fn refer(app: &TestApp, f: &Fixture, body: Value) -> Value {
    let mut body = body;
    body["referralCode"] = json!("MIA-1");
    let (s, b) = app.post("/api/referrals", &f.key, body).await;
    assert_eq!(s, 201, "{b}");
    b["referral"].clone()
}

/// The stored row of a referral answered by the API (by its public id).
async fn referral_row(app: &TestApp, referral: &Value) -> entities::referral::Model {
    entities::referral::Entity::find()
        .filter(entities::referral::Column::PublicId.eq(referral["id"].as_str().unwrap()))
        .one(app.db.raw())
        .await
        .unwrap()
        .unwrap()
}

/// The rewards of a referral (by public id), oldest first.
async fn rewards_of(app: &TestApp, referral: &Value) -> Vec<entities::reward::Model> {
    let r = referral_row(app, referral).await;
    entities::reward::Entity::find()
        .filter(entities::reward::Column::ReferralId.eq(r.id))
        .all(app.db.raw())
        .await
        .unwrap()
}

db_test!(
    async fn a_rule_of_two_or_groups_with_a_script_condition_rewards_new_referrals(app) {
        let f = setup(&app, 1000).await;
        let friendly = script(&app, &f, "example domain", "condition", r#"referral.email_domain == "example.com""#).await;
        let r = rule(&app, &f, json!({"name": "welcome", "trigger": "referral_created", "reward_kind": "fixed", "amount": 5, "recipient": "referral"})).await;
        // (script OR count >= 3) AND (count <= 10 OR count == 100)
        condition(&app, &f, &r, json!({"ctype": 5, "script_id": friendly, "group": "new", "groupname": "who"})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "ge", "referral_count": 3, "group": "new", "groupname": "who"})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "le", "referral_count": 10, "group": "new", "groupname": "when"})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "eq", "referral_count": 100, "group": "new", "groupname": "when"})).await;
        let bob = refer(&app, &f, json!({"email": "bob@example.com"})).await;
        let carl = refer(&app, &f, json!({"email": "carl@other.org"})).await;
        let dan = refer(&app, &f, json!({"email": "dan@other.org"})).await;
        let (b, c, d) = (rewards_of(&app, &bob).await, rewards_of(&app, &carl).await, rewards_of(&app, &dan).await);
        assert_eq!((b.len(), c.len(), d.len()), (1, 0, 1), "the script admits bob, the count dan");
        let reward = &b[0];
        assert_eq!((reward.amount_minor, reward.status.as_str(), reward.recipient_type.as_str(), reward.source.as_str()), (500, "Pending", "Referral", "Status Based"));
        assert_eq!(reward.trigger_key.as_deref(), Some("referral_created"));
        assert_eq!(reward.rule_version, Some(5));
        assert_eq!(reward.description.as_deref(), Some("welcome"));
        assert!(reward.eligibility_date.is_none() && reward.payout_id.is_none());
        let added = events_of(&app, &f.key, "RewardAdd").await;
        assert_eq!(added.len(), 2);
        assert_eq!(added[1]["payload"]["referral_id"], bob["id"]);
        assert_eq!(added[1]["payload"]["amount"], "5.00");
        assert_eq!(added[1]["payload"]["member_id"], f.member["id"]);
    }
);

db_test!(
    async fn qualified_and_approved_triggers_reward_and_denied_referrals_never_do(app) {
        let f = setup(&app, 1000).await;
        rule(&app, &f, json!({"name": "any new", "trigger": "referral_created", "reward_kind": "fixed", "amount": 1})).await;
        rule(&app, &f, json!({"name": "qualified", "trigger": "referral_qualified", "reward_kind": "fixed", "amount": 2})).await;
        rule(&app, &f, json!({"name": "approved 10%", "trigger": "referral_approved", "reward_kind": "percent", "amount": 10})).await;
        let q = refer(&app, &f, json!({"email": "q@example.com", "status": "qualified"})).await;
        let a = refer(&app, &f, json!({"email": "a@example.com", "status": "approved", "amount": 320.55})).await;
        let d = refer(&app, &f, json!({"email": "d@example.com", "status": "denied"})).await;
        let amounts = |rows: Vec<entities::reward::Model>| {
            let mut v: Vec<(String, i64)> = rows.into_iter().map(|r| (r.trigger_key.unwrap(), r.amount_minor)).collect();
            v.sort();
            v
        };
        assert_eq!(amounts(rewards_of(&app, &q).await), vec![("referral_created".into(), 100), ("referral_qualified".into(), 200)]);
        // 10% of 320.55 = 32.055 → half-even 32.06 (5 after an odd 5 rounds up to even 6).
        assert_eq!(amounts(rewards_of(&app, &a).await), vec![("referral_approved".into(), 3206), ("referral_created".into(), 100)]);
        assert!(rewards_of(&app, &d).await.is_empty(), "a denied referral triggers nothing");
    }
);

db_test!(
    async fn a_held_referral_earns_held_rewards(app) {
        let f = setup(&app, 1).await;
        rule(&app, &f, json!({"name": "any new", "trigger": "referral_created", "reward_kind": "fixed", "amount": 1, "hold_days": 14})).await;
        let first = refer(&app, &f, json!({"email": "a@example.com"})).await;
        let second = refer(&app, &f, json!({"email": "b@example.com"})).await;
        let (r1, r2) = (rewards_of(&app, &first).await, rewards_of(&app, &second).await);
        assert_eq!(r1[0].status, "Pending");
        assert_eq!(r2[0].status, "Held", "past the velocity limit the referral is held, and so is its reward");
        assert!(r2[0].held_reason.as_deref().unwrap().contains("127.0.0.1"), "{:?}", r2[0].held_reason);
        let days = (r1[0].eligibility_date.unwrap() - r1[0].created_at).num_days();
        assert!((13..=14).contains(&days), "{days}");
    }
);

db_test!(
    async fn a_hundred_referrals_at_once_reward_the_tenth_referral_exactly_once(app) {
        let f = setup(&app, 1000).await;
        let r = rule(&app, &f, json!({"name": "tenth", "trigger": "referral_created", "reward_kind": "fixed", "amount": 10})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "eq", "referral_count": 10})).await;
        let calls = (0..100).map(|i| {
            let body = json!({"referralCode": "MIA-1", "email": format!("c{i}@example.com")});
            let key = f.key.clone();
            let app = &app;
            async move { app.post("/api/referrals", &key, body).await }
        });
        for (s, b) in futures::future::join_all(calls).await {
            assert_eq!(s, 201, "{b}");
        }
        assert_eq!(count::<entities::referral::Entity>(&app).await, 100);
        let (s, stats) = app.get("/api/memberstats/getsingle?query=MIA-1", &f.key).await;
        assert_eq!((s, &stats["referralsCount"], &stats["rewardsCount"]), (200, &json!(100), &json!(1)), "{stats}");
        assert_eq!(stats["rewardAmountTotal"], 10.0);
        let rewards = entities::reward::Entity::find().all(app.db.raw()).await.unwrap();
        assert_eq!(rewards.len(), 1, "exactly one 10th-referral reward");
        let explanation: Value = serde_json::from_str(rewards[0].explanation.as_deref().unwrap()).unwrap();
        assert_eq!(explanation["decision"]["conditions"][0]["observed"], 10, "{explanation}");
    }
);

/// The live referral count of the member with this public id, as the database keeps it (no
/// row until their first live referral).
async fn live_count(app: &TestApp, member_public_id: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.db.raw();
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "SELECT COALESCE(c.live, 0) AS live FROM member m LEFT JOIN member_referral_count c ON c.member_id = m.id WHERE m.public_id = $1",
        _ => "SELECT COALESCE(c.live, 0) AS live FROM member m LEFT JOIN member_referral_count c ON c.member_id = m.id WHERE m.public_id = ?",
    };
    let stmt =
        Statement::from_sql_and_values(db.get_database_backend(), sql, [member_public_id.into()]);
    let row = db.query_one_raw(stmt).await.unwrap().unwrap();
    row.try_get::<i64>("", "live").unwrap()
}

db_test!(
    async fn a_removed_referral_no_longer_counts_towards_its_referrers_referral_count(app) {
        let f = setup(&app, 1000).await;
        let r = rule(&app, &f, json!({"name": "third", "trigger": "referral_created", "reward_kind": "fixed", "amount": 3})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "eq", "referral_count": 3})).await;
        let member = f.member["id"].as_str().unwrap();
        refer(&app, &f, json!({"email": "a@example.com"})).await;
        let b = refer(&app, &f, json!({"email": "b@example.com"})).await;
        assert_eq!(live_count(&app, member).await, 2);
        let (s, out) = app.post("/api/referral/remove", &f.key, json!([{"query": {"primaryInfo": {"referralId": b["id"]}}}])).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!(live_count(&app, member).await, 1, "the removal took one away");
        let c = refer(&app, &f, json!({"email": "c@example.com"})).await;
        let d = refer(&app, &f, json!({"email": "d@example.com"})).await;
        assert!(rewards_of(&app, &c).await.is_empty(), "c is the second live referral, not the third");
        assert_eq!(rewards_of(&app, &d).await.len(), 1, "d is the third live referral");
        assert_eq!(live_count(&app, member).await, 3);
    }
);

db_test!(
    async fn the_database_keeps_each_members_live_count_whatever_writes_the_referral_row(app) {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let f = setup(&app, 1000).await;
        let other = app
            .member(&f.key, json!({"programId": f.program["id"], "firstName": "Ola", "email": "ola@acme.example", "referralCode": "OLA-1"}))
            .await;
        let (mia, ola) = (f.member["id"].as_str().unwrap(), other["id"].as_str().unwrap());
        let a = refer(&app, &f, json!({"email": "a@example.com"})).await;
        refer(&app, &f, json!({"email": "b@example.com"})).await;
        let row = referral_row(&app, &a).await;
        let ola_id = entities::member::Entity::find()
            .filter(entities::member::Column::PublicId.eq(ola))
            .one(app.db.raw())
            .await
            .unwrap()
            .unwrap()
            .id;
        // A status change touches neither count.
        let mut am = row.clone().into_active_model();
        am.status = Set("Qualified".into());
        let row = am.update(app.db.raw()).await.unwrap();
        assert_eq!((live_count(&app, mia).await, live_count(&app, ola).await), (2, 0));
        // Moved to another member: one from Mia, one to Ola.
        let mut am = row.into_active_model();
        am.member_id = Set(ola_id);
        let row = am.update(app.db.raw()).await.unwrap();
        assert_eq!((live_count(&app, mia).await, live_count(&app, ola).await), (1, 1));
        // Removed, restored, then deleted outright.
        let mut am = row.into_active_model();
        am.removed_at = Set(Some(chrono::Utc::now()));
        let row = am.update(app.db.raw()).await.unwrap();
        assert_eq!(live_count(&app, ola).await, 0);
        let mut am = row.into_active_model();
        am.removed_at = Set(None);
        let row = am.update(app.db.raw()).await.unwrap();
        assert_eq!(live_count(&app, ola).await, 1);
        entities::referral::Entity::delete_by_id(row.id).exec(app.db.raw()).await.unwrap();
        assert_eq!((live_count(&app, mia).await, live_count(&app, ola).await), (1, 0));
    }
);

db_test!(
    async fn every_change_to_rules_conditions_or_scripts_applies_to_the_very_next_referral(app) {
        // New referrals read the program's rules through a cache; each step changes one thing
        // and the next referral must see it.
        let f = setup(&app, 1000).await;
        let amounts = |rows: Vec<entities::reward::Model>| rows.into_iter().map(|r| r.amount_minor).collect::<Vec<_>>();
        let r = rule(&app, &f, json!({"name": "welcome", "trigger": "referral_created", "reward_kind": "fixed", "amount": 1})).await;
        let a = refer(&app, &f, json!({"email": "a@example.com"})).await;
        assert_eq!(amounts(rewards_of(&app, &a).await), vec![100]);

        let path = format!("/api/v1/rules/{}", r["id"].as_str().unwrap());
        let (s, b) = app.put(&path, &f.key, json!({"name": "welcome", "trigger": "referral_created", "reward_kind": "fixed", "amount": 2})).await;
        assert_eq!(s, 200, "{b}");
        let b = refer(&app, &f, json!({"email": "b@example.com"})).await;
        assert_eq!(amounts(rewards_of(&app, &b).await), vec![200], "the rule's new amount");

        let gate = script(&app, &f, "gate", "condition", "false").await;
        condition(&app, &f, &r, json!({"ctype": 5, "script_id": gate})).await;
        let c = refer(&app, &f, json!({"email": "c@example.com"})).await;
        assert!(rewards_of(&app, &c).await.is_empty(), "the new condition");

        let (s, v) = app.post(&format!("/api/v1/scripts/{gate}/versions"), &f.key, json!({"source": "true"})).await;
        assert_eq!(s, 200, "{v}");
        let d = refer(&app, &f, json!({"email": "d@example.com"})).await;
        assert_eq!(amounts(rewards_of(&app, &d).await), vec![200], "the script's new version");

        let other = rule(&app, &f, json!({"name": "extra", "trigger": "referral_created", "reward_kind": "fixed", "amount": 3})).await;
        let (s, b) = app.put(&path, &f.key, json!({"name": "welcome", "trigger": "referral_created", "reward_kind": "fixed", "amount": 2, "enabled": false})).await;
        assert_eq!(s, 200, "{b}");
        let e = refer(&app, &f, json!({"email": "e@example.com"})).await;
        assert_eq!(amounts(rewards_of(&app, &e).await), vec![300], "the new rule, and not the disabled one");

        let (s, _) = app.delete(&format!("/api/v1/rules/{}", other["id"].as_str().unwrap()), &f.key).await;
        assert_eq!(s, 200);
        let g = refer(&app, &f, json!({"email": "g@example.com"})).await;
        assert!(rewards_of(&app, &g).await.is_empty(), "no rule is left");
    }
);

fn simulate_path(f: &Fixture) -> String {
    format!(
        "/api/v1/programs/{}/simulate",
        f.program["id"].as_str().unwrap()
    )
}

fn window() -> Value {
    json!({"date_from": "2020-01-01T00:00:00Z", "date_to": "2100-01-01T00:00:00Z"})
}

/// Row counts of every table the flow writes, and the event count.
async fn counts(app: &TestApp) -> Vec<u64> {
    vec![
        count::<entities::referral::Entity>(app).await,
        count::<entities::reward::Entity>(app).await,
        count::<entities::referral_action::Entity>(app).await,
        count::<entities::reward_rule::Entity>(app).await,
        count::<entities::rule_condition::Entity>(app).await,
        count::<entities::script::Entity>(app).await,
        count::<entities::script_version::Entity>(app).await,
        count::<entities::member::Entity>(app).await,
        count::<entities::program::Entity>(app).await,
        count::<entities::payout::Entity>(app).await,
        count::<entities::idempotency_key::Entity>(app).await,
        count::<entities::event::Entity>(app).await,
    ]
}

db_test!(
    async fn simulate_replays_referrals_with_the_facts_as_they_were_and_compares_with_what_was_paid(app) {
        let f = setup(&app, 1000).await;
        let r = rule(&app, &f, json!({"name": "second and later", "trigger": "referral_created", "reward_kind": "fixed", "amount": 3})).await;
        condition(&app, &f, &r, json!({"ctype": 3, "comparison": "ge", "referral_count": 2})).await;
        let a = refer(&app, &f, json!({"email": "a@example.com"})).await;
        let b = refer(&app, &f, json!({"email": "b@example.com"})).await;
        let c = refer(&app, &f, json!({"email": "c@example.com"})).await;
        let before = counts(&app).await;
        let (s, sim) = app.post(&simulate_path(&f), &f.key, window()).await;
        assert_eq!(s, 200, "{sim}");
        assert_eq!(sim["total_referrals"], 3);
        let refs = sim["referrals"].as_array().unwrap();
        assert_eq!(refs.iter().map(|r| r["referral_id"].clone()).collect::<Vec<_>>(), vec![a["id"].clone(), b["id"].clone(), c["id"].clone()]);
        assert_eq!(refs[0]["awards"], json!([]), "the first referral counted 1 then, not 3");
        assert_eq!(refs[1]["awards"][0]["amount"], "3.00");
        assert_eq!(refs[1]["awards"][0]["rule_id"], r["id"]);
        assert_eq!((sim["total_minor"].clone(), sim["actual_minor"].clone(), sim["difference_minor"].clone()), (json!(600), json!(600), json!(0)));
        assert_eq!(sim["rules"][0]["count"], 2);

        // A candidate in its place: 10% of the referral amount for every referral, with an
        // inline script condition; the difference is against what was paid.
        let candidates = json!([{"name": "pct", "trigger": "referral_created", "reward_kind": "fixed", "amount": 1,
            "conditions": [{"ctype": 5, "source": r#"referral.email != "b@example.com""#}]}]);
        let mut body = window();
        body["rules"] = candidates;
        let (s, sim) = app.post(&simulate_path(&f), &f.key, body).await;
        assert_eq!(s, 200, "{sim}");
        assert_eq!(sim["rules"][0]["rule_id"], "candidate_0");
        assert_eq!((sim["total_minor"].clone(), sim["actual_minor"].clone(), sim["difference_minor"].clone()), (json!(200), json!(600), json!(-400)));
        assert_eq!(sim["difference"], "-4.00");
        assert_eq!(sim["referrals"][1]["awards"], json!([]));

        // Paging: one referral from the second.
        let mut body = window();
        body["offset"] = json!(1);
        body["limit"] = json!(1);
        let (s, page) = app.post(&simulate_path(&f), &f.key, body).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["referrals"].as_array().unwrap().len(), 1);
        assert_eq!(page["referrals"][0]["referral_id"], b["id"]);
        assert_eq!(counts(&app).await, before, "simulating wrote nothing");
    }
);

db_test!(
    async fn simulation_gives_each_referrer_only_their_own_purchases(app) {
        let f = setup(&app, 1000).await;
        let leo = app
            .member(&f.key, json!({"programId": f.program["id"], "firstName": "Leo", "email": "leo@acme.example", "referralCode": "LEO-1"}))
            .await;
        // Mia's referral buys for 100.00; then Leo, who has sold nothing, refers someone.
        let a = refer(&app, &f, json!({"email": "a@example.com"})).await;
        let (s, b) = app.post("/api/referralaction", &f.key, json!({"amount": 100, "referralQuery": a["id"]})).await;
        assert_eq!(s, 200, "{b}");
        let (s, z) = app.post("/api/referrals", &f.key, json!({"referralCode": "LEO-1", "email": "z@example.com"})).await;
        assert_eq!(s, 201, "{z}");
        let mut body = window();
        body["rules"] = json!([{"name": "nothing sold yet", "trigger": "referral_created", "reward_kind": "fixed", "amount": 1,
            "conditions": [{"ctype": 5, "source": "referrer.total_sales == 0"}]}]);
        let (s, sim) = app.post(&simulate_path(&f), &f.key, body).await;
        assert_eq!(s, 200, "{sim}");
        let refs = sim["referrals"].as_array().unwrap();
        let leos = refs.iter().find(|r| r["referral_id"] == z["referral"]["id"]).unwrap();
        assert_eq!(leos["member_id"], leo["id"]);
        assert_eq!(leos["awards"].as_array().unwrap().len(), 1, "Mia's sales are not Leo's: {sim}");
        assert_eq!(sim["total_minor"], 200, "both referrals came before their referrer sold anything");
    }
);

db_test!(
    async fn simulate_refuses_bad_input_other_orgs_and_bounds_its_work(app) {
        let f = setup(&app, 1000).await;
        let path = simulate_path(&f);
        let with = |extra: Value| {
            let mut b = window();
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        for (body, field) in [
            (json!({"date_to": "2100-01-01T00:00:00Z"}), "date_from"),
            (json!({"date_from": "2021-01-01T00:00:00Z", "date_to": "2020-01-01T00:00:00Z"}), "date_to"),
            (with(json!({"limit": 201})), "limit"),
            (with(json!({"limit": 0})), "limit"),
            (with(json!({"offset": -1})), "offset"),
            (with(json!({"rules": [{"name": "x", "trigger": "soon", "reward_kind": "fixed", "amount": 1}]})), "rules[0].trigger"),
            (with(json!({"rules": [{"name": "x", "trigger": "purchase", "reward_kind": "fixed"}]})), "rules[0].amount"),
            (with(json!({"rules": [{"name": "x", "trigger": "purchase", "reward_kind": "fixed", "amount": 1,
                "conditions": [{"ctype": 3, "comparison": "ge"}]}]})), "rules[0].conditions[0].referral_count"),
            (with(json!({"rules": [{"name": "x", "trigger": "purchase", "reward_kind": "fixed", "amount": 1,
                "conditions": [{"ctype": 5, "script_id": "scr_nope"}]}]})), "rules[0].conditions[0].script_id"),
        ] {
            let (s, e) = app.post(&path, &f.key, body.clone()).await;
            assert_bad_field(s, &e, field);
        }
        let too_many: Vec<Value> = (0..21).map(|i| json!({"name": format!("r{i}"), "trigger": "purchase", "reward_kind": "fixed", "amount": 1})).collect();
        let (s, e) = app.post(&path, &f.key, with(json!({"rules": too_many}))).await;
        assert_bad_field(s, &e, "rules");
        let (s, e) = app.post(&path, &f.key, with(json!({"rules": [{"name": "x", "trigger": "purchase", "reward_kind": "fixed", "amount": 1,
            "conditions": [{"ctype": 5, "source": "let = 1"}]}]}))).await;
        assert_error(s, &e, 422, "unprocessable");
        let (s, e) = app.post("/api/v1/programs/nope/simulate", &f.key, window()).await;
        assert_eq!(s, 400, "{e}");
        let other = app.new_org("Other").await;
        let (s, e) = app.post(&path, &other.owner_key, window()).await;
        assert_error(s, &e, 404, "not_found");
        let analyst = app.key(&f.org, "analyst").await;
        let (s, e) = app.post(&path, &analyst, window()).await;
        assert_eq!(s, 200, "simulating writes nothing: an analyst may: {e}");
    }
);

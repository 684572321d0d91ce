//! Reward rules and conditions through the native API, and dry runs. SQLite and PostgreSQL.

use crate::common::{assert_bad_field, assert_error, program_body, Org, TestApp};
use serde_json::{json, Value};

async fn setup(app: &TestApp) -> (Org, Value) {
    let org = app.new_org("Acme").await;
    let p = app.program(&org.owner_key, program_body("spring")).await;
    (org, p)
}

fn rules_path(p: &Value) -> String {
    format!("/api/v1/programs/{}/rules", p["id"].as_str().unwrap())
}

async fn rule(app: &TestApp, key: &str, p: &Value, body: Value) -> Value {
    let (s, r) = app.post(&rules_path(p), key, body).await;
    assert_eq!(s, 201, "{r}");
    r
}

async fn condition(app: &TestApp, key: &str, rule: &Value, body: Value) -> Value {
    let (s, c) = app
        .post(
            &format!("/api/v1/rules/{}/conditions", rule["id"].as_str().unwrap()),
            key,
            body,
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

fn fixed() -> Value {
    json!({"name": "first purchase", "trigger": "purchase", "reward_kind": "fixed", "amount": 10})
}

db_test!(
    async fn create_rule_returns_201_with_its_fields_and_version_one(app) {
        let (org, p) = setup(&app).await;
        let r = rule(&app, &org.owner_key, &p, json!({"name": "pct", "recipient": "referral", "trigger": "referral_approved",
            "reward_kind": "percent", "amount": "5.5", "payout_id": "paypal", "hold_days": 30, "max_per_referral": 1,
            "max_per_member": 10, "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-31T00:00:00Z"})).await;
        assert!(r["id"].as_str().unwrap().starts_with("rule_"));
        for (field, want) in [("program_id", p["id"].clone()), ("name", json!("pct")), ("enabled", json!(true)),
                              ("recipient", json!("referral")), ("trigger", json!("referral_approved")), ("reward_kind", json!("percent")),
                              ("amount", json!("5.5")), ("currency", json!("USD")), ("payout_id", json!("paypal")), ("hold_days", json!(30)),
                              ("max_per_referral", json!(1)), ("max_per_member", json!(10)), ("version", json!(1)), ("amount_script_id", Value::Null)] {
            assert_eq!(r[field], want, "{field}: {r}");
        }
        let f = rule(&app, &org.owner_key, &p, fixed()).await;
        assert_eq!((f["amount"].as_str(), f["recipient"].as_str()), (Some("10.00"), Some("member")));
        let (_, events) = app.get("/api/v1/events?type=ProgramUpdate", &org.owner_key).await;
        assert_eq!(events["data"][0]["payload"]["change"], "rule_added");
        assert_eq!(events["data"][0]["object_id"], p["id"]);
    }
);

db_test!(
    async fn create_rule_returns_400_naming_the_field(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let cases = [
            (json!({"trigger": "purchase", "reward_kind": "fixed", "amount": 1}), "name"),
            (json!({"name": "r", "reward_kind": "fixed", "amount": 1}), "trigger"),
            (json!({"name": "r", "trigger": "soon", "reward_kind": "fixed", "amount": 1}), "trigger"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "gift", "amount": 1}), "reward_kind"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed"}), "amount"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": "1.234"}), "amount"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "percent", "amount": 150}), "amount"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": true}), "amount"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "script"}), "amount_script_id"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "amount_script_id": "scr_x"}), "amount_script_id"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "recipient": "friend"}), "recipient"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "hold_days": -1}), "hold_days"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "currency": "EURO"}), "currency"),
            (json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": 1,
                    "start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}), "end_date"),
        ];
        for (body, field) in cases {
            let (s, b) = app.post(&rules_path(&p), k, body).await;
            assert_bad_field(s, &b, field);
        }
        let (s, b) = app.post("/api/v1/programs/prog_unknown/rules", k, fixed()).await;
        assert_error(s, &b, 404, "not_found");
        let (_, list) = app.get(&rules_path(&p), k).await;
        assert_eq!(list["pagination"]["total"], 0);
    }
);

db_test!(
    async fn each_ctype_requires_its_fields_and_refuses_the_others(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let r = rule(&app, k, &p, fixed()).await;
        let path = format!("/api/v1/rules/{}/conditions", r["id"].as_str().unwrap());
        let good = [
            json!({"ctype": 0}),
            json!({"ctype": 1, "comparison": ">=", "amount_ctype_1": "50", "orderperiods": 3}),
            json!({"ctype": 2, "comparison": "gt", "item_count": 2}),
            json!({"ctype": 3, "comparison": "eq", "referral_count": 5, "group": "new", "groupname": "volume"}),
            json!({"ctype": 4, "comparison": "lt", "amount_ctype_4": 1000.5, "orderperiods": "all", "group": "new", "groupname": "volume"}),
        ];
        for body in good {
            let (s, c) = app.post(&path, k, body.clone()).await;
            assert_eq!(s, 201, "{body}: {c}");
        }
        let bad = [
            (json!({}), "ctype"),
            (json!({"ctype": 9}), "ctype"),
            (json!({"ctype": 0, "comparison": "gt"}), "comparison"),
            (json!({"ctype": 1, "comparison": "gt"}), "amount_ctype_1"),
            (json!({"ctype": 1, "amount_ctype_1": 5}), "comparison"),
            (json!({"ctype": 1, "comparison": "about", "amount_ctype_1": 5}), "comparison"),
            (json!({"ctype": 2, "comparison": "gt", "item_count": 2, "referral_count": 3}), "referral_count"),
            (json!({"ctype": 2, "comparison": "gt", "item_count": 2, "orderperiods": 3}), "orderperiods"),
            (json!({"ctype": 3, "comparison": "gt", "referral_count": -1}), "referral_count"),
            (json!({"ctype": 4, "comparison": "gt", "amount_ctype_4": "lots"}), "amount_ctype_4"),
            (json!({"ctype": 1, "comparison": "gt", "amount_ctype_1": 5, "orderperiods": 500}), "orderperiods"),
            (json!({"ctype": 5}), "script_id"),
            (json!({"ctype": 3, "comparison": "gt", "referral_count": 1, "script_id": "scr_x"}), "script_id"),
            (json!({"ctype": 0, "group": "new"}), "groupname"),
            (json!({"ctype": 0, "group": "maybe"}), "group"),
            (json!({"ctype": 0, "groupname": "g"}), "groupname"),
            (json!({"ctype": "one"}), "ctype"),
        ];
        for (body, field) in bad {
            let (s, b) = app.post(&path, k, body.clone()).await;
            assert_bad_field(s, &b, field);
        }
        let (_, list) = app.get(&path, k).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 5);
        assert_eq!(list["data"][1]["amount_ctype_1"], "50.00");
        assert_eq!(list["data"][1]["comparison"], "ge");
        assert_eq!(list["data"][1]["orderperiods"], "3");
        assert_eq!(list["data"][3]["group"], "new");
        assert_eq!(list["data"][3]["groupname"], "volume");
        let (_, r2) = app.get(&format!("/api/v1/rules/{}", r["id"].as_str().unwrap()), k).await;
        assert_eq!(r2["version"], 6, "each condition bumps the rule's version");
    }
);

db_test!(
    async fn rules_and_conditions_are_replaced_and_deleted_with_versions_and_events(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let r = rule(&app, k, &p, fixed()).await;
        let path = format!("/api/v1/rules/{}", r["id"].as_str().unwrap());
        let mut changed = fixed();
        changed["amount"] = json!("12.5");
        changed["enabled"] = json!(false);
        let (s, u) = app.put(&path, k, changed.clone()).await;
        assert_eq!((s, &u["amount"], &u["enabled"], &u["version"]), (200, &json!("12.50"), &json!(false), &json!(2)));
        let (_, same) = app.put(&path, k, changed).await;
        assert_eq!(same["version"], 2, "an unchanged rule keeps its version");
        let c = condition(&app, k, &r, json!({"ctype": 3, "comparison": "ge", "referral_count": 2})).await;
        let cpath = format!("/api/v1/conditions/{}", c["id"].as_str().unwrap());
        let (s, cu) = app.put(&cpath, k, json!({"ctype": 2, "comparison": "gt", "item_count": 4})).await;
        assert_eq!((s, &cu["ctype"], &cu["item_count"], &cu["referral_count"]), (200, &json!(2), &json!(4), &Value::Null));
        let (s, b) = app.put(&cpath, k, json!({"ctype": 2})).await;
        assert_bad_field(s, &b, "item_count");
        let (s, _) = app.delete(&cpath, k).await;
        assert_eq!(s, 200);
        let (_, got) = app.get(&path, k).await;
        assert_eq!(got["version"], 5);
        let (_, events) = app.get("/api/v1/events?type=ProgramUpdate&limit=10", k).await;
        let changes: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["payload"]["change"].as_str().unwrap()).collect();
        assert_eq!(changes, ["condition_removed", "condition_updated", "condition_added", "rule_updated", "rule_added"]);
        assert_eq!(events["data"][3]["payload"]["detail"]["before"]["amount"], "10.00");
        assert_eq!(events["data"][3]["payload"]["detail"]["after"]["amount"], "12.50");
        let (s, _) = app.delete(&path, k).await;
        assert_eq!(s, 200);
        let (s, b) = app.get(&path, k).await;
        assert_error(s, &b, 404, "not_found");
        // A program's rules go with it.
        let r = rule(&app, k, &p, fixed()).await;
        condition(&app, k, &r, json!({"ctype": 0})).await;
        let (s, _) = app.delete(&format!("/api/v1/programs/{}", p["id"].as_str().unwrap()), k).await;
        assert_eq!(s, 200);
    }
);

db_test!(
    async fn another_orgs_rules_and_conditions_answer_404_and_analysts_get_403(app) {
        let (org, p) = setup(&app).await;
        let r = rule(&app, &org.owner_key, &p, fixed()).await;
        let c = condition(&app, &org.owner_key, &r, json!({"ctype": 0})).await;
        let rpath = format!("/api/v1/rules/{}", r["id"].as_str().unwrap());
        let cpath = format!("/api/v1/conditions/{}", c["id"].as_str().unwrap());
        let other = app.new_org("Other").await;
        let k = &other.owner_key;
        for (status, body) in [
            app.get(&rules_path(&p), k).await,
            app.post(&rules_path(&p), k, fixed()).await,
            app.get(&rpath, k).await,
            app.put(&rpath, k, fixed()).await,
            app.delete(&rpath, k).await,
            app.get(&format!("{rpath}/conditions"), k).await,
            app.post(&format!("{rpath}/conditions"), k, json!({"ctype": 0})).await,
            app.put(&cpath, k, json!({"ctype": 0})).await,
            app.delete(&cpath, k).await,
            app.post(&format!("{rpath}/evaluate"), k, json!({})).await,
        ] {
            assert_error(status, &body, 404, "not_found");
        }
        let analyst = app.key(&org, "analyst").await;
        assert_eq!(app.get(&rpath, &analyst).await.0, 200);
        assert_eq!(app.post(&format!("{rpath}/evaluate"), &analyst, json!({})).await.0, 200);
        for (status, body) in [
            app.post(&rules_path(&p), &analyst, fixed()).await,
            app.put(&rpath, &analyst, fixed()).await,
            app.delete(&rpath, &analyst).await,
            app.post(&format!("{rpath}/conditions"), &analyst, json!({"ctype": 0})).await,
            app.put(&cpath, &analyst, json!({"ctype": 0})).await,
            app.delete(&cpath, &analyst).await,
        ] {
            assert_error(status, &body, 403, "forbidden");
        }
        let (s, b) = app.get("/api/v1/rules/not-a-rule", &org.owner_key).await;
        assert_bad_field(s, &b, "id");
    }
);

db_test!(
    async fn a_dry_run_explains_groups_runs_condition_scripts_and_computes_the_amount(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let (_, script) = app.post("/api/v1/scripts", k, json!({"name": "first", "kind": "condition", "source": "referral.purchases == 1"})).await;
        let (_, tiers) = app.post("/api/v1/scripts", k, json!({"name": "tiers", "kind": "amount", "source": "if referrer.referral_count >= 5 { 2500 } else { 1000 }"})).await;
        let r = rule(&app, k, &p, json!({"name": "pct", "trigger": "purchase", "reward_kind": "percent", "amount": "10"})).await;
        // (sales ≥ 50.00 or the script says first purchase) and (referrals ≥ 3)
        condition(&app, k, &r, json!({"ctype": 1, "comparison": "ge", "amount_ctype_1": "50", "group": "new", "groupname": "g1"})).await;
        condition(&app, k, &r, json!({"ctype": 5, "script_id": script["id"], "group": "new", "groupname": "g1"})).await;
        condition(&app, k, &r, json!({"ctype": 3, "comparison": "ge", "referral_count": 3})).await;
        let eval = format!("/api/v1/rules/{}/evaluate", r["id"].as_str().unwrap());
        let facts = |purchases: i64, referrals: i64, sales: &str| json!({
            "referral_orders": [{"amount": sales, "at": "2026-11-20T10:00:00Z"}],
            "referrer_referral_count": referrals,
            "now": "2026-11-20T12:00:00Z",
            "facts": {"referral": {"purchases": purchases}, "event": {"amount": 12345}}
        });
        let (s, e) = app.post(&eval, k, facts(1, 3, "10.00")).await;
        assert_eq!(s, 200, "{e}");
        assert_eq!(e["rewards"], true, "{e}");
        assert_eq!((e["amount"].as_str(), e["amount_minor"].as_i64()), (Some("12.34"), Some(1234)), "10% of 123.45 is 12.345: half to even");
        let conds = e["decision"]["conditions"].as_array().unwrap();
        assert_eq!((conds[0]["observed"].as_i64(), conds[0]["threshold"].as_i64(), conds[0]["passed"].as_bool()), (Some(1000), Some(5000), Some(false)));
        assert_eq!(conds[1]["passed"], true);
        assert_eq!(e["decision"]["groups"].as_array().unwrap().len(), 2);
        let (_, e) = app.post(&eval, k, facts(2, 3, "10.00")).await;
        assert_eq!((e["rewards"].as_bool(), &e["amount"]), (Some(false), &Value::Null), "neither member of g1 holds");
        let (_, e) = app.post(&eval, k, facts(2, 3, "60.00")).await;
        assert_eq!(e["rewards"], true);
        let (_, e) = app.post(&eval, k, facts(1, 2, "60.00")).await;
        assert_eq!(e["rewards"], false, "the referral-count term fails");

        // An amount script computes the amount.
        let s_rule = rule(&app, k, &p, json!({"name": "tiered", "trigger": "purchase", "reward_kind": "script", "amount_script_id": tiers["id"]})).await;
        let (_, e) = app.post(&format!("/api/v1/rules/{}/evaluate", s_rule["id"].as_str().unwrap()), k, json!({"facts": {"referrer": {"referral_count": 7}}})).await;
        assert_eq!((e["amount"].as_str(), e["amount_minor"].as_i64()), (Some("25.00"), Some(2500)), "{e}");
        // Outside its dates, or disabled, a rule does not reward.
        let dated = rule(&app, k, &p, json!({"name": "old", "trigger": "purchase", "reward_kind": "fixed", "amount": 1, "end_date": "2020-01-01T00:00:00Z"})).await;
        let (_, e) = app.post(&format!("/api/v1/rules/{}/evaluate", dated["id"].as_str().unwrap()), k, json!({})).await;
        assert_eq!((e["in_schedule"].as_bool(), e["rewards"].as_bool()), (Some(false), Some(false)));
        let (s, b) = app.post(&eval, k, json!({"referral_orders": [{"amount": "ten", "at": "2026-11-20T10:00:00Z"}]})).await;
        assert_bad_field(s, &b, "referral_orders");
    }
);

db_test!(
    async fn a_rule_takes_at_most_fifty_conditions_and_keeps_thresholds_in_its_currency(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let r = rule(&app, k, &p, fixed()).await;
        condition(&app, k, &r, json!({"ctype": 1, "comparison": "ge", "amount_ctype_1": "12.50"})).await;
        for _ in 1..50 {
            condition(&app, k, &r, json!({"ctype": 0})).await;
        }
        let (s, b) = app.post(&format!("/api/v1/rules/{}/conditions", r["id"].as_str().unwrap()), k, json!({"ctype": 0})).await;
        assert_error(s, &b, 409, "conflict");
        let mut jpy = fixed();
        jpy["currency"] = json!("JPY");
        jpy["amount"] = json!(100);
        let (s, b) = app.put(&format!("/api/v1/rules/{}", r["id"].as_str().unwrap()), k, jpy).await;
        assert_bad_field(s, &b, "currency");
        let mut eur = fixed();
        eur["currency"] = json!("EUR");
        let (s, _) = app.put(&format!("/api/v1/rules/{}", r["id"].as_str().unwrap()), k, eur).await;
        assert_eq!(s, 200, "12.50 fits EUR");
        // Huge inputs are refused or saturate; they never overflow.
        let (s, b) = app.post(&rules_path(&p), k, json!({"name": "big", "trigger": "purchase", "reward_kind": "percent", "amount": "999999999999999"})).await;
        assert_bad_field(s, &b, "amount");
        let max = i64::MAX;
        let (s, e) = app.post(&format!("/api/v1/rules/{}/evaluate", r["id"].as_str().unwrap()), k, json!({
            "referral_orders": [{"amount": "999999999999", "items": max, "at": "2026-11-20T10:00:00Z"},
                                {"amount": "999999999999", "items": max, "at": "2026-11-20T10:00:00Z"}]
        })).await;
        assert_eq!(s, 200, "{e}");
    }
);

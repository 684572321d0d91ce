//! The func-call surface (seed 002) at /billmgr, GET query or POST form. SQLite and PostgreSQL.

use crate::common::{program_body, TestApp};
use serde_json::{json, Value};

/// Calls /billmgr with GET and these query parameters.
async fn get(app: &TestApp, key: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let resp = app
        .client
        .get(format!("{}/billmgr", app.base))
        .bearer_auth(key)
        .query(params)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Calls /billmgr with POST and a form body.
async fn post(app: &TestApp, key: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let resp = app
        .client
        .post(format!("{}/billmgr", app.base))
        .bearer_auth(key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn assert_func_error(status: u16, body: &Value, want_status: u16, kind: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["type"], kind, "{body}");
    assert!(
        body["error"]["msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn ok_id(status: u16, body: &Value, func: &str) -> String {
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["func"], &body["ok"]),
        (&json!(func), &json!(true)),
        "{body}"
    );
    body["id"].as_str().unwrap().to_string()
}

db_test!(
    async fn programs_are_listed_created_edited_and_deleted_with_002_parameters(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("out", "bjson"), ("project", "hosting"),
            ("name", "partners"), ("promocode", "PART-@ID@"), ("start_date", "2026-01-01"), ("end_date", "2026-12-31"),
            ("assign_by_default", "on"), ("url", "https://host.example.com/"), ("account_group", "resellers")]).await;
        let id = ok_id(s, &b, "referralprogram.edit");
        let (s, list) = get(&app, k, &[("func", "referralprogram"), ("out", "bjson")]).await;
        assert_eq!(s, 200);
        let p = &list["elem"][0];
        assert_eq!((p["id"].as_str(), p["name"].as_str(), p["project"].as_str()), (Some(id.as_str()), Some("partners"), Some("hosting")));
        assert_eq!((p["assign_by_default"].as_str(), p["start_date"].as_str(), p["end_date"].as_str()), (Some("on"), Some("2026-01-01"), Some("2026-12-31")));
        assert_eq!(p["account_group"], "resellers");
        // Without sok the current values come back and nothing changes.
        let (s, form) = get(&app, k, &[("func", "referralprogram.edit"), ("elid", &id), ("name", "ignored")]).await;
        assert_eq!((s, form["name"].as_str(), form["elid"].as_str()), (200, Some("partners"), Some(id.as_str())));
        // Editing overlays the given fields.
        let (s, b) = get(&app, k, &[("func", "referralprogram.edit"), ("elid", &id), ("sok", "ok"), ("name", "partners-2"), ("assign_by_default", "off")]).await;
        ok_id(s, &b, "referralprogram.edit");
        let (_, list) = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"][0]["name"], "partners-2");
        assert!(list["elem"][0].get("assign_by_default").is_none(), "booleans are `on` or absent");
        assert_eq!(list["elem"][0]["promocode"], "PART-@ID@");
        // The native API sees the same program.
        let (_, native) = app.get("/api/v1/programs", k).await;
        assert_eq!(native["data"][0]["name"], "partners-2");
        // Several ids separated by ", ".
        let (_, b2) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "second"), ("promocode", "SEC-@ID@")]).await;
        let id2 = b2["id"].as_str().unwrap().to_string();
        let both = format!("{id}, {id2}");
        let (s, b) = get(&app, k, &[("func", "referralprogram.delete"), ("elid", &both)]).await;
        assert_eq!((s, &b), (200, &json!({"func": "referralprogram.delete", "ok": true})));
        let (_, list) = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"], json!([]));
    }
);

db_test!(
    async fn bad_calls_answer_the_002_error_envelope(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = get(&app, k, &[("func", "referralprogram.frobnicate")]).await;
        assert_func_error(s, &b, 400, "unknownfunc");
        assert_eq!(b["error"]["value"], "referralprogram.frobnicate");
        let (s, b) = get(&app, k, &[]).await;
        assert_func_error(s, &b, 400, "missed");
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "NOPLACEHOLDER")]).await;
        assert_func_error(s, &b, 400, "value");
        assert_eq!((b["error"]["object"].as_str(), b["error"]["value"].as_str()), (Some("promocode"), Some("NOPLACEHOLDER")));
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("promocode", "A-@ID@")]).await;
        assert_func_error(s, &b, 400, "missed");
        assert_eq!(b["error"]["object"], "name");
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "A-@ID@"), ("start_date", "someday")]).await;
        assert_func_error(s, &b, 400, "value");
        let (s, b) = get(&app, k, &[("func", "referralprogram.delete"), ("elid", "1, two")]).await;
        assert_func_error(s, &b, 400, "value");
        let (s, b) = get(&app, k, &[("func", "referralprogram.delete")]).await;
        assert_func_error(s, &b, 400, "missed");
        let (s, b) = get(&app, k, &[("func", "referralprogram.delete"), ("elid", "999999")]).await;
        assert_func_error(s, &b, 404, "missing");
        let (s, b) = get(&app, k, &[("func", "referralprogram"), ("out", "xml")]).await;
        assert_func_error(s, &b, 400, "value");
        let (s, b) = get(&app, "vk_wrong", &[("func", "referralprogram")]).await;
        assert_func_error(s, &b, 401, "auth");
        // A bulk delete checks every item before deleting any.
        let (_, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "empty"), ("promocode", "E-@ID@")]).await;
        let empty = b["id"].as_str().unwrap().to_string();
        let (_, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "busy"), ("promocode", "BZ-@ID@")]).await;
        let busy = b["id"].as_str().unwrap().to_string();
        app.member(k, json!({"programId": "busy", "firstName": "M", "email": "m@example.com"})).await;
        let (s, b) = get(&app, k, &[("func", "referralprogram.delete"), ("elid", &format!("{empty}, {busy}"))]).await;
        assert_func_error(s, &b, 409, "exists");
        let (_, list) = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"].as_array().unwrap().len(), 2, "nothing was deleted: {list}");
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "X-@ID@"), ("start_date", "-5000-01-01")]).await;
        assert_func_error(s, &b, 400, "value");
        let (s, b) = post(&app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &empty), ("name", "r"),
            ("trigger", "purchase"), ("reward_kind", "percent"), ("amount", "999999999999999")]).await;
        assert_func_error(s, &b, 400, "value");
        post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "d1"), ("promocode", "A-@ID@"), ("project", "p"), ("assign_by_default", "on")]).await;
        let (s, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "d2"), ("promocode", "B-@ID@"), ("project", "p"), ("assign_by_default", "on")]).await;
        assert_func_error(s, &b, 409, "exists");
    }
);

db_test!(
    async fn rules_and_conditions_round_trip_between_billmgr_and_the_native_api(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (_, b) = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "spring"), ("promocode", "SPR-@ID@")]).await;
        let program = b["id"].as_str().unwrap().to_string();
        let (s, b) = post(&app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &program), ("name", "first purchase"),
            ("trigger", "purchase"), ("reward_kind", "percent"), ("amount", "7.5"), ("hold_days", "14"), ("enabled", "on")]).await;
        let rule = ok_id(s, &b, "referralprogram.rule.edit");
        let (s, b) = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "1"),
            ("comparison", ">="), ("amount_ctype_1", "100"), ("orderperiods", "3"), ("group", "new"), ("groupname", "sales")]).await;
        ok_id(s, &b, "referralprogram.rule.condition.edit");
        let (s, b) = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "4"),
            ("comparison", "gt"), ("amount_ctype_4", "1000"), ("group", "new"), ("groupname", "sales")]).await;
        let cond2 = ok_id(s, &b, "referralprogram.rule.condition.edit");
        let (s, b) = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "2"),
            ("comparison", "gt"), ("item_count", "1"), ("referral_count", "4")]).await;
        assert_func_error(s, &b, 400, "value");
        assert_eq!(b["error"]["object"], "referral_count");
        // Edit the rule through /billmgr: only the given fields change.
        let (s, b) = get(&app, k, &[("func", "referralprogram.rule.edit"), ("elid", &rule), ("sok", "ok"), ("amount", "8"), ("name", "first purchase v2")]).await;
        ok_id(s, &b, "referralprogram.rule.edit");

        // The native API reads back the same rule and conditions.
        let (_, programs) = app.get("/api/v1/programs", k).await;
        let pid = programs["data"][0]["id"].as_str().unwrap().to_string();
        let (_, rules) = app.get(&format!("/api/v1/programs/{pid}/rules"), k).await;
        let native = &rules["data"][0];
        assert_eq!((native["name"].as_str(), native["amount"].as_str(), native["hold_days"].as_i64()), (Some("first purchase v2"), Some("8"), Some(14)));
        assert_eq!((native["reward_kind"].as_str(), native["trigger"].as_str(), native["version"].as_i64()), (Some("percent"), Some("purchase"), Some(4)));
        let (_, conds) = app.get(&format!("/api/v1/rules/{}/conditions", native["id"].as_str().unwrap()), k).await;
        assert_eq!(conds["data"][0]["amount_ctype_1"], "100.00");
        assert_eq!(conds["data"][0]["comparison"], "ge");
        assert_eq!(conds["data"][0]["orderperiods"], "3");
        assert_eq!(conds["data"][1]["groupname"], "sales");

        // And /billmgr lists what the native API shows, in 002's shapes.
        let (_, list) = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &program)]).await;
        assert_eq!((list["elem"][0]["id"].as_str(), list["elem"][0]["enabled"].as_str(), list["elem"][0]["amount"].as_str()), (Some(rule.as_str()), Some("on"), Some("8")));
        let (_, clist) = get(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &rule)]).await;
        assert_eq!((clist["elem"][0]["ctype"].as_str(), clist["elem"][0]["group"].as_str()), (Some("1"), Some("new")));
        // A native edit shows up in /billmgr too.
        let (s, _) = app.put(&format!("/api/v1/rules/{}", native["id"].as_str().unwrap()), k,
            json!({"name": "native", "trigger": "purchase", "reward_kind": "fixed", "amount": 3})).await;
        assert_eq!(s, 200);
        let (_, form) = get(&app, k, &[("func", "referralprogram.rule.edit"), ("elid", &rule)]).await;
        assert_eq!((form["name"].as_str(), form["amount"].as_str(), form["reward_kind"].as_str()), (Some("native"), Some("3.00"), Some("fixed")));
        // Deletes, one or several.
        let (s, b) = get(&app, k, &[("func", "referralprogram.rule.condition.delete"), ("elid", &cond2)]).await;
        assert_eq!((s, b["ok"].as_bool()), (200, Some(true)));
        let (_, clist) = get(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &rule)]).await;
        assert_eq!(clist["elem"].as_array().unwrap().len(), 1);
        let (s, _) = get(&app, k, &[("func", "referralprogram.rule.delete"), ("elid", &rule)]).await;
        assert_eq!(s, 200);
        let (_, list) = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &program)]).await;
        assert_eq!(list["elem"], json!([]));
    }
);

db_test!(
    async fn billmgr_sees_only_the_keys_org_and_respects_roles(app) {
        let org = app.new_org("Acme").await;
        app.program(&org.owner_key, program_body("spring")).await;
        let (_, list) = get(&app, &org.owner_key, &[("func", "referralprogram")]).await;
        let id = list["elem"][0]["id"].as_str().unwrap().to_string();
        let other = app.new_org("Other").await;
        let (_, theirs) = get(&app, &other.owner_key, &[("func", "referralprogram")]).await;
        assert_eq!(theirs["elem"], json!([]));
        for params in [
            vec![("func", "referralprogram.edit"), ("elid", id.as_str())],
            vec![("func", "referralprogram.edit"), ("elid", id.as_str()), ("sok", "ok"), ("name", "stolen")],
            vec![("func", "referralprogram.delete"), ("elid", id.as_str())],
            vec![("func", "referralprogram.rule"), ("elid", id.as_str())],
            vec![("func", "referralprogram.rule.edit"), ("plid", id.as_str()), ("sok", "ok"), ("name", "r"), ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "1")],
        ] {
            let (s, b) = get(&app, &other.owner_key, &params).await;
            assert_func_error(s, &b, 404, "missing");
        }
        let analyst = app.key(&org, "analyst").await;
        let (s, _) = get(&app, &analyst, &[("func", "referralprogram")]).await;
        assert_eq!(s, 200);
        let (s, _) = get(&app, &analyst, &[("func", "referralprogram.edit"), ("elid", &id)]).await;
        assert_eq!(s, 200, "reading the form is allowed");
        let (s, b) = get(&app, &analyst, &[("func", "referralprogram.edit"), ("elid", &id), ("sok", "ok"), ("name", "x")]).await;
        assert_func_error(s, &b, 403, "access");
        let (s, b) = get(&app, &analyst, &[("func", "referralprogram.delete"), ("elid", &id)]).await;
        assert_func_error(s, &b, 403, "access");
        let support = app.key(&org, "support").await;
        let (s, b) = post(&app, &support, &[("func", "referralprogram.rule.edit"), ("plid", &id), ("sok", "ok"), ("name", "r"), ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "1")]).await;
        assert_func_error(s, &b, 403, "access");
    }
);

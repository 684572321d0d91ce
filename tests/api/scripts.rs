//! Tenant scripts through the API: upload, versions, test runs, delete, the DoS suite and
//! cross-tenant isolation. SQLite and PostgreSQL. Runs under load (deadline, pool, metrics) are
//! in `script_load`.

use crate::common::{assert_bad_field, assert_error, program_body, TestApp};
use serde_json::{json, Value};

pub(crate) const BASE: &str = "/api/v1/scripts";

pub(crate) async fn upload(
    app: &TestApp,
    key: &str,
    name: &str,
    kind: &str,
    source: &str,
) -> Value {
    let (s, b) = app
        .post(
            BASE,
            key,
            json!({"name": name, "kind": kind, "source": source}),
        )
        .await;
    assert_eq!(s, 201, "upload {name}: {b}");
    b
}

pub(crate) async fn test_run(app: &TestApp, key: &str, id: &str, facts: Value) -> Value {
    let (s, b) = app
        .post(&format!("{BASE}/{id}/test"), key, json!({"facts": facts}))
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

db_test!(
    async fn upload_compiles_versions_and_tests_a_script(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let s = upload(&app, k, "big first", "condition", "referral.purchases == 1 && event.amount > 5000").await;
        let id = s["id"].as_str().unwrap();
        assert!(id.starts_with("scr_"));
        assert_eq!((s["version"].as_i64(), s["kind"].as_str()), (Some(1), Some("condition")));
        let run = test_run(&app, k, id, json!({"referral": {"purchases": 1}, "event": {"amount": 6000}})).await;
        assert_eq!((run["ok"].as_bool(), &run["result"], run["version"].as_i64()), (Some(true), &json!(true), Some(1)));
        assert!(run["operations"].as_u64().unwrap() > 0);
        assert!(run["elapsed_us"].is_u64());
        let run = test_run(&app, k, id, json!({"referral": {"purchases": 2}, "event": {"amount": 6000}})).await;
        assert_eq!(run["result"], false);

        // A new version replaces the old at once.
        let (st, v2) = app.post(&format!("{BASE}/{id}/versions"), k, json!({"source": "event.amount > 100"})).await;
        assert_eq!((st, v2["version"].as_i64()), (200, Some(2)));
        let run = test_run(&app, k, id, json!({"referral": {"purchases": 2}, "event": {"amount": 6000}})).await;
        assert_eq!((&run["result"], run["version"].as_i64()), (&json!(true), Some(2)));
        let (_, versions) = app.get(&format!("{BASE}/{id}/versions"), k).await;
        let numbers: Vec<i64> = versions["data"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
        assert_eq!(numbers, [2, 1]);
        assert_eq!(versions["data"][1]["source"], "referral.purchases == 1 && event.amount > 5000");
        let (_, got) = app.get(&format!("{BASE}/{id}"), k).await;
        assert_eq!(got["source"], "event.amount > 100");
        let (_, list) = app.get(BASE, k).await;
        assert_eq!(list["pagination"]["total"], 1);
        assert!(list["data"][0]["source"].is_null(), "lists leave the source out");
        // A run whose value is not of the script's kind says so.
        let amount = upload(&app, k, "wrong kind", "amount", "\"ten\"").await;
        let run = test_run(&app, k, amount["id"].as_str().unwrap(), json!({})).await;
        assert_eq!(run["ok"], false);
        assert!(run["error"].as_str().unwrap().contains("minor units"), "{run}");
    }
);

db_test!(
    async fn bad_scripts_and_bad_input_are_refused(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": "let a = 1;\nlet b = ;"})).await;
        assert_error(s, &b, 422, "unprocessable");
        assert_eq!((b["error"]["details"]["line"].as_u64(), b["error"]["details"]["column"].as_u64()), (Some(2), Some(9)), "{b}");
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": "undefined_thing > 1"})).await;
        assert_error(s, &b, 422, "unprocessable");
        assert!(b["error"]["message"].as_str().unwrap().contains("undefined variable"), "{b}");
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": "import \"os\" as os; true"})).await;
        assert_error(s, &b, 422, "unprocessable");
        let nested = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": nested})).await;
        assert_error(s, &b, 422, "unprocessable");
        assert!(b["error"]["message"].as_str().unwrap().contains("expression depth limit"), "{b}");
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "sorcery", "source": "true"})).await;
        assert_bad_field(s, &b, "kind");
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition"})).await;
        assert_bad_field(s, &b, "source");
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": 5})).await;
        assert_bad_field(s, &b, "source");
        upload(&app, k, "x", "condition", "true").await;
        let (s, b) = app.post(BASE, k, json!({"name": "x", "kind": "condition", "source": "false"})).await;
        assert_error(s, &b, 409, "conflict");
        let (s, b) = app.get(&format!("{BASE}/nope"), k).await;
        assert_bad_field(s, &b, "id");
        let (s, b) = app.post(&format!("{BASE}/scr_unknown/test"), k, json!({"facts": {}})).await;
        assert_error(s, &b, 404, "not_found");
        let (_, list) = app.get(BASE, k).await;
        let id = list["data"][0]["id"].as_str().unwrap().to_string();
        let (s, b) = app.post(&format!("{BASE}/{id}/test"), k, json!({"facts": {"referral": {"amount": "lots"}}})).await;
        assert_bad_field(s, &b, "facts");
        let (s, b) = app.post(&format!("{BASE}/{id}/versions"), k, json!({"source": "("})).await;
        assert_error(s, &b, 422, "unprocessable");
    }
);

db_test!(
    async fn the_dos_suite_ends_every_attack_with_an_error_naming_the_limit(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let attacks = [
            ("endless loop", "loop { }", "operation limit"),
            ("recursion", "fn f(x) { f(x + 1) } f(0)", "call depth limit"),
            ("doubling string", "let s = \"ab\"; loop { s += s; }", "size limit"),
            ("huge array", "let a = []; loop { a.push(1); }", "size limit"),
            ("bad host call", "days_between(1, 2)", "no function"),
            ("bad host value", "days_between(\"a\", \"b\")", "RFC 3339"),
            ("sleep", "sleep(1); true", "no function"),
            ("clock", "timestamp(); true", "no function"),
            (
                "replace bomb",
                "let s = \"\"; s.pad(10000, \"a\"); let t = s; t.replace(\"a\", s); true",
                "string size limit (10000) exceeded",
            ),
        ];
        // Values rhai's size limits do not see in full: map keys (a map of 1,000 keys of 10 KB
        // is within every size limit) and the copies made of such a map.
        let map = |keys: usize, then: &str| {
            format!("let s = \"\"; s.pad(9990, \"a\"); let m = #{{}}; for i in 0..{keys} {{ m[s + i] = i; }} {then}")
        };
        let memory = "memory limit (8388608 bytes) exceeded";
        let bombs = [
            ("map bomb", map(1000, "let a = []; a.pad(1000, 0); a.map(|x| m); true"), memory),
            ("map copies", map(600, "let a = []; a.pad(1000, 0); a.map(|x| m); true"), memory),
            ("pad with a map", map(1, "let a = []; a.pad(1000, m); true"), memory),
            ("concatenated arrays", map(400, "let x = [m] + [m] + [m]; true"), memory),
            ("map values", map(400, "let v = #{a: m, b: m}; v.values(); true"), memory),
            ("caught and retried", map(700, "loop { try { let a = [m, m]; } catch { } }"), memory),
            ("map keys", map(600, "m.keys(); true"), "string size limit (10000) exceeded"),
        ];
        let attacks = attacks.iter().map(|(n, s, e)| (*n, s.to_string(), *e)).chain(bombs);
        for (name, source, expected) in attacks {
            let s = upload(&app, k, name, "condition", &source).await;
            let run = test_run(&app, k, s["id"].as_str().unwrap(), json!({})).await;
            assert_eq!(run["ok"], false, "{name}: {run}");
            let error = run["error"].as_str().unwrap();
            assert!(error.contains(expected), "{name}: `{error}` does not name `{expected}`");
        }
        let (s, _) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
        assert_eq!(s, 200);
    }
);

db_test!(
    async fn a_script_in_use_cannot_be_deleted(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let p = app.program(k, program_body("spring")).await;
        let amount = upload(&app, k, "tiers", "amount", "1000").await;
        let id = amount["id"].as_str().unwrap();
        let (s, rule) = app
            .post(&format!("/api/v1/programs/{}/rules", p["id"].as_str().unwrap()), k,
                  json!({"name": "r", "trigger": "purchase", "reward_kind": "script", "amount_script_id": id}))
            .await;
        assert_eq!(s, 201, "{rule}");
        let (s, b) = app.delete(&format!("{BASE}/{id}"), k).await;
        assert_error(s, &b, 409, "conflict");
        app.delete(&format!("/api/v1/rules/{}", rule["id"].as_str().unwrap()), k).await;
        let (s, _) = app.delete(&format!("{BASE}/{id}"), k).await;
        assert_eq!(s, 200);
        let (s, b) = app.get(&format!("{BASE}/{id}"), k).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn another_org_cannot_run_read_change_or_reference_a_script(app) {
        let org = app.new_org("Acme").await;
        let s = upload(&app, &org.owner_key, "mine", "condition", "true").await;
        let id = s["id"].as_str().unwrap();
        let other = app.new_org("Other").await;
        let k = &other.owner_key;
        for (status, body) in [
            app.get(&format!("{BASE}/{id}"), k).await,
            app.get(&format!("{BASE}/{id}/versions"), k).await,
            app.post(&format!("{BASE}/{id}/test"), k, json!({})).await,
            app.post(&format!("{BASE}/{id}/versions"), k, json!({"source": "false"})).await,
            app.delete(&format!("{BASE}/{id}"), k).await,
        ] {
            assert_error(status, &body, 404, "not_found");
        }
        let p = app.program(k, program_body("theirs")).await;
        let rules = format!("/api/v1/programs/{}/rules", p["id"].as_str().unwrap());
        let (st, rule) = app.post(&rules, k, json!({"name": "r", "trigger": "purchase", "reward_kind": "fixed", "amount": "5"})).await;
        assert_eq!(st, 201, "{rule}");
        let conditions = format!("/api/v1/rules/{}/conditions", rule["id"].as_str().unwrap());
        let (st, b) = app.post(&conditions, k, json!({"ctype": 5, "script_id": id})).await;
        assert_bad_field(st, &b, "script_id");
        let (st, b) = app.post(&rules, k, json!({"name": "r2", "trigger": "purchase", "reward_kind": "script", "amount_script_id": id})).await;
        assert_bad_field(st, &b, "amount_script_id");
    }
);

db_test!(
    async fn an_analyst_reads_and_tests_scripts_but_cannot_change_them(app) {
        let org = app.new_org("Acme").await;
        let s = upload(&app, &org.owner_key, "mine", "condition", "true").await;
        let id = s["id"].as_str().unwrap();
        let analyst = app.key(&org, "analyst").await;
        assert_eq!(app.get(&format!("{BASE}/{id}"), &analyst).await.0, 200);
        assert_eq!(app.post(&format!("{BASE}/{id}/test"), &analyst, json!({})).await.0, 200);
        let (st, b) = app.post(BASE, &analyst, json!({"name": "x", "kind": "condition", "source": "true"})).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) = app.post(&format!("{BASE}/{id}/versions"), &analyst, json!({"source": "false"})).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) = app.delete(&format!("{BASE}/{id}"), &analyst).await;
        assert_error(st, &b, 403, "forbidden");
        let support = app.key(&org, "support").await;
        let (st, b) = app.post(BASE, &support, json!({"name": "y", "kind": "condition", "source": "true"})).await;
        assert_error(st, &b, 403, "forbidden");
    }
);

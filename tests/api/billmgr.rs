//! The func-call surface (seed 002) at /billmgr, GET query or POST form, as ISPsystem
//! (BILLmanager) clients use it: the key in the header or `authinfo`, answers in JSON or XML,
//! every answer (errors too) HTTP 200. SQLite and PostgreSQL.

use std::sync::LazyLock;

use crate::common::{program_body, TestApp};
use serde_json::{json, Value};

/// The committed spec (the openapi tests keep it equal to the served one).
static SPEC: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap());

/// How a call presents its key.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// `Authorization: Bearer <key>`.
    Bearer(&'a str),
    /// No header; the caller puts `authinfo` in the parameters.
    None,
}

/// A raw answer of /billmgr.
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

/// Calls /billmgr: GET with query parameters, or POST with a form body.
async fn send(app: &TestApp, post: bool, key: Key<'_>, params: &[(&str, &str)]) -> Answer {
    let url = format!("{}/billmgr", app.base);
    let mut req = if post {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        app.client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    } else {
        app.client.get(url).query(params)
    };
    if let Key::Bearer(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Answer {
        status,
        content_type,
        text: resp.text().await.unwrap(),
    }
}

/// A JSON answer: HTTP 200 (errors too), a JSON content type, and a body the declared 200 schema
/// of the operation accepts.
fn json_of(a: Answer, post: bool) -> Value {
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(
        a.content_type.starts_with("application/json"),
        "{}: {}",
        a.content_type,
        a.text
    );
    let body: Value = serde_json::from_str(&a.text).unwrap();
    let method = if post { "post" } else { "get" };
    let schema = &SPEC["paths"]["/billmgr"][method]["responses"]["200"]["content"]
        ["application/json; charset=utf-8"]["schema"];
    if let Err(e) = conforms(schema, &body, "$") {
        panic!("the answer does not match the declared schema: {e}\n{body}");
    }
    body
}

/// An XML answer: HTTP 200 and BILLmanager's content type; the document.
fn xml_of(a: Answer) -> String {
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.content_type, "text/xml; charset=UTF-8", "{}", a.text);
    let doc = a
        .text
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .unwrap_or_else(|| panic!("no XML declaration: {}", a.text));
    doc.to_string()
}

/// A small JSON Schema check ($ref, allOf, enum, type, properties, required, items) that also
/// refuses properties the schema does not declare.
fn conforms(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(&SPEC["components"]["schemas"][name], value, at);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        conforms(part, value, at)?;
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return Err(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    let ok = match schema["type"].as_str() {
        Some("object") => {
            let Some(obj) = value.as_object() else {
                return Err(format!("{at}: not an object"));
            };
            for name in schema["required"].as_array().into_iter().flatten() {
                if !obj.contains_key(name.as_str().unwrap()) {
                    return Err(format!("{at}: {name} is required"));
                }
            }
            for (k, v) in obj {
                let Some(prop) = schema["properties"].get(k) else {
                    return Err(format!("{at}.{k}: not declared"));
                };
                conforms(prop, v, &format!("{at}.{k}"))?;
            }
            true
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return Err(format!("{at}: not an array"));
            };
            for (i, item) in items.iter().enumerate() {
                conforms(&schema["items"], item, &format!("{at}[{i}]"))?;
            }
            true
        }
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("integer") => value.is_i64(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{at}: {value} is not a {}", schema["type"]))
    }
}

/// Calls /billmgr with GET, a Bearer key and these query parameters.
async fn get(app: &TestApp, key: &str, params: &[(&str, &str)]) -> Value {
    json_of(send(app, false, Key::Bearer(key), params).await, false)
}

/// Calls /billmgr with POST, a Bearer key and a form body.
async fn post(app: &TestApp, key: &str, params: &[(&str, &str)]) -> Value {
    json_of(send(app, true, Key::Bearer(key), params).await, true)
}

/// `out=xml`, GET, Bearer key: the document without the XML declaration.
async fn get_xml(app: &TestApp, key: &str, params: &[(&str, &str)]) -> String {
    let mut params = params.to_vec();
    params.push(("out", "xml"));
    xml_of(send(app, false, Key::Bearer(key), &params).await)
}

fn assert_func_error(body: &Value, kind: &str) {
    assert_eq!(body["error"]["type"], kind, "{body}");
    assert!(
        body["error"]["msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn ok_id(body: &Value, func: &str) -> String {
    assert_eq!(
        (&body["func"], &body["ok"]),
        (&json!(func), &json!(true)),
        "{body}"
    );
    body["id"].as_str().unwrap().to_string()
}

/// A change without a new id (deletes): `{"func", "ok": true}`.
fn ok_id_less(body: &Value, func: &str) {
    assert_eq!(body, &json!({"func": func, "ok": true}));
}

/// The text of the first `<name>…</name>` in an XML document.
fn xml_text<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = doc.find(&open)? + open.len();
    let len = doc[start..].find(&format!("</{name}>"))?;
    Some(&doc[start..start + len])
}

db_test!(
    async fn programs_are_listed_created_edited_and_deleted_with_002_parameters(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("out", "bjson"), ("project", "hosting"),
            ("name", "partners"), ("promocode", "PART-@ID@"), ("start_date", "2026-01-01"), ("end_date", "2026-12-31"),
            ("assign_by_default", "on"), ("url", "https://host.example.com/"), ("account_group", "resellers")]).await;
        let id = ok_id(&b, "referralprogram.edit");
        let list = get(&app, k, &[("func", "referralprogram"), ("out", "bjson")]).await;
        let p = &list["elem"][0];
        assert_eq!((p["id"].as_str(), p["name"].as_str(), p["project"].as_str()), (Some(id.as_str()), Some("partners"), Some("hosting")));
        assert_eq!((p["assign_by_default"].as_str(), p["start_date"].as_str(), p["end_date"].as_str()), (Some("on"), Some("2026-01-01"), Some("2026-12-31")));
        assert_eq!(p["account_group"], "resellers");
        // Without sok the current values come back and nothing changes.
        let form = get(&app, k, &[("func", "referralprogram.edit"), ("elid", &id), ("name", "ignored")]).await;
        assert_eq!((form["name"].as_str(), form["elid"].as_str()), (Some("partners"), Some(id.as_str())));
        // Editing overlays the given fields.
        let b = get(&app, k, &[("func", "referralprogram.edit"), ("elid", &id), ("sok", "ok"), ("name", "partners-2"), ("assign_by_default", "off")]).await;
        ok_id(&b, "referralprogram.edit");
        let list = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"][0]["name"], "partners-2");
        assert!(list["elem"][0].get("assign_by_default").is_none(), "booleans are `on` or absent");
        assert_eq!(list["elem"][0]["promocode"], "PART-@ID@");
        // The native API sees the same program.
        let (_, native) = app.get("/api/v1/programs", k).await;
        assert_eq!(native["data"][0]["name"], "partners-2");
        // Several ids separated by ", ".
        let b2 = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "second"), ("promocode", "SEC-@ID@")]).await;
        let id2 = b2["id"].as_str().unwrap().to_string();
        let both = format!("{id}, {id2}");
        let b = get(&app, k, &[("func", "referralprogram.delete"), ("elid", &both)]).await;
        assert_eq!(b, json!({"func": "referralprogram.delete", "ok": true}));
        let list = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"], json!([]));
    }
);

db_test!(
    async fn bad_calls_answer_the_002_error_envelope(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let b = get(&app, k, &[("func", "referralprogram.frobnicate")]).await;
        assert_func_error(&b, "unknownfunc");
        assert_eq!(b["error"]["value"], "referralprogram.frobnicate");
        let b = get(&app, k, &[]).await;
        assert_func_error(&b, "missed");
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "NOPLACEHOLDER")]).await;
        assert_func_error(&b, "value");
        assert_eq!((b["error"]["object"].as_str(), b["error"]["value"].as_str()), (Some("promocode"), Some("NOPLACEHOLDER")));
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("promocode", "A-@ID@")]).await;
        assert_func_error(&b, "missed");
        assert_eq!(b["error"]["object"], "name");
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "A-@ID@"), ("start_date", "someday")]).await;
        assert_func_error(&b, "value");
        let b = get(&app, k, &[("func", "referralprogram.delete"), ("elid", "1, two")]).await;
        assert_func_error(&b, "value");
        let b = get(&app, k, &[("func", "referralprogram.delete")]).await;
        assert_func_error(&b, "missed");
        let b = get(&app, k, &[("func", "referralprogram.delete"), ("elid", "999999")]).await;
        assert_func_error(&b, "missing");
        let b = get(&app, "vk_wrong", &[("func", "referralprogram")]).await;
        assert_func_error(&b, "auth");
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "empty"), ("promocode", "E-@ID@")]).await;
        let empty = b["id"].as_str().unwrap().to_string();
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "X-@ID@"), ("start_date", "-5000-01-01")]).await;
        assert_func_error(&b, "value");
        let b = post(&app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &empty), ("name", "r"),
            ("trigger", "purchase"), ("reward_kind", "percent"), ("amount", "999999999999999")]).await;
        assert_func_error(&b, "value");
        post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "d1"), ("promocode", "A-@ID@"), ("project", "p"), ("assign_by_default", "on")]).await;
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "d2"), ("promocode", "B-@ID@"), ("project", "p"), ("assign_by_default", "on")]).await;
        assert_func_error(&b, "exists");
    }
);

db_test!(
    async fn rules_and_conditions_round_trip_between_billmgr_and_the_native_api(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let b = post(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "spring"), ("promocode", "SPR-@ID@")]).await;
        let program = b["id"].as_str().unwrap().to_string();
        let b = post(&app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &program), ("name", "first purchase"),
            ("trigger", "purchase"), ("reward_kind", "percent"), ("amount", "7.5"), ("hold_days", "14"), ("enabled", "on")]).await;
        let rule = ok_id(&b, "referralprogram.rule.edit");
        let b = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "1"),
            ("comparison", ">="), ("amount_ctype_1", "100"), ("orderperiods", "3"), ("group", "new"), ("groupname", "sales")]).await;
        ok_id(&b, "referralprogram.rule.condition.edit");
        let b = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "4"),
            ("comparison", "gt"), ("amount_ctype_4", "1000"), ("group", "new"), ("groupname", "sales")]).await;
        let cond2 = ok_id(&b, "referralprogram.rule.condition.edit");
        let b = post(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "2"),
            ("comparison", "gt"), ("item_count", "1"), ("referral_count", "4")]).await;
        assert_func_error(&b, "value");
        assert_eq!(b["error"]["object"], "referral_count");
        // Edit the rule through /billmgr: only the given fields change.
        let b = get(&app, k, &[("func", "referralprogram.rule.edit"), ("elid", &rule), ("sok", "ok"), ("amount", "8"), ("name", "first purchase v2")]).await;
        ok_id(&b, "referralprogram.rule.edit");

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
        let list = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &program)]).await;
        assert_eq!((list["elem"][0]["id"].as_str(), list["elem"][0]["enabled"].as_str(), list["elem"][0]["amount"].as_str()), (Some(rule.as_str()), Some("on"), Some("8")));
        let clist = get(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &rule)]).await;
        assert_eq!((clist["elem"][0]["ctype"].as_str(), clist["elem"][0]["group"].as_str()), (Some("1"), Some("new")));
        // A native edit shows up in /billmgr too.
        let (s, _) = app.put(&format!("/api/v1/rules/{}", native["id"].as_str().unwrap()), k,
            json!({"name": "native", "trigger": "purchase", "reward_kind": "fixed", "amount": 3})).await;
        assert_eq!(s, 200);
        let form = get(&app, k, &[("func", "referralprogram.rule.edit"), ("elid", &rule)]).await;
        assert_eq!((form["name"].as_str(), form["amount"].as_str(), form["reward_kind"].as_str()), (Some("native"), Some("3.00"), Some("fixed")));
        // Deletes, one or several.
        let b = get(&app, k, &[("func", "referralprogram.rule.condition.delete"), ("elid", &cond2)]).await;
        assert_eq!(b["ok"].as_bool(), Some(true));
        let clist = get(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &rule)]).await;
        assert_eq!(clist["elem"].as_array().unwrap().len(), 1);
        let b = get(&app, k, &[("func", "referralprogram.rule.delete"), ("elid", &rule)]).await;
        ok_id_less(&b, "referralprogram.rule.delete");
        let list = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &program)]).await;
        assert_eq!(list["elem"], json!([]));
    }
);

db_test!(
    async fn billmgr_sees_only_the_keys_org_and_respects_roles(app) {
        let org = app.new_org("Acme").await;
        app.program(&org.owner_key, program_body("spring")).await;
        let list = get(&app, &org.owner_key, &[("func", "referralprogram")]).await;
        let id = list["elem"][0]["id"].as_str().unwrap().to_string();
        let other = app.new_org("Other").await;
        let theirs = get(&app, &other.owner_key, &[("func", "referralprogram")]).await;
        assert_eq!(theirs["elem"], json!([]));
        for params in [
            vec![("func", "referralprogram.edit"), ("elid", id.as_str())],
            vec![("func", "referralprogram.edit"), ("elid", id.as_str()), ("sok", "ok"), ("name", "stolen")],
            vec![("func", "referralprogram.delete"), ("elid", id.as_str())],
            vec![("func", "referralprogram.rule"), ("elid", id.as_str())],
            vec![("func", "referralprogram.rule.edit"), ("plid", id.as_str()), ("sok", "ok"), ("name", "r"), ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "1")],
        ] {
            let b = get(&app, &other.owner_key, &params).await;
            assert_func_error(&b, "missing");
        }
        let analyst = app.key(&org, "analyst").await;
        let list = get(&app, &analyst, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"][0]["name"], "spring");
        let form = get(&app, &analyst, &[("func", "referralprogram.edit"), ("elid", &id)]).await;
        assert_eq!(form["name"], "spring", "reading the form is allowed");
        let b = get(&app, &analyst, &[("func", "referralprogram.edit"), ("elid", &id), ("sok", "ok"), ("name", "x")]).await;
        assert_func_error(&b, "access");
        let b = get(&app, &analyst, &[("func", "referralprogram.delete"), ("elid", &id)]).await;
        assert_func_error(&b, "access");
        let support = app.key(&org, "support").await;
        let b = post(&app, &support, &[("func", "referralprogram.rule.edit"), ("plid", &id), ("sok", "ok"), ("name", "r"), ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "1")]).await;
        assert_func_error(&b, "access");
    }
);

db_test!(
    async fn a_delete_of_several_ids_deletes_all_of_them_or_none(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let new_program = |name: &'static str| {
            let app = &app;
            async move {
                let b = post(app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", name), ("promocode", &format!("{}-@ID@", name.to_uppercase()))]).await;
                ok_id(&b, "referralprogram.edit")
            }
        };
        let (empty, busy) = (new_program("empty").await, new_program("busy").await);
        app.member(k, json!({"programId": "busy", "firstName": "M", "email": "m@example.com"})).await;
        // `empty` is deleted first, then `busy` is refused: the whole call is undone.
        let b = get(&app, k, &[("func", "referralprogram.delete"), ("elid", &format!("{empty}, {busy}"))]).await;
        assert_func_error(&b, "exists");
        let list = get(&app, k, &[("func", "referralprogram")]).await;
        assert_eq!(list["elem"].as_array().unwrap().len(), 2, "nothing was deleted: {list}");

        let rule_in = |program: String| {
            let app = &app;
            async move {
                let b = post(app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &program), ("name", "r"),
                    ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "1")]).await;
                ok_id(&b, "referralprogram.rule.edit")
            }
        };
        let (r1, r2) = (rule_in(empty.clone()).await, rule_in(empty.clone()).await);
        let condition_of = |rule: String| {
            let app = &app;
            async move {
                let b = post(app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "3"),
                    ("comparison", "ge"), ("referral_count", "2")]).await;
                ok_id(&b, "referralprogram.rule.condition.edit")
            }
        };
        let (c1, c2) = (condition_of(r1.clone()).await, condition_of(r1.clone()).await);
        // An unknown id after known ones: nothing is deleted.
        let b = get(&app, k, &[("func", "referralprogram.rule.condition.delete"), ("elid", &format!("{c1}, {c2}, 999999"))]).await;
        assert_func_error(&b, "missing");
        assert_eq!(b["error"]["object"], "elid");
        let b = get(&app, k, &[("func", "referralprogram.rule.delete"), ("elid", &format!("{r1}, 999999"))]).await;
        assert_func_error(&b, "missing");
        let conditions = get(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &r1)]).await;
        assert_eq!(conditions["elem"].as_array().unwrap().len(), 2, "{conditions}");
        let rules = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &empty)]).await;
        assert_eq!(rules["elem"].as_array().unwrap().len(), 2, "{rules}");
        // All known (an id given twice counts once): all go, in one call.
        let b = get(&app, k, &[("func", "referralprogram.rule.condition.delete"), ("elid", &format!("{c1}, {c2}, {c1}"))]).await;
        ok_id_less(&b, "referralprogram.rule.condition.delete");
        let b = post(&app, k, &[("func", "referralprogram.rule.delete"), ("elid", &format!("{r1}, {r2}"))]).await;
        ok_id_less(&b, "referralprogram.rule.delete");
        let rules = get(&app, k, &[("func", "referralprogram.rule"), ("elid", &empty)]).await;
        assert_eq!(rules["elem"], json!([]));
    }
);

db_test!(
    async fn authinfo_in_the_query_or_the_form_authenticates_like_the_header(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = (org.owner_key_id.as_str(), org.owner_key.as_str());
        let good = format!("{id}:{key}");
        let b = json_of(send(&app, true, Key::None, &[("authinfo", &good), ("func", "referralprogram.edit"), ("sok", "ok"), ("name", "spring"), ("promocode", "SPR-@ID@")]).await, true);
        let program = ok_id(&b, "referralprogram.edit");
        let list = json_of(send(&app, false, Key::None, &[("authinfo", &good), ("func", "referralprogram")]).await, false);
        assert_eq!(list["elem"][0]["id"].as_str(), Some(program.as_str()));
        let doc = xml_of(send(&app, true, Key::None, &[("authinfo", &good), ("out", "xml"), ("func", "referralprogram")]).await);
        assert_eq!(xml_text(&doc, "name"), Some("spring"));

        // A wrong key, a wrong key id, a malformed or missing authinfo: the `auth` error, HTTP 200.
        let other = app.new_org("Other").await;
        for authinfo in [
            Some(format!("{id}:vk_wrong")),
            Some(format!("{}:{key}", other.owner_key_id)),
            Some(format!("nosuchkey:{key}")),
            Some(key.to_string()),
            None,
        ] {
            for post in [false, true] {
                let mut params = vec![("func", "referralprogram")];
                if let Some(a) = &authinfo {
                    params.push(("authinfo", a));
                }
                let a = send(&app, post, Key::None, &params).await;
                assert!(!a.text.contains(key), "the key is never echoed: {}", a.text);
                assert_func_error(&json_of(a, post), "auth");
            }
        }
        let mut params = vec![("func", "referralprogram"), ("out", "xml")];
        let wrong = format!("{id}:vk_wrong");
        params.push(("authinfo", &wrong));
        let doc = xml_of(send(&app, false, Key::None, &params).await);
        assert!(doc.starts_with(r#"<doc><error type="auth" object="" value=""><msg>"#), "{doc}");
        // The header wins over authinfo.
        let b = get(&app, "vk_wrong", &[("authinfo", &good), ("func", "referralprogram")]).await;
        assert_func_error(&b, "auth");
        // The key's role still applies.
        let (analyst_id, analyst) = app.key_with_id(&org, "analyst").await;
        let info = format!("{analyst_id}:{analyst}");
        let b = json_of(send(&app, true, Key::None, &[("authinfo", &info), ("func", "referralprogram.delete"), ("elid", &program)]).await, true);
        assert_func_error(&b, "access");
    }
);

db_test!(
    async fn out_xml_answers_billmanager_documents_for_every_function(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        // A create answers ok and the new id.
        let doc = get_xml(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "a<&>b \"q\""), ("promocode", "AB-@ID@"), ("assign_by_default", "on")]).await;
        let program = xml_text(&doc, "id").unwrap().to_string();
        assert_eq!(doc, format!("<doc><ok/><id>{program}</id></doc>"));
        // A list: one `elem` per item, a child element per field, text escaped.
        let doc = get_xml(&app, k, &[("func", "referralprogram")]).await;
        assert!(doc.starts_with(&format!("<doc><elem><id>{program}</id>")), "{doc}");
        assert_eq!(xml_text(&doc, "name"), Some("a&lt;&amp;&gt;b \"q\""));
        assert_eq!(xml_text(&doc, "assign_by_default"), Some("on"));
        assert_eq!(doc.matches("<elem>").count(), 1);
        // `.edit` without sok: the current values, nothing saved.
        let doc = get_xml(&app, k, &[("func", "referralprogram.edit"), ("elid", &program), ("name", "ignored")]).await;
        assert!(doc.starts_with(&format!("<doc><elid>{program}</elid>")), "{doc}");
        assert_eq!((xml_text(&doc, "name"), xml_text(&doc, "promocode")), (Some("a&lt;&amp;&gt;b \"q\""), Some("AB-@ID@")));
        // An edit answers the edited id.
        let doc = get_xml(&app, k, &[("func", "referralprogram.edit"), ("elid", &program), ("sok", "ok"), ("name", "plain")]).await;
        assert_eq!(doc, format!("<doc><ok/><id>{program}</id></doc>"));
        // Rules and conditions too.
        let doc = get_xml(&app, k, &[("func", "referralprogram.rule.edit"), ("sok", "ok"), ("plid", &program), ("name", "r"), ("trigger", "purchase"), ("reward_kind", "fixed"), ("amount", "2")]).await;
        let rule = xml_text(&doc, "id").unwrap().to_string();
        let doc = get_xml(&app, k, &[("func", "referralprogram.rule"), ("elid", &program)]).await;
        assert_eq!((xml_text(&doc, "id"), xml_text(&doc, "plid"), xml_text(&doc, "amount")), (Some(rule.as_str()), Some(program.as_str()), Some("2.00")));
        let doc = get_xml(&app, k, &[("func", "referralprogram.rule.condition.edit"), ("sok", "ok"), ("plid", &rule), ("ctype", "3"), ("comparison", "ge"), ("referral_count", "2")]).await;
        let cond = xml_text(&doc, "id").unwrap().to_string();
        let doc = get_xml(&app, k, &[("func", "referralprogram.rule.condition"), ("elid", &rule)]).await;
        assert_eq!((xml_text(&doc, "id"), xml_text(&doc, "referral_count")), (Some(cond.as_str()), Some("2")));
        // Errors: the error element, with the parameter at fault.
        let doc = get_xml(&app, k, &[("func", "referralprogram.edit"), ("sok", "ok"), ("promocode", "X-@ID@")]).await;
        assert!(doc.starts_with(r#"<doc><error type="missed" object="name" value=""><msg>"#), "{doc}");
        let doc = get_xml(&app, k, &[("func", "referralprogram.rule"), ("elid", "999999")]).await;
        assert!(doc.starts_with(r#"<doc><error type="missing" object="elid" value="999999"><msg>"#), "{doc}");
        let doc = get_xml(&app, k, &[("func", "nosuch<func>")]).await;
        assert!(doc.starts_with(r#"<doc><error type="unknownfunc" object="func" value="nosuch&lt;func&gt;"><msg>"#), "{doc}");
        // Deletes answer ok alone.
        for (func, id) in [("referralprogram.rule.condition.delete", &cond), ("referralprogram.rule.delete", &rule), ("referralprogram.delete", &program)] {
            assert_eq!(get_xml(&app, k, &[("func", func), ("elid", id)]).await, "<doc><ok/></doc>");
        }
        assert_eq!(get_xml(&app, k, &[("func", "referralprogram")]).await, "<doc></doc>");
        // Another org's ids are missing, in XML too; a role without the right gets `access`.
        let other = app.new_org("Other").await;
        let doc = get_xml(&app, &other.owner_key, &[("func", "referralprogram.edit"), ("elid", &program)]).await;
        assert!(doc.starts_with(r#"<doc><error type="missing""#), "{doc}");
        let analyst = app.key(&org, "analyst").await;
        let doc = get_xml(&app, &analyst, &[("func", "referralprogram.edit"), ("sok", "ok"), ("name", "x"), ("promocode", "X-@ID@")]).await;
        assert!(doc.starts_with(r#"<doc><error type="access" object="func" value="referralprogram.edit"><msg>"#), "{doc}");
    }
);

db_test!(
    async fn requests_refused_before_any_function_runs_answer_the_json_error_with_200(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        // An unknown `out`: a `value` error about `out`, in JSON.
        let b = get(&app, k, &[("func", "referralprogram"), ("out", "yaml")]).await;
        assert_func_error(&b, "value");
        assert_eq!(b["error"]["object"], "out");
        let b = post(&app, k, &[("func", "referralprogram"), ("out", "yaml")]).await;
        assert_func_error(&b, "value");
        assert_eq!((b["error"]["object"].as_str(), b["error"]["value"].as_str()), (Some("out"), Some("yaml")));
        // A body that is not a form, and one over the size limit.
        let resp = app.client.post(format!("{}/billmgr", app.base)).bearer_auth(k)
            .header("content-type", "application/json").body("{}").send().await.unwrap();
        let a = Answer { status: resp.status().as_u16(), content_type: "application/json".into(), text: resp.text().await.unwrap() };
        assert_func_error(&json_of(a, true), "value");
        let big = "x".repeat(1024 * 1024 + 1);
        let a = send(&app, true, Key::Bearer(k), &[("func", "referralprogram"), ("name", &big)]).await;
        assert_func_error(&json_of(a, true), "value");
    }
);

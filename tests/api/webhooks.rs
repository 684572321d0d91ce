//! Webhooks: subscriptions on 003's routes, signed deliveries to a real receiver on loopback
//! (checked with an implementation of the Standard Webhooks verification written here, not
//! Vouch's), retries with the same `webhook-id`, 410, redirects, rotation, history and retry,
//! the SSRF table, another org and roles. SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};

use crate::common::{
    assert_error, assert_rr_bad_field, assert_rr_error, config, program_body, TestApp,
};

/// A request the receiver saw.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// An HTTP receiver on loopback: records every request and answers from a script (its last
/// answer repeats).
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// 307: a client that followed it would POST again to the other path.
    RedirectTo(&'static str),
}

impl Receiver {
    async fn start(script: Vec<Answer>) -> Receiver {
        use poem::{handler, web::Data, Body, EndpointExt, Request, Response};
        #[derive(Clone)]
        struct St {
            seen: Arc<Mutex<Vec<Seen>>>,
            script: Arc<Vec<Answer>>,
        }
        #[handler]
        async fn receive(req: &Request, body: Body, st: Data<&St>) -> Response {
            let header = |n: &str| {
                req.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let seen = Seen {
                path: req.uri().path().to_string(),
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body: body.into_vec().await.unwrap_or_default(),
            };
            let n = {
                let mut all = st.seen.lock().unwrap();
                all.push(seen);
                all.len()
            };
            let answer = st.script[(n - 1).min(st.script.len() - 1)];
            match answer {
                Answer::Status(s) => Response::builder()
                    .status(poem::http::StatusCode::from_u16(s).unwrap())
                    .body("receiver says hello"),
                Answer::RedirectTo(to) => Response::builder()
                    .status(poem::http::StatusCode::TEMPORARY_REDIRECT)
                    .header("location", to)
                    .finish(),
            }
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let st = St {
            seen: seen.clone(),
            script: Arc::new(script),
        };
        use poem::listener::{Acceptor, Listener};
        let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        let app = poem::Route::new()
            .at("/*path", poem::post(receive).get(receive))
            .data(st);
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `n` requests have come; answers them.
    async fn wait_for(&self, n: usize) -> Vec<Seen> {
        let started = Instant::now();
        while self.seen().len() < n {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the receiver saw {} requests, not {n}",
                self.seen().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.seen()
    }
}

/// The Standard Webhooks check, written from the spec: the key is the base64 after `whsec_`;
/// the signed content is `{id}.{timestamp}.{body}`; the header holds space-separated
/// `v1,<base64>` signatures, any one of which may match.
fn verifies(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let key = B64
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64 secret");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = B64.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[test]
fn the_verification_written_here_accepts_the_reference_vector_and_nothing_else() {
    let (secret, id, ts) = (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
    );
    let body = br#"{"test": 2432232314}"#;
    let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    assert!(verifies(secret, id, ts, body, good));
    assert!(verifies(
        secret,
        id,
        ts,
        body,
        &format!("v1,bm9wZQ== {good}")
    ));
    assert!(!verifies(secret, id, "1614265331", body, good));
    assert!(!verifies(secret, id, ts, br#"{"test": 2432232315}"#, good));
}

/// An org with a program; answers (org's owner key, the org).
async fn org_with_program(app: &TestApp, name: &str) -> crate::common::Org {
    let org = app.new_org(name).await;
    app.program(&org.owner_key, program_body("spring")).await;
    org
}

async fn subscribe(app: &TestApp, key: &str, event: &str, url: &str) -> Value {
    let (s, b) = app
        .post(
            "/api/hooks",
            key,
            json!({"target_url": url, "event": event}),
        )
        .await;
    assert_eq!(s, 201, "subscribe: {b}");
    b
}

async fn member(app: &TestApp, key: &str, email: &str) -> Value {
    app.member(
        key,
        json!({"programId": "spring", "firstName": "Pat", "email": email}),
    )
    .await
}

async fn history(app: &TestApp, key: &str, event: &str) -> Value {
    let (s, b) = app.get(&format!("/api/hooks/history/{event}"), key).await;
    assert_eq!(s, 200, "history: {b}");
    b
}

/// Waits (up to 20 s) until the newest delivery of `event` has `status`.
async fn wait_for_status(app: &TestApp, key: &str, event: &str, status: &str) -> Value {
    let started = Instant::now();
    loop {
        let h = history(app, key, event).await;
        if h["deliveries"][0]["status"] == status {
            return h["deliveries"][0].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never {status}: {h}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

db_test!(
    async fn a_subscriber_gets_signed_deliveries_and_a_retry_after_a_500_with_the_same_id(app) {
        let org = org_with_program(&app, "Acme").await;
        let k = &org.owner_key;
        let receiver = Receiver::start(vec![Answer::Status(500), Answer::Status(204)]).await;
        let sub = subscribe(&app, k, "memberadd", &receiver.url).await;
        let secret = sub["secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_") && secret.len() >= 6 + 44, "{sub}");
        assert_eq!(sub["webhook"]["event"], "MemberAdd", "stored by its name: {sub}");
        let m = member(&app, k, "pat@example.com").await;
        let seen = receiver.wait_for(2).await;
        for s in &seen {
            assert!(verifies(secret, &s.id, &s.timestamp, &s.body, &s.signature), "{s:?}");
            assert!(!verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &s.id, &s.timestamp, &s.body, &s.signature));
        }
        assert_eq!(seen[0].id, seen[1].id, "the same webhook-id on the retry");
        assert!(seen[0].id.starts_with("msg_"), "{:?}", seen[0]);
        let element: Value = serde_json::from_slice(&seen[1].body).unwrap();
        assert_eq!((&element["id"], &element["email"]), (&m["id"], &json!("pat@example.com")));
        let d = wait_for_status(&app, k, "MemberAdd", "succeeded").await;
        assert_eq!((&d["id"], &d["attempts"], &d["response_code"]), (&json!(seen[0].id), &json!(2), &json!(204)), "{d}");
        assert_eq!((&d["web_hook_id"], &d["next_attempt_at"]), (&sub["web_hook_id"], &Value::Null));
        // Other events are not sent to a MemberAdd subscription.
        let (_, h) = app.get("/api/hooks/history/ReferralAdd", k).await;
        assert_eq!(h["total"], 0, "{h}");
    }
);

db_test!(
    async fn a_410_disables_the_subscription_and_a_retry_enables_it_again(app) {
        let org = org_with_program(&app, "Acme").await;
        let k = &org.owner_key;
        let receiver = Receiver::start(vec![Answer::Status(410), Answer::Status(200)]).await;
        let sub = subscribe(&app, k, "MemberAdd", &receiver.url).await;
        member(&app, k, "one@example.com").await;
        receiver.wait_for(1).await;
        let failed = wait_for_status(&app, k, "MemberAdd", "failed").await;
        assert_eq!((&failed["attempts"], &failed["response_code"]), (&json!(1), &json!(410)));
        let (_, list) = app.get("/api/v1/hooks", k).await;
        assert!(list["data"][0]["disabled_at"].is_string(), "{list}");
        // Nothing is queued or sent while disabled.
        member(&app, k, "two@example.com").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(receiver.seen().len(), 1, "nothing after a 410");
        assert_eq!(history(&app, k, "MemberAdd").await["total"], 1);
        // Retrying the failed delivery sends it again (same id) and enables the subscription.
        let path = format!("/api/v1/hooks/deliveries/{}/retry", failed["id"].as_str().unwrap());
        let (s, b) = app.post(&path, k, json!({})).await;
        assert_eq!((s, &b["status"]), (200, &json!("pending")), "{b}");
        let seen = receiver.wait_for(2).await;
        assert_eq!(seen[1].id, seen[0].id);
        wait_for_status(&app, k, "MemberAdd", "succeeded").await;
        let (_, list) = app.get("/api/v1/hooks", k).await;
        assert_eq!((&list["data"][0]["id"], &list["data"][0]["disabled_at"]), (&sub["web_hook_id"], &Value::Null), "{list}");
        let (s, b) = app.post(&path, k, json!({})).await;
        assert_error(s, &b, 409, "conflict");
    }
);

db_test!(
    async fn a_redirect_is_a_failed_attempt_and_is_never_followed(app) {
        let org = org_with_program(&app, "Acme").await;
        let k = &org.owner_key;
        let receiver = Receiver::start(vec![Answer::RedirectTo("/elsewhere")]).await;
        subscribe(&app, k, "MemberAdd", &receiver.url).await;
        member(&app, k, "pat@example.com").await;
        receiver.wait_for(1).await;
        let started = Instant::now();
        let d = loop {
            let h = history(&app, k, "MemberAdd").await;
            if h["deliveries"][0]["attempts"] == 1 {
                break h["deliveries"][0].clone();
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{h}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!((&d["status"], &d["response_code"]), (&json!("pending"), &json!(307)), "{d}");
        assert!(d["error"].as_str().unwrap().contains("redirect"), "{d}");
        assert!(d["next_attempt_at"].is_string());
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(receiver.seen().iter().all(|s| s.path == "/hooks"), "{:?}", receiver.seen());
    }
);

db_test!(
    async fn during_a_rotation_deliveries_carry_both_signatures(app) {
        let org = org_with_program(&app, "Acme").await;
        let k = &org.owner_key;
        let receiver = Receiver::start(vec![Answer::Status(200)]).await;
        let sub = subscribe(&app, k, "MemberAdd", &receiver.url).await;
        let old = sub["secret"].as_str().unwrap().to_string();
        let id = sub["web_hook_id"].as_str().unwrap();
        let (s, rotated) = app.post(&format!("/api/v1/hooks/{id}/rotate-secret"), k, json!({})).await;
        assert_eq!(s, 200, "{rotated}");
        let new = rotated["secret"].as_str().unwrap();
        assert_ne!(new, old);
        assert!(rotated["webhook"]["previous_secret_until"].is_string(), "{rotated}");
        member(&app, k, "pat@example.com").await;
        let s = &receiver.wait_for(1).await[0];
        assert_eq!(s.signature.split(' ').count(), 2, "{s:?}");
        assert!(verifies(new, &s.id, &s.timestamp, &s.body, &s.signature));
        assert!(verifies(&old, &s.id, &s.timestamp, &s.body, &s.signature));
    }
);

db_test!(
    async fn unsubscribing_stops_deliveries_and_bad_ids_and_names_are_refused(app) {
        let org = org_with_program(&app, "Acme").await;
        let k = &org.owner_key;
        let (s, b) = app
            .post("/api/hooks", k, json!({"target_url": "http://127.0.0.1:9/x", "event": "ReferralCodeAdd"}))
            .await;
        assert_rr_bad_field(s, &b, "event");
        assert!(b["message"].as_str().unwrap().contains("EmailUnsubscribed"), "lists the valid ones: {b}");
        let (s, b) = app.post("/api/hooks", k, json!({"target_url": "not a url", "event": "MemberAdd"})).await;
        assert_rr_bad_field(s, &b, "target_url");
        let (s, b) = app.post("/api/hooks", k, json!({"event": "MemberAdd"})).await;
        assert_rr_bad_field(s, &b, "target_url");
        // MemberRemove (003's sample heading) is MemberDelete.
        let sub = subscribe(&app, k, "MemberRemove", "http://127.0.0.1:9/x").await;
        assert_eq!(sub["webhook"]["event"], "MemberDelete");
        let id = sub["web_hook_id"].as_str().unwrap();
        let (s, b) = app.call(reqwest::Method::DELETE, "/api/hooks", Some(k), Some(json!({"web_hook_id": id}))).await;
        assert_eq!((s, b), (200, json!("")), "200 with no body");
        let (s, b) = app.call(reqwest::Method::DELETE, "/api/hooks", Some(k), Some(json!({"web_hook_id": id}))).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.call(reqwest::Method::DELETE, "/api/hooks", Some(k), Some(json!({"web_hook_id": "nope"}))).await;
        assert_rr_bad_field(s, &b, "web_hook_id");
        let (_, list) = app.get("/api/v1/hooks", k).await;
        assert_eq!(list["pagination"]["total"], 0, "{list}");
        let (s, b) = app.get("/api/hooks/history/NoSuchEvent", k).await;
        assert_rr_bad_field(s, &b, "eventName");
        // An unsubscribed subscription's pending deliveries are cancelled, not sent.
        let receiver = Receiver::start(vec![Answer::Status(500)]).await;
        let sub = subscribe(&app, k, "MemberAdd", &receiver.url).await;
        member(&app, k, "pat@example.com").await;
        receiver.wait_for(1).await;
        app.call(reqwest::Method::DELETE, "/api/hooks", Some(k), Some(json!({"web_hook_id": sub["web_hook_id"]}))).await;
        let d = wait_for_status(&app, k, "MemberAdd", "cancelled").await;
        assert_eq!(d["next_attempt_at"], Value::Null);
    }
);

db_test!(
    async fn another_orgs_subscriptions_and_deliveries_answer_404_and_an_analyst_only_reads(app) {
        let acme = org_with_program(&app, "Acme").await;
        let other = org_with_program(&app, "Other").await;
        let receiver = Receiver::start(vec![Answer::Status(500)]).await;
        let sub = subscribe(&app, &acme.owner_key, "MemberAdd", &receiver.url).await;
        let id = sub["web_hook_id"].as_str().unwrap();
        member(&app, &acme.owner_key, "pat@example.com").await;
        receiver.wait_for(1).await;
        let msg = history(&app, &acme.owner_key, "MemberAdd").await["deliveries"][0]["id"].clone();
        let msg = msg.as_str().unwrap();
        let o = &other.owner_key;
        let (s, b) = app.call(reqwest::Method::DELETE, "/api/hooks", Some(o), Some(json!({"web_hook_id": id}))).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, _) = app.post(&format!("/api/v1/hooks/{id}/rotate-secret"), o, json!({})).await;
        assert_eq!(s, 404);
        let (s, _) = app.post(&format!("/api/v1/hooks/deliveries/{msg}/retry"), o, json!({})).await;
        assert_eq!(s, 404);
        assert_eq!(history(&app, o, "MemberAdd").await["total"], 0);
        let (_, list) = app.get("/api/v1/hooks", o).await;
        assert_eq!(list["pagination"]["total"], 0);
        // Another org's member makes no delivery to Acme's subscription.
        member(&app, o, "someone@example.com").await;
        assert_eq!(history(&app, &acme.owner_key, "MemberAdd").await["total"], 1);

        let analyst = app.key(&acme, "analyst").await;
        let (s, b) = app.post("/api/hooks", &analyst, json!({"target_url": receiver.url, "event": "MemberAdd"})).await;
        assert_rr_error(s, &b, 403, "forbidden");
        let (s, _) = app.call(reqwest::Method::DELETE, "/api/hooks", Some(&analyst), Some(json!({"web_hook_id": id}))).await;
        assert_eq!(s, 403);
        let (s, _) = app.post(&format!("/api/v1/hooks/{id}/rotate-secret"), &analyst, json!({})).await;
        assert_eq!(s, 403);
        assert_eq!(history(&app, &analyst, "MemberAdd").await["total"], 1);
        let (s, list) = app.get("/api/v1/hooks", &analyst).await;
        assert_eq!((s, &list["data"][0]["id"]), (200, &json!(id)));
        assert!(list["data"][0].get("secret").is_none(), "a list never shows the secret");
    }
);

/// With the operator setting off: every URL of the issue's table is refused at subscription.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_operator_setting_off_private_targets_are_refused() {
    let mut cfg = config();
    cfg.webhook_allow_private = false;
    let app = TestApp::sqlite_with(cfg).await;
    let org = app.new_org("Acme").await;
    for url in [
        "http://example.com/hooks",
        "https://127.0.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://172.31.255.254/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fc00::1]/",
        "https://[fd12:3456::1]/",
        "https://[fe80::1]/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost/",
        "https://api.localhost/",
        "https://user:pass@example.com/",
    ] {
        let (s, b) = app
            .post(
                "/api/hooks",
                &org.owner_key,
                json!({"target_url": url, "event": "MemberAdd"}),
            )
            .await;
        assert_eq!(s, 400, "{url} was accepted: {b}");
        assert_eq!(b["field"], "target_url", "{url}: {b}");
    }
    let (_, list) = app.get("/api/v1/hooks", &org.owner_key).await;
    assert_eq!(list["pagination"]["total"], 0);

    // At send: a subscription whose target now reaches this machine (its URL changed under
    // it here; a re-pointed name does the same through the resolver) is not sent to.
    let receiver = Receiver::start(vec![Answer::Status(200)]).await;
    let k = &org.owner_key;
    app.program(k, program_body("spring")).await;
    let sub = subscribe(&app, k, "MemberAdd", "https://hooks.invalid/x").await;
    let loopback = receiver.url.replace("http://", "https://");
    app.db
        .execute_unprepared(&format!(
            "UPDATE webhook SET target_url = '{loopback}' WHERE public_id = '{}'",
            sub["web_hook_id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    member(&app, k, "pat@example.com").await;
    let started = Instant::now();
    let d = loop {
        let h = history(&app, k, "MemberAdd").await;
        if h["deliveries"][0]["last_attempt_at"].is_string() {
            break h["deliveries"][0].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (&d["status"], &d["response_code"]),
        (&json!("pending"), &Value::Null),
        "{d}"
    );
    assert!(
        d["error"]
            .as_str()
            .unwrap()
            .contains("not a public address"),
        "{d}"
    );
    assert!(receiver.seen().is_empty(), "nothing reached the receiver");
}

/// The real binary on SQLite, killed (SIGKILL) while a delivery waits for its retry, then
/// started again on the same data: the retry arrives, with the same `webhook-id`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_pending_when_the_server_is_killed_is_delivered_after_a_restart() {
    use crate::secrets::Server;
    use vouch::store::{Db, DbOptions};
    let dir = tempfile::tempdir().unwrap();
    let env = [("VOUCH_WEBHOOK_ALLOW_PRIVATE", "true")];
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("vouch.db").display()
    );
    let receiver = Receiver::start(vec![Answer::Status(500), Answer::Status(204)]).await;

    let (server, base) = Server::start_with(dir.path(), &env);
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    let app = TestApp::at(base, db, None);
    let org = org_with_program(&app, "Acme").await;
    let k = &org.owner_key;
    let sub = subscribe(&app, k, "MemberAdd", &receiver.url).await;
    member(&app, k, "pat@example.com").await;
    let first = receiver.wait_for(1).await[0].clone();
    drop(server); // SIGKILL: no shutdown of any kind
    {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .db
            .raw()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT status, attempts FROM webhook_delivery",
            ))
            .await
            .unwrap()
            .expect("the delivery row");
        let state: (String, i32) = (
            row.try_get("", "status").unwrap(),
            row.try_get("", "attempts").unwrap(),
        );
        assert_eq!(
            state,
            ("pending".to_string(), 1),
            "pending while the server is down"
        );
    }

    let (_server, base) = Server::start_with(dir.path(), &env);
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    let app = TestApp::at(base, db, None);
    let seen = receiver.wait_for(2).await;
    assert_eq!(seen[1].id, first.id, "the same message, retried");
    let secret = sub["secret"].as_str().unwrap();
    assert!(verifies(
        secret,
        &seen[1].id,
        &seen[1].timestamp,
        &seen[1].body,
        &seen[1].signature
    ));
    let d = wait_for_status(&app, k, "MemberAdd", "succeeded").await;
    assert_eq!(d["attempts"], 2, "{d}");
}

//! Shared test helpers: a server on a real TCP port over a fresh database (a SQLite file in a
//! temp dir, or a fresh schema in `VOUCH_TEST_DATABASE_URL`), and JSON request shortcuts.
#![allow(dead_code)]

use reqwest::Method;
use serde_json::{json, Value};
use vouch::config::Config;
use vouch::store::{Db, DbOptions};
use vouch::App;

pub const ADMIN_KEY: &str = "vadm_TestAdminKeyForIntegrationTests0000000";

/// Declares a test that runs once on SQLite (`<name>::sqlite`) and once on PostgreSQL
/// (`<name>::postgres`, a no-op unless `VOUCH_TEST_DATABASE_URL` is set).
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn case($app: $crate::common::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                case($crate::common::TestApp::sqlite().await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::postgres().await {
                    case(app).await
                }
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
}

/// An org created through the API, with its owner key.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: String,
    pub owner_key: String,
    pub owner_key_id: String,
}

/// The test configuration: an ephemeral port and a known admin key.
pub fn config() -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        admin_key: Some(ADMIN_KEY.into()),
        // Webhook tests deliver to a receiver on loopback; the SSRF tests in `webhooks` turn it off.
        webhook_allow_private: true,
        ..Config::default()
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with(config()).await
    }

    /// A SQLite app with its own configuration (e.g. other script limits).
    pub async fn sqlite_with(config: Config) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let db = Db::connect(&url, DbOptions::default())
            .await
            .expect("sqlite connect");
        db.migrate().await.expect("migrate sqlite");
        TestApp::spawn_with(config, db, Some(dir)).await
    }

    /// A fresh schema in the PostgreSQL database named by `VOUCH_TEST_DATABASE_URL`, if set.
    pub async fn postgres() -> Option<TestApp> {
        TestApp::postgres_with(config()).await
    }

    /// `postgres` with its own configuration.
    pub async fn postgres_with(config: Config) -> Option<TestApp> {
        let url = std::env::var("VOUCH_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))?;
        let schema = format!(
            "t_{}",
            vouch::domain::ids::new_public_id("s")
                .to_lowercase()
                .replace('_', "")
        );
        let admin = Db::connect(
            &url,
            DbOptions {
                max_connections: Some(1),
                pg_schema: None,
            },
        )
        .await
        .expect("postgres connect (VOUCH_TEST_DATABASE_URL)");
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        admin.close().await;
        let db = Db::connect(
            &url,
            DbOptions {
                max_connections: Some(5),
                pg_schema: Some(schema),
            },
        )
        .await
        .expect("postgres connect with schema");
        db.migrate().await.expect("migrate postgres");
        Some(TestApp::spawn_with(config, db, None).await)
    }

    /// An app served elsewhere (e.g. by the real binary) at `base`, over `db`.
    pub fn at(base: String, db: Db, dir: Option<tempfile::TempDir>) -> TestApp {
        // reqwest is built with rustls and no provider of its own (see Cargo.toml); an app
        // built in this process installs ring, a server in another process does not.
        vouch::webhooks::client::install_crypto();
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            _dir: dir,
        }
    }

    async fn spawn(db: Db, dir: Option<tempfile::TempDir>) -> TestApp {
        TestApp::spawn_with(config(), db, dir).await
    }

    /// Serves `db`; the data dir (the mail outbox) is the app's own temp dir, never the
    /// working directory.
    async fn spawn_with(mut config: Config, db: Db, dir: Option<tempfile::TempDir>) -> TestApp {
        let dir = dir.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
        if config.data_dir == Config::default().data_dir {
            config.data_dir = dir.path().to_path_buf();
        }
        let dir = Some(dir);
        let app = App::build_with_db(config, db.clone())
            .await
            .expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run());
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            _dir: dir,
        }
    }

    /// Sends a request; answers the status and the JSON body (Null when there is none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body read");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The app's data dir (the mail outbox is `<data dir>/outbox`).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .unwrap_or_default()
    }

    /// A BPM command (`POST /api/bpm/cmd`).
    pub async fn bpm(&self, key: &str, body: Value) -> (u16, Value) {
        self.post("/api/bpm/cmd", key, body).await
    }

    pub async fn get(&self, path: &str, key: &str) -> (u16, Value) {
        self.call(Method::GET, path, Some(key), None).await
    }

    /// `/metrics` (Prometheus text), read with the platform admin key.
    pub async fn metrics(&self) -> String {
        let resp = self
            .client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    /// A POST carrying an `Idempotency-Key` header.
    pub async fn post_idempotent(
        &self,
        path: &str,
        key: &str,
        idempotency_key: &str,
        body: Value,
    ) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("Idempotency-Key", idempotency_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn put(&self, path: &str, key: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(key), Some(body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, Some(key), None).await
    }

    /// Sends a raw body with a JSON content type (for malformed-JSON tests).
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: &str,
    ) -> (u16, Value) {
        let resp = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body read");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn new_org(&self, name: &str) -> Org {
        let (status, body) = self
            .post("/api/v1/orgs", ADMIN_KEY, json!({"name": name}))
            .await;
        assert_eq!(status, 201, "create org: {body}");
        Org {
            id: body["id"].as_str().unwrap().into(),
            owner_key: body["owner_key"].as_str().unwrap().into(),
            owner_key_id: body["owner_key_id"].as_str().unwrap().into(),
        }
    }

    /// A new key of `role` in `org`; answers (key id, key).
    pub async fn key_with_id(&self, org: &Org, role: &str) -> (String, String) {
        let (status, body) = self
            .post(
                "/api/v1/api-keys",
                &org.owner_key,
                json!({"name": role, "role": role}),
            )
            .await;
        assert_eq!(status, 201, "create key: {body}");
        (
            body["id"].as_str().unwrap().into(),
            body["key"].as_str().unwrap().into(),
        )
    }

    pub async fn key(&self, org: &Org, role: &str) -> String {
        self.key_with_id(org, role).await.1
    }

    /// Creates a referral code record; answers the record.
    pub async fn code(&self, key: &str, body: Value) -> Value {
        let (status, rec) = self.post("/api/v1/referral-code-records", key, body).await;
        assert_eq!(status, 201, "create code: {rec}");
        rec
    }
}

/// Asserts a native error envelope with this status and code.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "unexpected status; body: {body}");
    assert_eq!(
        body["error"]["code"], want_code,
        "unexpected error code; body: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
}

/// Asserts a 400 whose details name `field`.
pub fn assert_bad_field(status: u16, body: &Value, field: &str) {
    assert_error(status, body, 400, "invalid_input");
    assert_eq!(
        body["error"]["details"]["field"], field,
        "field not named; body: {body}"
    );
}

impl TestApp {
    /// Creates a program through the native API; answers it.
    pub async fn program(&self, key: &str, body: Value) -> Value {
        let (status, p) = self.post("/api/v1/programs", key, body).await;
        assert_eq!(status, 201, "create program: {p}");
        p
    }

    /// Creates a member through the 003 API; answers the member object.
    pub async fn member(&self, key: &str, body: Value) -> Value {
        let (status, m) = self.post("/api/members", key, body).await;
        assert_eq!(status, 201, "create member: {m}");
        m["member"].clone()
    }
}

/// A program body with the required fields.
pub fn program_body(name: &str) -> Value {
    json!({"name": name, "promocode": format!("{}-@ID@", name.to_uppercase()), "url": "https://shop.example.com/join"})
}

/// Asserts a 003 error envelope `{message, code, field}` with this status.
pub fn assert_rr_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "unexpected status; body: {body}");
    assert_eq!(
        body["code"], want_code,
        "unexpected error code; body: {body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
}

/// Asserts a 003 400 naming `field`.
pub fn assert_rr_bad_field(status: u16, body: &Value, field: &str) {
    assert_rr_error(status, body, 400, "invalid_input");
    assert_eq!(body["field"], field, "field not named; body: {body}");
}

/// The value of the first sample in a Prometheus text exposition whose line starts with
/// `series` (a name with its labels), e.g. `vouch_cache_hits_total{cache="auth"} `.
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

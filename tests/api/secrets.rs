//! Secrets stay secret: page tokens, keys and `authinfo` never reach the log; answers to
//! authenticated requests are not cached; Basic auth does the same work for any key id.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{program_body, TestApp, ADMIN_KEY};
use serde_json::json;
use vouch::store::{Db, DbOptions};

/// The real binary, serving on SQLite at the default log level with its stderr and stdout
/// captured; killed on drop.
pub(crate) struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Starts `vouch serve` at `RUST_LOG=info`; answers it and its base URL once it listens.
    fn start(dir: &std::path::Path) -> (Server, String) {
        Server::start_with(dir, &[])
    }

    /// `start` with more environment variables.
    pub(crate) fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Server, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .arg("serve")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("VOUCH_BIND", "127.0.0.1:0")
            .env("VOUCH_DATA_DIR", dir)
            .env("VOUCH_ADMIN_KEY", ADMIN_KEY)
            .env_remove("VOUCH_DATABASE_URL")
            .env_remove("VOUCH_PUBLIC_URL")
            .env_remove("VOUCH_LOG_FORMAT")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the vouch binary");
        let log = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        fn collect(stream: impl std::io::Read + Send + 'static, log: Arc<Mutex<String>>) {
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        collect(stdout, log.clone());
        collect(stderr, log.clone());
        let server = Server { child, log };
        let started = Instant::now();
        loop {
            let text = server.log();
            if let Some(at) = text.find("listening") {
                let rest = &text[at..];
                let from = rest
                    .find("http://127.0.0.1:")
                    .expect("listening line names the base");
                let port: String = rest[from + "http://127.0.0.1:".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                return (server, format!("http://127.0.0.1:{port}"));
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_tokens_keys_and_authinfo_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = Server::start(dir.path());
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("vouch.db").display()
    );
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    let app = TestApp::at(base, db, None);

    let org = app.new_org("Acme").await;
    let k = &org.owner_key;
    app.program(k, program_body("spring")).await;
    let m = app
        .member(
            k,
            json!({"programId": "spring", "firstName": "Jane", "email": "jane@example.com"}),
        )
        .await;
    let (s, u) = app
        .post(
            "/api/memberaccessurls",
            k,
            json!({"memberQuery": {"memberId": m["id"]}}),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    let portal = u["portalUrl"].as_str().unwrap();
    let widget = u["shareEmbedUrl"].as_str().unwrap();
    let token = |url: &str| url.rsplit('/').next().unwrap().to_string();
    let (portal_token, widget_token) = (token(portal), token(widget));
    assert_eq!(portal_token.len(), 43);
    for url in [portal, widget] {
        let resp = app.client.get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        // A path below the token, and a query carrying it, are redacted too.
        let resp = app
            .client
            .get(format!("{url}/x?token={}", token(url)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404);
    }
    // A key in `authinfo` (query), and on a query parameter named like a key.
    let authinfo = format!("{}:{}", org.owner_key_id, org.owner_key);
    let resp = app
        .client
        .get(format!("{}/billmgr", app.base))
        .query(&[("func", "referralprogram"), ("authinfo", authinfo.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = app
        .client
        .get(format!("{}/api/v1/events?api_key={k}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    // Every request above is logged (the lines arrive asynchronously).
    let started = Instant::now();
    let log = loop {
        let log = server.log();
        if log.matches("/portal/[redacted]").count() >= 2
            && log.matches("/widget/[redacted]").count() >= 2
            && log.contains("authinfo=[redacted]")
            && log.contains("api_key=[redacted]")
        {
            break log;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "requests not logged redacted: {log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for secret in [&*portal_token, &*widget_token, &*org.owner_key, ADMIN_KEY] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

/// The `Cache-Control` of an answer ("" when absent).
fn cache_control(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

db_test!(
    async fn authenticated_answers_are_not_cached(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        app.program(k, program_body("spring")).await;
        let m = app.member(k, json!({"programId": "spring", "firstName": "Jane", "email": "jane@example.com"})).await;
        let send = |method: reqwest::Method, path: &str, key: Option<&str>, body: Option<serde_json::Value>| {
            let mut req = app.client.request(method, format!("{}{path}", app.base));
            if let Some(key) = key {
                req = req.bearer_auth(key);
            }
            if let Some(body) = body {
                req = req.json(&body);
            }
            req.send()
        };
        // A new key, access URLs (both paths), a list, an error: all `no-store`.
        let resp = send(reqwest::Method::POST, "/api/v1/api-keys", Some(k), Some(json!({"name": "ci", "role": "developer"}))).await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (201, "no-store".into()));
        for path in ["/api/memberaccessurls", "/api/memberaccess"] {
            let resp = send(reqwest::Method::POST, path, Some(k), Some(json!({"memberQuery": {"memberId": m["id"]}}))).await.unwrap();
            assert_eq!((resp.status().as_u16(), cache_control(&resp)), (200, "no-store".into()), "{path}");
        }
        let resp = send(reqwest::Method::GET, "/api/v1/programs", Some(k), None).await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (200, "no-store".into()));
        let resp = send(reqwest::Method::GET, "/api/v1/programs", Some("vk_wrong"), None).await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (401, "no-store".into()));
        let resp = send(reqwest::Method::GET, "/api/v1/programs/prog_nope", Some(k), None).await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (404, "no-store".into()));
        // Basic credentials, and `authinfo` in the query or a form body (the func surface).
        let resp = app.client.get(format!("{}/api/v1/programs", app.base)).basic_auth(&org.owner_key_id, Some(k)).send().await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (200, "no-store".into()));
        let authinfo = format!("{}:{k}", org.owner_key_id);
        let resp = app.client.get(format!("{}/billmgr", app.base)).query(&[("func", "referralprogram"), ("authinfo", &authinfo)]).send().await.unwrap();
        assert_eq!(cache_control(&resp), "no-store");
        let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs([("func", "referralprogram"), ("authinfo", &authinfo)]).finish();
        let resp = app.client.post(format!("{}/billmgr", app.base)).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
        assert_eq!(cache_control(&resp), "no-store");
        // Public answers without credentials are left alone.
        let resp = send(reqwest::Method::GET, "/healthz", None, None).await.unwrap();
        assert_eq!((resp.status().as_u16(), cache_control(&resp)), (200, String::new()));
    }
);

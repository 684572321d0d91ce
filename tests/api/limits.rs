//! Per-org and per-IP rate limits (`VOUCH_RATE_LIMIT__*`) and `/metrics`.

use reqwest::Method;
use serde_json::Value;
use vouch::web::limits::RateLimitConfig;

use crate::common::{config, TestApp, ADMIN_KEY};

fn limited(org_rps: u32, org_burst: u32, ip_rps: u32, ip_burst: u32) -> vouch::config::Config {
    vouch::config::Config {
        rate_limit: RateLimitConfig {
            org_rps,
            org_burst,
            ip_rps,
            ip_burst,
        },
        ..config()
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Calls `path` with `key` until it is refused (at most `tries` times); answers the number of
/// the refused call and its response.
async fn until_limited(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    tries: usize,
) -> (usize, reqwest::Response) {
    for n in 1..=tries {
        let mut req = app.client.get(format!("{}{path}", app.base));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.unwrap();
        let refused = resp.status().as_u16() == 429
            || (path.starts_with("/billmgr") && resp.headers().get("retry-after").is_some());
        if refused {
            return (n, resp);
        }
        assert!(
            resp.status().is_success() || resp.status().as_u16() == 404,
            "call {n} of {path}: {}",
            resp.status()
        );
    }
    panic!("{path}: never limited in {tries} calls");
}

/// `GET /api/v1/programs` with `key`, as a raw response (its rate-limit headers are read).
async fn list_programs(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/programs", app.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_its_burst_an_org_gets_429_with_retry_after_and_other_orgs_do_not() {
    let app = TestApp::sqlite_with(limited(1, 2, 0, 0)).await;
    let a = app.new_org("Acme").await;
    let b = app.new_org("Bolt").await;

    let first = list_programs(&app, &a.owner_key).await;
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(header(&first, "ratelimit-limit").as_deref(), Some("2"));
    assert_eq!(header(&first, "ratelimit-remaining").as_deref(), Some("1"));

    // The third quick call (allowing for a slow machine: at most the fifth) is refused.
    let (n, resp) = until_limited(&app, "/api/v1/programs", Some(&a.owner_key), 5).await;
    assert!(n >= 2, "refused too early, at call {}", n + 1);
    assert_eq!(resp.status().as_u16(), 429);
    let retry: u64 = header(&resp, "retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(header(&resp, "ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header(&resp, "ratelimit-limit").as_deref(), Some("2"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");

    // Another org is unaffected.
    let (s, _) = app.get("/api/v1/programs", &b.owner_key).await;
    assert_eq!(s, 200);

    // The 003 surface answers its own envelope; /billmgr its 200 error document.
    let (_, resp) = until_limited(&app, "/api/programs", Some(&b.owner_key), 6).await;
    assert!(header(&resp, "retry-after").is_some());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    let (_, resp) = until_limited(
        &app,
        "/billmgr?func=referralprogram&out=json",
        Some(&b.owner_key),
        6,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["type"], "rate_limited", "{body}");

    // The platform admin key is not an org's: never limited by the org limit.
    for _ in 0..4 {
        let (s, _) = app.get("/api/v1/orgs", ADMIN_KEY).await;
        assert_eq!(s, 200);
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("vouch_rate_limited_total{scope=\"org\"}"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_turns_the_limits_off() {
    let app = TestApp::sqlite_with(limited(0, 2, 0, 2)).await;
    let a = app.new_org("Acme").await;
    for _ in 0..10 {
        let resp = list_programs(&app, &a.owner_key).await;
        assert_eq!(resp.status().as_u16(), 200);
        assert!(header(&resp, "ratelimit-limit").is_none());
        let (s, _) = app.call(Method::GET, "/r/NO-SUCH-CODE", None, None).await;
        assert_ne!(s, 429);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_are_limited_per_client_ip() {
    let app = TestApp::sqlite_with(limited(0, 0, 1, 2)).await;
    let (n, resp) = until_limited(&app, "/r/NO-SUCH-CODE", None, 5).await;
    assert!(n >= 3);
    assert_eq!(resp.status().as_u16(), 429);
    assert!(
        header(&resp, "retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // The API is not limited per IP.
    let (s, _) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_the_platform_admin_key_only() {
    let app = TestApp::sqlite().await;
    let org = app.new_org("Acme").await;
    let (s, _) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, 200);
    let resp = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(header(&resp, "content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("vouch_http_requests_total{")
                && l.contains("operation=\"healthz\"")
                && l.contains("status=\"2xx\"")),
        "{text}"
    );
    assert!(
        text.contains("vouch_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("vouch_db_pool_connections "), "{text}");

    let (s, body) = app
        .call(Method::GET, "/metrics", Some(&org.owner_key), None)
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (s, body) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (s, _) = app
        .call(Method::GET, "/metrics", Some("vk_wrong"), None)
        .await;
    assert_eq!(s, 401);
}

//! Script runs under load, through the API: the server keeps answering while runs go to their
//! deadline, the pool refuses an org past its cap while another org's runs are answered, and
//! every run is counted at `/metrics`. The pool and the deadline do not depend on the database,
//! so the load tests run on SQLite; the metrics test runs on both.

use crate::common::{assert_error, program_body, sample, TestApp};
use crate::scripts::{test_run, upload, BASE};
use serde_json::{json, Value};

/// An org's condition script that spins until its run's deadline; answers its test path.
async fn spinning_script(app: &TestApp, key: &str) -> String {
    let s = upload(app, key, "spin", "condition", SPIN).await;
    format!("{BASE}/{}/test", s["id"].as_str().unwrap())
}

const SPIN: &str = "let x = 0; loop { x += 1; }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_answering_while_a_script_runs_to_its_deadline() {
    let mut config = crate::common::config();
    config.scripts.max_operations = u64::MAX / 2;
    config.scripts.deadline_ms = 3_000;
    let app = std::sync::Arc::new(TestApp::sqlite_with(config).await);
    let org = app.new_org("Acme").await;
    let path = spinning_script(&app, &org.owner_key).await;
    let (runner, key) = (app.clone(), org.owner_key.clone());
    let running = tokio::spawn(async move { runner.post(&path, &key, json!({})).await });
    for _ in 0..5 {
        let (status, body) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = app.get("/api/v1/scripts", &org.owner_key).await;
        assert_eq!(status, 200);
    }
    assert!(
        !running.is_finished(),
        "other requests were answered while the script still ran"
    );
    let (status, run) = running.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("deadline (3000 ms)"),
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_org_is_refused_past_its_cap_while_another_org_runs() {
    let mut config = crate::common::config();
    config.scripts.max_operations = u64::MAX / 2;
    config.scripts.deadline_ms = 600;
    config.scripts.max_concurrent_runs = 4;
    config.scripts.max_concurrent_runs_per_org = 1;
    config.scripts.queue_wait_ms = 20;
    let app = std::sync::Arc::new(TestApp::sqlite_with(config).await);
    let a = app.new_org("Flooder").await;
    let spin = upload(&app, &a.owner_key, "spin", "amount", SPIN).await;
    let spin_id = spin["id"].as_str().unwrap().to_string();
    let p = app.program(&a.owner_key, program_body("spring")).await;
    let (s, rule) = app
        .post(
            &format!("/api/v1/programs/{}/rules", p["id"].as_str().unwrap()),
            &a.owner_key,
            json!({"name": "r", "trigger": "purchase", "reward_kind": "script", "amount_script_id": spin_id}),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    let evaluate = format!("/api/v1/rules/{}/evaluate", rule["id"].as_str().unwrap());
    let b = app.new_org("Bystander").await;
    let quick = upload(&app, &b.owner_key, "quick", "condition", "true").await;

    // Org A floods: script tests and rule evaluations, all long.
    let mut flood = Vec::new();
    for i in 0..8 {
        let path = if i % 2 == 0 {
            format!("{BASE}/{spin_id}/test")
        } else {
            evaluate.clone()
        };
        let (client, url, key) = (
            app.client.clone(),
            format!("{}{path}", app.base),
            a.owner_key.clone(),
        );
        flood.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .bearer_auth(key)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let status = resp.status().as_u16();
            (
                path,
                status,
                retry_after,
                resp.json::<Value>().await.unwrap(),
            )
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // Meanwhile org B is not refused.
    let run = test_run(&app, &b.owner_key, quick["id"].as_str().unwrap(), json!({})).await;
    assert_eq!(run["result"], true, "{run}");

    let mut refused = (0, 0);
    for task in flood {
        let (path, status, retry_after, body) = task.await.unwrap();
        if status == 429 {
            assert_error(status, &body, 429, "too_many_requests");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("retry shortly"),
                "{body}"
            );
            assert_eq!(retry_after.as_deref(), Some("1"));
            if path.ends_with("/test") {
                refused.0 += 1;
            } else {
                refused.1 += 1;
            }
        } else {
            assert_eq!(status, 200, "{path}: {body}");
        }
    }
    assert!(
        refused.0 + refused.1 >= 4,
        "one run of the org at a time: {refused:?}"
    );
    assert!(
        refused.0 > 0 && refused.1 > 0,
        "both paths go through the pool: {refused:?}"
    );
}

/// Sends one request without waiting for it: answers the status and the body.
fn spawn_post(app: &TestApp, path: &str, key: &str) -> tokio::task::JoinHandle<(u16, Value)> {
    let (client, url, key) = (
        app.client.clone(),
        format!("{}{path}", app.base),
        key.to_string(),
    );
    tokio::spawn(async move {
        let resp = client
            .post(url)
            .bearer_auth(key)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_org_runs_while_one_holds_its_slots_with_long_runs() {
    // The default caps (2 runs per org, 8 in all); runs that spin to a long deadline.
    let mut config = crate::common::config();
    config.scripts.max_operations = u64::MAX / 2;
    config.scripts.deadline_ms = 5_000;
    let app = TestApp::sqlite_with(config).await;
    let a = app.new_org("Flooder").await;
    let spin = spinning_script(&app, &a.owner_key).await;
    let b = app.new_org("Bystander").await;
    let quick = upload(
        &app,
        &b.owner_key,
        "quick",
        "amount",
        "referral.amount / 10",
    )
    .await;
    let p = app.program(&b.owner_key, program_body("spring")).await;
    let (s, rule) = app
        .post(
            &format!("/api/v1/programs/{}/rules", p["id"].as_str().unwrap()),
            &b.owner_key,
            json!({"name": "r", "trigger": "purchase", "reward_kind": "script", "amount_script_id": quick["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{rule}");

    // A takes both of its slots; its third run is refused, which shows the two are running.
    let mut runs: Vec<_> = (0..3)
        .map(|_| spawn_post(&app, &spin, &a.owner_key))
        .collect();
    let (status, body) = loop {
        let done = runs.iter().position(|r| r.is_finished());
        match done {
            Some(i) => break runs.remove(i).await.unwrap(),
            None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    };
    assert_error(status, &body, 429, "too_many_requests");
    let rejected = "vouch_script_runs_total{outcome=\"rejected\"}";
    assert!(sample(&app.metrics().await, rejected).is_some_and(|n| n >= 1.0));

    // Meanwhile B's script test and rule evaluation are answered, not refused.
    let facts = json!({"referral": {"amount": 6000}});
    let run = test_run(
        &app,
        &b.owner_key,
        quick["id"].as_str().unwrap(),
        facts.clone(),
    )
    .await;
    assert_eq!(
        (run["ok"].as_bool(), &run["result"]),
        (Some(true), &json!(600)),
        "{run}"
    );
    let (s, evaluation) = app
        .post(
            &format!("/api/v1/rules/{}/evaluate", rule["id"].as_str().unwrap()),
            &b.owner_key,
            json!({"facts": facts}),
        )
        .await;
    assert_eq!(s, 200, "{evaluation}");
    assert!(
        runs.iter().all(|r| !r.is_finished()),
        "B was answered while A's runs still held A's slots"
    );
    for run in runs {
        let (status, body) = run.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("deadline (5000 ms)"),
            "{body}"
        );
    }
}

db_test!(
    async fn script_runs_are_counted_at_metrics(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let ok = upload(&app, k, "ok", "condition", "true").await;
        assert_eq!(test_run(&app, k, ok["id"].as_str().unwrap(), json!({})).await["ok"], true);
        let bomb = "let s = \"\"; s.pad(9990, \"a\"); let m = #{}; for i in 0..1000 { m[s + i] = i; } true";
        let bomb = upload(&app, k, "bomb", "condition", bomb).await;
        let run = test_run(&app, k, bomb["id"].as_str().unwrap(), json!({})).await;
        assert!(run["error"].as_str().unwrap().contains("memory limit"), "{run}");
        let metrics = app.metrics().await;
        for series in [
            "vouch_script_runs_total{outcome=\"ok\"}",
            "vouch_script_runs_total{outcome=\"limit\"}",
            "vouch_script_limit_stops_total{limit=\"memory\"}",
            "vouch_script_run_duration_seconds_count",
        ] {
            assert!(sample(&metrics, series).is_some_and(|n| n >= 1.0), "{series}:\n{metrics}");
        }
        assert!(metrics.contains("vouch_script_run_duration_seconds_bucket{le=\"0.001\"}"), "{metrics}");
    }
);

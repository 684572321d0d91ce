//! Invite feeds (003 `/api/invitefeeds`, `/api/invitefeed`): invites queued from a member and
//! mailed by the outbox worker with the member's share link and an unsubscribe link; the
//! unsubscribe list, the re-invite window and the daily cap; bad input, another org, roles.
//! SQLite and PostgreSQL.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use vouch::config::Config;

use crate::common::{assert_rr_bad_field, assert_rr_error, config, program_body, TestApp};

/// An org with a program and a member; answers (owner key, member).
async fn member_of_new_org(app: &TestApp, name: &str) -> (String, Value) {
    let org = app.new_org(name).await;
    let k = org.owner_key.clone();
    app.program(&k, program_body("spring")).await;
    let m = app
        .member(&k, json!({"programId": "spring", "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"}))
        .await;
    (k, m)
}

fn contact(first: &str, email: &str) -> Value {
    json!({"firstName": first, "email": email, "lastName": "Roe", "contactType": "friend"})
}

async fn feed(app: &TestApp, key: &str, member: &Value, contacts: Value) -> (u16, Value) {
    let path = format!(
        "/api/invitefeeds?memberId={}",
        member["id"].as_str().unwrap()
    );
    app.post(&path, key, contacts).await
}

/// The raw messages in the app's outbox, once there are `n` (waits up to 20 s).
async fn outbox(app: &TestApp, n: usize) -> Vec<String> {
    let dir = app.data_dir().join("outbox");
    let started = Instant::now();
    loop {
        let mails: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        if mails.len() >= n {
            return mails;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} mails, not {n}",
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The mail's text with quoted-printable soft breaks joined.
fn unfolded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

db_test!(
    async fn a_feed_queues_invites_that_are_mailed_with_the_share_link_and_an_unsubscribe_link(app) {
        let (k, m) = member_of_new_org(&app, "Acme").await;
        let (s, b) = feed(&app, &k, &m, json!([contact("Ann", "Ann@Example.com"), contact("Bob", "bob@example.com")])).await;
        assert_eq!((s, &b["queued"], &b["skipped"]), (200, &json!(2), &json!(0)), "{b}");
        assert_eq!((&b["results"][0]["email"], &b["results"][0]["status"]), (&json!("ann@example.com"), &json!("Queued")));
        assert!(b["results"][0]["inviteId"].as_str().unwrap().starts_with("inv_"), "{b}");
        let mails = outbox(&app, 2).await;
        let ann = mails.iter().map(|m| unfolded(m)).find(|m| m.contains("To: ann@example.com")).expect("Ann's mail");
        let code = m["referralCode"].as_str().unwrap();
        assert!(ann.contains(&format!("/r/{code}")), "the member's share link: {ann}");
        assert!(ann.contains("List-Unsubscribe: <") && ann.contains("/unsubscribe/"), "{ann}");
        assert!(ann.contains("Jane Doe invites you"), "{ann}");
        let started = Instant::now();
        loop {
            let (_, list) = app.get("/api/v1/invites", &k).await;
            if list["data"].as_array().unwrap().iter().all(|i| i["status"] == "sent") {
                assert_eq!(list["pagination"]["total"], 2);
                assert_eq!((&list["data"][0]["member_id"], &list["data"][0]["contact_type"]), (&m["id"], &json!("friend")));
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{list}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // One contact, by the member's referral code.
        let (s, b) = app.post(&format!("/api/invitefeed?referralCode={code}"), &k, contact("Cy", "cy@example.com")).await;
        assert_eq!((s, &b["queued"]), (200, &json!(1)), "{b}");
        outbox(&app, 3).await;
    }
);

db_test!(
    async fn unsubscribed_addresses_are_skipped_and_a_member_invites_an_address_once_in_the_window(app) {
        let (k, m) = member_of_new_org(&app, "Acme").await;
        let (s, _) = app.send_raw(Method::POST, "/api/email/unsubscribe", &k, "\"Gone+x@example.com\"").await;
        assert_eq!(s, 200);
        let (s, b) = feed(&app, &k, &m, json!([
            contact("Gone", "gone@example.com"),
            contact("Yan", "yan@example.com"),
            contact("Yan again", "YAN@example.com"),
        ])).await;
        assert_eq!(s, 200, "{b}");
        let results: Vec<(Value, Value)> = b["results"].as_array().unwrap().iter().map(|r| (r["status"].clone(), r["reason"].clone())).collect();
        assert_eq!(results, [
            (json!("Skipped"), json!("unsubscribed")),
            (json!("Queued"), Value::Null),
            (json!("Skipped"), json!("alreadyInvited")),
        ]);
        // Later, the same member again: not resent. Another member: queued.
        let (_, b) = feed(&app, &k, &m, json!([contact("Yan", "yan@example.com")])).await;
        assert_eq!((&b["queued"], &b["results"][0]["reason"]), (&json!(0), &json!("alreadyInvited")), "{b}");
        let other = app.member(&k, json!({"programId": "spring", "firstName": "Max", "email": "max@example.com"})).await;
        let (_, b) = feed(&app, &k, &other, json!([contact("Yan", "yan@example.com")])).await;
        assert_eq!(b["queued"], 1, "{b}");
        let mails = outbox(&app, 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(outbox(&app, 2).await.len(), 2, "nothing more");
        assert!(mails.iter().all(|m| !m.contains("gone")), "the unsubscribed address got nothing");
    }
);

async fn the_daily_cap_holds_case(app: TestApp) {
    let (k, m) = member_of_new_org(&app, "Acme").await;
    let (_, b) = feed(
        &app,
        &k,
        &m,
        json!([contact("A", "a@example.com"), contact("B", "b@example.com")]),
    )
    .await;
    assert_eq!(b["queued"], 2, "{b}");
    let (_, b) = feed(
        &app,
        &k,
        &m,
        json!([contact("C", "c@example.com"), contact("D", "d@example.com")]),
    )
    .await;
    assert_eq!((&b["queued"], &b["skipped"]), (&json!(1), &json!(1)), "{b}");
    assert_eq!(b["results"][1]["reason"], "dailyCapReached");
    // Another org has a cap of its own.
    let (k2, m2) = member_of_new_org(&app, "Other").await;
    let (_, b) = feed(&app, &k2, &m2, json!([contact("A", "a@example.com")])).await;
    assert_eq!(b["queued"], 1, "{b}");
}

fn capped() -> Config {
    let mut c = config();
    c.invites.daily_cap = 3;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_cap_holds_per_org_on_sqlite() {
    the_daily_cap_holds_case(TestApp::sqlite_with(capped()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_cap_holds_per_org_on_postgres() {
    if let Some(app) = TestApp::postgres_with(capped()).await {
        the_daily_cap_holds_case(app).await
    }
}

db_test!(
    async fn bad_contacts_another_orgs_member_and_an_analyst_are_refused(app) {
        let (k, m) = member_of_new_org(&app, "Acme").await;
        let (s, b) = feed(&app, &k, &m, json!([contact("Ann", "ann@example.com"), contact("Bob", "not an address")])).await;
        assert_rr_bad_field(s, &b, "[1].email");
        let (s, b) = feed(&app, &k, &m, json!([{"email": "ann@example.com"}])).await;
        assert_eq!(s, 400, "firstName is required: {b}");
        let (s, b) = app.post("/api/invitefeeds", &k, json!([contact("Ann", "ann@example.com")])).await;
        assert_eq!(s, 400, "no member named: {b}");
        let path = format!("/api/invitefeeds?memberId={}&referralCode={}", m["id"].as_str().unwrap(), m["referralCode"].as_str().unwrap());
        let (s, _) = app.post(&path, &k, json!([contact("Ann", "ann@example.com")])).await;
        assert_eq!(s, 400, "two members named");
        let (s, b) = app.post("/api/invitefeed?memberId=mem_nobody", &k, contact("Ann", "ann@example.com")).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (_, list) = app.get("/api/v1/invites", &k).await;
        assert_eq!(list["pagination"]["total"], 0, "nothing half-written: {list}");

        let (k2, _) = member_of_new_org(&app, "Other").await;
        let (s, b) = feed(&app, &k2, &m, json!([contact("Ann", "ann@example.com")])).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, _) = app.get(&format!("/api/v1/invites?memberId={}", m["id"].as_str().unwrap()), &k2).await;
        assert_eq!(s, 404);

        let org = app.new_org("Third").await;
        let analyst = app.key(&org, "analyst").await;
        let (s, b) = app.post("/api/invitefeed?memberId=mem_x", &analyst, contact("Ann", "ann@example.com")).await;
        assert_rr_error(s, &b, 403, "forbidden");
        let (s, _) = app.get("/api/v1/invites", &analyst).await;
        assert_eq!(s, 200, "an analyst reads");
    }
);

db_test!(
    async fn feeds_racing_for_one_contact_queue_it_once(app) {
        let (k, m) = member_of_new_org(&app, "Acme").await;
        let calls = (0..8).map(|_| feed(&app, &k, &m, json!([contact("Ann", "ann@example.com")])));
        let answers = futures::future::join_all(calls).await;
        let queued: u64 = answers.iter().map(|(s, b)| {
            assert_eq!(*s, 200, "{b}");
            b["queued"].as_u64().unwrap()
        }).sum();
        assert_eq!(queued, 1, "{answers:?}");
    }
);

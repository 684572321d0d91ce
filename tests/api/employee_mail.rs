//! Mailing employees their codes: the development outbox, a real SMTP conversation with a
//! server this test starts, and the unsubscribe link. The outbox and link tests run on both
//! databases; the SMTP ones on SQLite (the mail path does not depend on the database).

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::{config, TestApp};
use crate::employees::{assert_bpm_error, employee, jane};

fn send(id: &Value) -> Value {
    json!({"$type": "SendEmployeeReferralCodeCommand", "employeeId": id})
}

fn outbox(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir().join("outbox");
    let mut mails: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    mails.sort();
    mails
}

/// The unsubscribe URL of a raw message (its `List-Unsubscribe` header).
fn unsubscribe_url(mail: &str) -> String {
    let line = mail
        .lines()
        .find(|l| l.starts_with("List-Unsubscribe: <"))
        .expect("List-Unsubscribe header");
    line.trim_start_matches("List-Unsubscribe: <")
        .trim_end_matches('>')
        .to_string()
}

db_test!(
    async fn without_smtp_the_code_is_written_to_the_outbox_with_a_working_unsubscribe_link(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        let (s, b) = app.bpm(k, send(&e["id"])).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["message"], "Referral code sent successfully");
        assert_eq!((&b["data"]["email"], &b["data"]["referralCode"]), (&e["email"], &e["referralCode"]));
        let code = e["referralCode"].as_str().unwrap();
        assert!(b["data"]["shareUrl"].as_str().unwrap().ends_with(&format!("/r/{code}")));
        let mails = outbox(&app);
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("To: emp-1@bank.example"), "{}", mails[0]);
        assert!(mails[0].contains(code), "{}", mails[0]);
        assert!(mails[0].contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        let (_, events) = app.get("/api/v1/events?type=EmployeeReferralCodeSent", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");

        // The link: a page with a button (a scanner following it unsubscribes nobody)…
        let url = unsubscribe_url(&mails[0]);
        let page = app.client.get(&url).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("<form method=\"post\">"));
        let (_, events) = app.get("/api/v1/events?type=EmailUnsubscribed", k).await;
        assert_eq!(events["data"], json!([]));
        // …and the button (or the mail client's one-click POST).
        let done = app.client.post(&url).body("List-Unsubscribe=One-Click").send().await.unwrap();
        assert_eq!(done.status().as_u16(), 200);
        let (_, events) = app.get("/api/v1/events?type=EmailUnsubscribed", k).await;
        assert_eq!(events["data"][0]["object_id"], "emp-1@bank.example", "{events}");
        // Clicked twice: still one unsubscribe.
        app.client.post(&url).send().await.unwrap();
        let (_, events) = app.get("/api/v1/events?type=EmailUnsubscribed", k).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 1);
        // Now nothing is sent to that address.
        let (s, b) = app.bpm(k, send(&e["id"])).await;
        assert_bpm_error(s, &b, 422, "unsubscribe list");
        assert_eq!(outbox(&app).len(), 1);
        // A made-up token is just not found.
        let bad = app.client.post(format!("{}/unsubscribe/unsub_nope", app.base)).send().await.unwrap();
        assert_eq!(bad.status().as_u16(), 404);
    }
);

db_test!(
    async fn sending_needs_an_enabled_employee_and_an_id(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": e["id"], "isEnabled": false})).await;
        let (s, b) = app.bpm(k, send(&e["id"])).await;
        assert_bpm_error(s, &b, 422, "disabled");
        let (s, b) = app.bpm(k, json!({"$type": "SendEmployeeReferralCodeCommand"})).await;
        assert_bpm_error(s, &b, 400, "employeeId");
        assert!(outbox(&app).is_empty());
    }
);

/// A minimal SMTP server on a free port: answers every command, and either accepts messages
/// (kept in `received`) or refuses recipients with 550.
async fn smtp_server(refuse: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 test.example ESMTP\r\n")
                    .await
                    .unwrap();
                let mut in_data = false;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push(std::mem::take(&mut message));
                            write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test.example\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "RCPT" if refuse => b"550 5.1.1 no such mailbox\r\n",
                        "RCPT" => b"250 OK\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_goes_out_through_a_real_smtp_conversation() {
    let (port, received) = smtp_server(false).await;
    let app = TestApp::sqlite_with(vouch::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        mail_from: Some("Bank Referrals <referrals@bank.example>".into()),
        ..config()
    })
    .await;
    let org = app.new_org("Bank").await;
    let e = employee(&app, &org.owner_key, jane("EMP-1")).await;
    let (s, b) = app.bpm(&org.owner_key, send(&e["id"])).await;
    assert_eq!(s, 200, "{b}");
    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.contains("From: \"Bank Referrals\" <referrals@bank.example>")
            || mail.contains("From: Bank Referrals <referrals@bank.example>"),
        "{mail}"
    );
    assert!(mail.contains("To: emp-1@bank.example"), "{mail}");
    assert!(mail.contains(e["referralCode"].as_str().unwrap()), "{mail}");
    assert!(mail.contains("List-Unsubscribe: <"), "{mail}");
    assert!(outbox(&app).is_empty(), "SMTP configured: no outbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_that_refuses_answers_502_and_nothing_is_recorded_as_sent() {
    let (port, received) = smtp_server(true).await;
    let app = TestApp::sqlite_with(vouch::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..config()
    })
    .await;
    let org = app.new_org("Bank").await;
    let e = employee(&app, &org.owner_key, jane("EMP-1")).await;
    let (s, b) = app.bpm(&org.owner_key, send(&e["id"])).await;
    assert_bpm_error(s, &b, 502, "mail server");
    // The answer names no internal host.
    assert!(!b.to_string().contains("127.0.0.1"), "{b}");
    assert!(received.lock().unwrap().is_empty());
    let (_, events) = app
        .get(
            "/api/v1/events?type=EmployeeReferralCodeSent",
            &org.owner_key,
        )
        .await;
    assert_eq!(events["data"], json!([]));
}

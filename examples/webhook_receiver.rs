//! A webhook receiver that verifies Vouch's signatures the Standard Webhooks way: what a tenant
//! writes on their side, in Rust (README, "Webhooks (seed 003)", "Receiving them", shows the same
//! check in Python).
//!
//!   WEBHOOK_SECRET=whsec_… cargo run --example webhook_receiver [-- 127.0.0.1:9000 [COUNT]]
//!
//! Answers 204 to a delivery whose signature verifies and whose timestamp is within 5 minutes,
//! 400 otherwise. Deliveries are at-least-once: a repeated `webhook-id` is acknowledged and not
//! processed again. With COUNT, it exits after COUNT distinct deliveries and prints how fast they
//! came (`scripts/dev/bench-webhooks.sh` uses that).
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use poem::http::{HeaderMap, StatusCode};
use poem::web::Data;
use poem::{handler, listener::TcpListener, Body, EndpointExt, Route, Server};

/// How far a delivery's timestamp may be from this clock (replayed requests are refused).
const TOLERANCE_SECS: i64 = 5 * 60;

/// Checks a delivery: `true` when one of the `v1,` signatures in `webhook-signature` is the
/// HMAC-SHA256, keyed with the secret's bytes after `whsec_`, of `{id}.{timestamp}.{body}`.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> bool {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let (Some(id), Some(ts), Some(sigs)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(ts_secs) = ts.parse::<i64>() else {
        return false;
    };
    if (now - ts_secs).abs() > TOLERANCE_SECS {
        return false;
    }
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|k| B64.decode(k).ok())
    else {
        return false;
    };
    sigs.split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| B64.decode(s).ok())
        .any(|sig| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key");
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(ts.as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(&sig).is_ok() // constant-time
        })
}

struct Tally {
    seen: HashSet<String>,
    first: Option<Instant>,
    refused: u64,
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<String>,
    tally: Arc<Mutex<Tally>>,
    expect: Option<usize>,
    done: Arc<tokio::sync::Notify>,
}

#[handler]
async fn receive(headers: &HeaderMap, body: Body, r: Data<&Receiver>) -> StatusCode {
    let body = body.into_vec().await.unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let mut tally = r.tally.lock().unwrap();
    if !verify(&r.secret, headers, &body, now) {
        tally.refused += 1;
        return StatusCode::BAD_REQUEST;
    }
    tally.first.get_or_insert_with(Instant::now);
    let id = headers["webhook-id"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    if tally.seen.insert(id) {
        // A new delivery: process `body` (the element, as JSON) here.
        if r.expect.is_some_and(|n| tally.seen.len() >= n) {
            r.done.notify_one();
        }
    }
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:9000".into());
    let expect = args.next().and_then(|n| n.parse().ok());
    let secret = std::env::var("WEBHOOK_SECRET").expect("WEBHOOK_SECRET=whsec_…");
    let receiver = Receiver {
        secret: Arc::new(secret),
        tally: Arc::new(Mutex::new(Tally {
            seen: HashSet::new(),
            first: None,
            refused: 0,
        })),
        expect,
        done: Arc::new(tokio::sync::Notify::new()),
    };
    let (tally, done) = (receiver.tally.clone(), receiver.done.clone());
    let app = Route::new()
        .at("/*path", poem::post(receive))
        .data(receiver);
    eprintln!("webhook_receiver: listening on http://{bind}/");
    let server = Server::new(TcpListener::bind(bind)).run(app);
    match expect {
        None => server.await,
        Some(n) => {
            tokio::select! {
                r = server => r,
                _ = done.notified() => {
                    let t = tally.lock().unwrap();
                    let secs = t.first.map(|f| f.elapsed().as_secs_f64()).unwrap_or(0.0);
                    println!(
                        "received {n} deliveries in {secs:.2} s: {:.0}/s; {} refused",
                        n as f64 / secs.max(1e-9),
                        t.refused
                    );
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference libraries' vector.
    #[test]
    fn the_reference_vector_verifies_and_a_changed_body_does_not() {
        let mut h = HeaderMap::new();
        h.insert(
            "webhook-id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap(),
        );
        h.insert("webhook-timestamp", "1614265330".parse().unwrap());
        h.insert(
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
                .parse()
                .unwrap(),
        );
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(verify(secret, &h, br#"{"test": 2432232314}"#, 1614265330));
        assert!(!verify(secret, &h, br#"{"test": 2432232315}"#, 1614265330));
        assert!(!verify(
            secret,
            &h,
            br#"{"test": 2432232314}"#,
            1614265330 + 301
        ));
    }
}

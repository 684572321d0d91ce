//! The HTTP client deliveries go out on.
//!
//! Invariants:
//! - Redirects are never followed (a 3xx is a failed attempt), no proxy is used, and the client
//!   retries nothing itself: the worker's schedule is the only retry.
//! - Every name is resolved by `GuardedResolver`, which refuses the name when any address it
//!   resolves to is not public; the connection can only go to addresses that passed. Addresses
//!   written in the URL never reach a resolver, so `send` checks the URL itself first, and the
//!   address actually connected is checked once more on the response.
//! - Connecting may take 5 s, the whole attempt 15 s; at most `BODY_CAP` bytes of the answer
//!   are read.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use super::guard::{self, Policy};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
/// Bytes of a receiver's answer read (the rest is dropped with the connection).
const BODY_CAP: usize = 4096;
/// Characters of a failed answer kept in the history.
const ERROR_SNIPPET: usize = 200;

/// Resolves names and refuses those that reach a forbidden address.
struct GuardedResolver {
    policy: Policy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let name = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let ips: Vec<_> = addrs.iter().map(|a| a.ip()).collect();
            guard::check_resolved(&name, &ips, policy)?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The answer's status, when one came.
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// `Retry-After`, in seconds, when the answer carried one.
    pub retry_after: Option<Duration>,
    /// Why the attempt failed (no answer, or the start of a non-2xx answer's body).
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends signed deliveries.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: Policy,
}

impl Sender {
    pub fn new(policy: Policy) -> crate::error::Result<Sender> {
        install_crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .user_agent(concat!("Vouch-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { policy }))
            .build()
            .map_err(|e| crate::error::AppError::Internal(format!("webhook client: {e}")))?;
        Ok(Sender { client, policy })
    }

    /// POSTs `body` to `url` with `headers`; never fails, the outcome says what happened.
    pub async fn send(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Outcome {
        let started = Instant::now();
        let elapsed = |started: Instant| i64::try_from(started.elapsed().as_millis()).unwrap_or(0);
        let parsed = match Url::parse(url) {
            Ok(u) => u,
            Err(e) => return failure(started, format!("target_url is not a URL ({e})")),
        };
        if let Err(refused) = guard::check_url(&parsed, self.policy) {
            return failure(started, refused.0);
        }
        let mut request = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.body(body).send().await {
            Ok(r) => r,
            Err(e) => return failure(started, describe(&e)),
        };
        if let Some(remote) = response.remote_addr() {
            if !self.policy.allow_private && guard::is_forbidden(remote.ip()) {
                return failure(
                    started,
                    format!("connected to {remote}, not a public address"),
                );
            }
        }
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, std::time::SystemTime::now()));
        let mut body = Vec::new();
        while body.len() < BODY_CAP {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = BODY_CAP - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                _ => break,
            }
        }
        let ok = (200..300).contains(&status);
        Outcome {
            status: Some(status),
            latency_ms: elapsed(started),
            retry_after,
            error: (!ok).then(|| {
                let text: String = String::from_utf8_lossy(&body)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(ERROR_SNIPPET)
                    .collect();
                if (300..400).contains(&status) {
                    format!("HTTP {status}: redirects are not followed")
                } else if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {text}")
                }
            }),
        }
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past
/// is no delay.
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn failure(started: Instant, error: String) -> Outcome {
    Outcome {
        status: None,
        latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(0),
        retry_after: None,
        error: Some(error),
    }
}

/// The cause chain of a send error (the refusal of a resolved name sits inside it).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let line = s.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = s.source();
    }
    text.chars().take(ERROR_SNIPPET * 2).collect()
}

/// rustls needs a process-wide crypto provider; ring is the one lettre and sqlx already build.
/// Installing it twice is harmless (the second call is refused and ignored).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSING: Policy = Policy {
        allow_private: false,
    };

    #[tokio::test]
    async fn a_send_to_a_private_address_written_in_the_url_is_refused_before_connecting() {
        let sender = Sender::new(REFUSING).unwrap();
        for (url, why) in [
            ("http://93.184.215.14/", "must be https"),
            ("https://127.0.0.1:9/", "not a public address"),
            ("https://0x7f000001/", "not a public address"),
            ("https://[::ffff:127.0.0.1]/", "not a public address"),
            (
                "https://169.254.169.254/latest/meta-data/",
                "not a public address",
            ),
            ("https://localhost/", "is this machine"),
        ] {
            let outcome = sender.send(url, &[], b"{}".to_vec()).await;
            assert_eq!(outcome.status, None, "{url}");
            let error = outcome.error.unwrap_or_default();
            assert!(error.contains(why), "{url}: {error}");
        }
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        let resolver = GuardedResolver { policy: REFUSING };
        let name: Name = "localhost".parse().unwrap();
        let refused = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost resolved through the guard"),
            Err(e) => e.to_string(),
        };
        assert!(refused.contains("not public"), "{refused}");
        let allowing = GuardedResolver {
            policy: Policy {
                allow_private: true,
            },
        };
        let addrs: Vec<_> = allowing
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}

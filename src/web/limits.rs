//! Per-instance rate limits (governor's GCRA, keyed): per org on authenticated operations, per
//! client IP on the public pages (`/portal`, `/widget`, `/r/`). Each instance counts on its own,
//! so N instances allow N× the rate.
//!
//! The org is only known once `AppState::tenant_with` has authenticated the key, so that is
//! where the org limiter is checked. It records its verdict in a task-local the request
//! middleware scopes around each request ([`tracking`]); the middleware then answers a refused
//! request with a 429 in the surface's envelope (and adds `RateLimit-*` headers to every answer
//! it checked), so the limit needs no error variant of its own.
use std::cell::RefCell;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};

/// `VOUCH_RATE_LIMIT__*`: requests per second and burst; `0` in either turns that limit off.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Sustained requests per second per org (authenticated operations).
    pub org_rps: u32,
    /// Requests an org may make at once before the sustained rate applies.
    pub org_burst: u32,
    /// Sustained requests per second per client IP on the public pages.
    pub ip_rps: u32,
    /// Burst per client IP on the public pages.
    pub ip_burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            org_rps: 100,
            org_burst: 200,
            ip_rps: 20,
            ip_burst: 50,
        }
    }
}

/// The outcome of one check, for the answer's headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed { limit: u32, remaining: u32 },
    Limited { limit: u32, retry_after_secs: u64 },
}

type Governor<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Forget idle keys every this many checks, so the key maps stay bounded.
const SWEEP_EVERY: u64 = 4096;

struct Keyed<K: Hash + Eq + Clone> {
    limiter: Governor<K>,
    burst: u32,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(rps: u32, burst: u32) -> Option<Self> {
        let (rps, burst_nz) = (NonZeroU32::new(rps)?, NonZeroU32::new(burst)?);
        let quota = Quota::per_second(rps).allow_burst(burst_nz);
        Some(Keyed {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            burst,
            checks: AtomicU64::new(0),
        })
    }

    fn check(&self, key: &K) -> Verdict {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        match self.limiter.check_key(key) {
            Ok(snapshot) => Verdict::Allowed {
                limit: self.burst,
                remaining: snapshot.remaining_burst_capacity(),
            },
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Verdict::Limited {
                    limit: self.burst,
                    retry_after_secs: secs.max(1),
                }
            }
        }
    }
}

/// The instance's limiters; `None` where configured off.
pub struct RateLimits {
    org: Option<Keyed<i64>>,
    ip: Option<Keyed<IpAddr>>,
}

impl RateLimits {
    pub fn new(config: &RateLimitConfig) -> RateLimits {
        RateLimits {
            org: Keyed::new(config.org_rps, config.org_burst),
            ip: Keyed::new(config.ip_rps, config.ip_burst),
        }
    }

    /// Counts one authenticated request of `org_id` and records the verdict for the
    /// middleware. Answers false when the org is over its limit (the request must stop).
    pub fn admit_org(&self, org_id: i64) -> bool {
        let Some(limiter) = &self.org else {
            return true;
        };
        let verdict = limiter.check(&org_id);
        let _ = VERDICT.try_with(|cell| *cell.borrow_mut() = Some(verdict));
        if let Verdict::Limited { .. } = verdict {
            metrics::counter!(crate::web::metrics::RATE_LIMITED, "scope" => "org").increment(1);
            return false;
        }
        true
    }

    /// Counts one public-page request from `ip`; `None` when that limit is off.
    pub fn check_ip(&self, ip: IpAddr) -> Option<Verdict> {
        let verdict = self.ip.as_ref()?.check(&ip);
        if let Verdict::Limited { .. } = verdict {
            metrics::counter!(crate::web::metrics::RATE_LIMITED, "scope" => "ip").increment(1);
        }
        Some(verdict)
    }
}

tokio::task_local! {
    static VERDICT: RefCell<Option<Verdict>>;
}

/// Runs `fut` (a request) and answers the org limiter's verdict on it, if it was checked.
pub async fn tracking<F: std::future::Future>(fut: F) -> (F::Output, Option<Verdict>) {
    VERDICT
        .scope(RefCell::new(None), async move {
            let out = fut.await;
            let seen = VERDICT.with(|cell| cell.borrow_mut().take());
            (out, seen)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_limited_per_key_and_zero_is_off() {
        let limits = RateLimits::new(&RateLimitConfig {
            org_rps: 1,
            org_burst: 2,
            ip_rps: 0,
            ip_burst: 5,
        });
        let org = limits.org.as_ref().unwrap();
        assert!(matches!(
            org.check(&1),
            Verdict::Allowed { remaining: 1, .. }
        ));
        assert!(matches!(
            org.check(&1),
            Verdict::Allowed { remaining: 0, .. }
        ));
        assert!(matches!(
            org.check(&1),
            Verdict::Limited {
                retry_after_secs: 1,
                ..
            }
        ));
        assert!(matches!(org.check(&2), Verdict::Allowed { .. }));
        assert!(limits.check_ip("127.0.0.1".parse().unwrap()).is_none());
    }
}

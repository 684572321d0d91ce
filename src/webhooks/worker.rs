//! The delivery worker: claims due deliveries, sends them signed, records what happened and
//! schedules the next attempt.
//!
//! Invariants:
//! - A delivery is sent at least once for as long as it is `pending`: a worker that dies
//!   mid-send leaves its lease to run out (`LEASE`), and any worker (this one after a restart,
//!   or another instance) claims it again. Receivers deduplicate by `webhook-id`, which is the
//!   same on every attempt.
//! - Attempts follow `SCHEDULE` (the first is immediate), each delay spread by ±20% so that an
//!   endpoint's failures do not come back in lockstep, and never sooner than a `Retry-After`;
//!   after the last, the delivery is `failed`. A 410 Gone fails it at once and disables its
//!   subscription. Only 2xx is success: 3xx (never followed), 4xx and 5xx are failures.
//! - Fairness (`crate::jobs`): at most `CONCURRENCY` sends in flight on an instance, at most
//!   `PER_ORG` of them for one org, so an org whose endpoint hangs holds at most `PER_ORG`
//!   slots for 15 s each.
//! - The worker never runs on a request's thread: it is a task of its own, woken by a commit
//!   that created deliveries and otherwise polling every `POLL`.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::client::{Outcome, Sender};
use super::guard::Policy;
use super::sign;
use crate::store::webhooks::{self as store, Attempt, Claimed};
use crate::store::Db;

/// Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
/// 24 h (issue 11). Ten attempts in all, over about three days.
pub const SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How long a claim holds a delivery (well past the client's 15 s total timeout).
const LEASE: Duration = Duration::from_secs(60);
const CONCURRENCY: usize = 32;
const PER_ORG: usize = 4;
const POLL: Duration = Duration::from_secs(1);
/// A job that takes longer is abandoned (well inside `LEASE`, so no other worker has taken it).
const RUN_TIMEOUT: Duration = Duration::from_secs(45);

/// Starts the worker on `db`; it runs until the task is aborted.
pub fn spawn(db: Db, policy: Policy) -> crate::error::Result<tokio::task::JoinHandle<()>> {
    let queue = Deliveries {
        db,
        sender: Sender::new(policy)?,
    };
    let limits = crate::jobs::Limits {
        concurrency: CONCURRENCY,
        per_org: PER_ORG,
        poll: POLL,
        run_timeout: RUN_TIMEOUT,
    };
    Ok(crate::jobs::spawn(Arc::new(queue), limits))
}

/// The delivery table as the worker sees it.
struct Deliveries {
    db: Db,
    sender: Sender,
}

impl crate::jobs::Job for Claimed {
    fn org_id(&self) -> i64 {
        self.delivery.org_id
    }
    fn id(&self) -> i64 {
        self.delivery.id
    }
}

#[async_trait::async_trait]
impl crate::jobs::Queue for Deliveries {
    type Job = Claimed;
    const NAME: &'static str = "webhooks";

    async fn claim(&self, limit: usize, busy: &[i64]) -> crate::error::Result<Vec<Claimed>> {
        if !store::any_due(self.db.conn(), crate::domain::clock::now()).await? {
            return Ok(vec![]);
        }
        let txn = self.db.write_admin().await?;
        crate::store::leases::relaxed_durability(&txn).await?;
        // The lease starts once the writer is ours: waiting for it must not shorten the lease.
        let now = crate::domain::clock::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let claimed = store::claim(&txn, now, lease, limit as u64, busy).await?;
        txn.commit().await?;
        Ok(claimed)
    }

    async fn release(&self, ids: Vec<i64>) -> crate::error::Result<()> {
        let txn = self.db.write_admin().await?;
        crate::store::leases::relaxed_durability(&txn).await?;
        store::release(&txn, ids).await?;
        txn.commit().await
    }

    async fn run(&self, job: Claimed) -> crate::error::Result<()> {
        deliver(&self.db, &self.sender, job).await
    }

    async fn woken(&self) {
        self.db.deliveries_created().await
    }
}

/// Sends one claimed delivery and records the attempt.
async fn deliver(db: &Db, sender: &Sender, c: Claimed) -> crate::error::Result<()> {
    let hook = &c.webhook;
    if hook.deleted_at.is_some() || hook.disabled_at.is_some() {
        let txn = db.write_admin().await?;
        store::cancel(&txn, &c.delivery).await?;
        return txn.commit().await;
    }
    let now = crate::domain::clock::now();
    let mut keys: Vec<Vec<u8>> = sign::key_of(&hook.secret).into_iter().collect();
    if hook.previous_secret_until.is_some_and(|t| t > now) {
        keys.extend(hook.previous_secret.as_deref().and_then(sign::key_of));
    }
    let body = c.payload.into_bytes();
    let msg_id = c.delivery.public_id.clone();
    let timestamp = now.timestamp();
    let headers = [
        ("webhook-id", msg_id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            sign::header(&keys, &msg_id, timestamp, &body),
        ),
    ];
    let outcome = sender.send(&c.delivery.target_url, &headers, body).await;
    let at = crate::domain::clock::now();
    // `attempts` already counts this one (the claim counted it).
    let attempt = next_step(&outcome, c.delivery.attempts, at);
    metrics::counter!("vouch_webhook_attempts_total", "outcome" => attempt.status).increment(1);
    tracing::info!(
        delivery = %msg_id,
        status = outcome.status,
        latency_ms = outcome.latency_ms,
        outcome = attempt.status,
        "webhook attempt"
    );
    let txn = db.write_admin().await?;
    crate::store::leases::relaxed_durability(&txn).await?;
    store::record_attempt(&txn, &c.delivery, attempt).await?;
    if outcome.status == Some(410) {
        store::disable(&txn, hook.id, "the receiver answered 410 Gone").await?;
    }
    txn.commit().await
}

/// What an attempt (the `attempts`-th, from 1) leads to.
pub fn next_step(outcome: &Outcome, attempts: i32, at: DateTime<Utc>) -> Attempt {
    let (status, next_attempt_at) = if outcome.succeeded() {
        ("succeeded", None)
    } else if outcome.status == Some(410) {
        ("failed", None)
    } else {
        match SCHEDULE.get(usize::try_from(attempts).unwrap_or(usize::MAX)) {
            None => ("failed", None),
            Some(delay) => {
                let mut wait = jittered(*delay);
                if let Some(asked) = outcome.retry_after {
                    wait = wait.max(asked.min(MAX_RETRY_AFTER));
                }
                let wait = chrono::Duration::from_std(wait).unwrap_or_default();
                ("pending", Some(at + wait))
            }
        }
    };
    Attempt {
        at,
        status_code: outcome.status.map(i32::from),
        latency_ms: Some(outcome.latency_ms),
        error: outcome.error.clone(),
        status,
        next_attempt_at,
    }
}

/// `delay` spread uniformly over ±20%.
fn jittered(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    let factor = rand::rng().random_range(0.8..=1.2);
    delay.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> Outcome {
        Outcome {
            status: Some(status),
            ..Outcome::default()
        }
    }

    #[test]
    fn a_2xx_succeeds_and_a_410_fails_at_once() {
        let at = Utc::now();
        assert_eq!(next_step(&answered(204), 1, at).status, "succeeded");
        let gone = next_step(&answered(410), 1, at);
        assert_eq!((gone.status, gone.next_attempt_at), ("failed", None));
    }

    #[test]
    fn the_schedule_is_the_issues() {
        let secs: Vec<u64> = SCHEDULE.iter().map(Duration::as_secs).collect();
        assert_eq!(
            secs,
            [0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400]
        );
    }

    #[test]
    fn failures_follow_the_schedule_with_jitter_then_fail() {
        let at = Utc::now();
        for (attempts, delay) in SCHEDULE.iter().enumerate().skip(1) {
            for status in [301, 404, 500] {
                let step = next_step(&answered(status), attempts as i32, at);
                assert_eq!(step.status, "pending", "attempt {attempts}");
                let wait = (step.next_attempt_at.unwrap() - at).to_std().unwrap();
                assert!(
                    wait >= delay.mul_f64(0.8) && wait <= delay.mul_f64(1.2),
                    "attempt {attempts}: waited {wait:?} for {delay:?}"
                );
            }
        }
        let last = next_step(&answered(500), SCHEDULE.len() as i32, at);
        assert_eq!((last.status, last.next_attempt_at), ("failed", None));
        let no_answer = next_step(&Outcome::default(), 1, at);
        assert_eq!(no_answer.status, "pending", "no answer is a failure too");
    }

    #[test]
    fn retry_after_pushes_the_next_attempt_back_but_never_forward() {
        let at = Utc::now();
        let mut slow = answered(503);
        slow.retry_after = Some(Duration::from_secs(600));
        let step = next_step(&slow, 1, at);
        assert_eq!(
            step.next_attempt_at,
            Some(at + chrono::Duration::seconds(600))
        );
        slow.retry_after = Some(Duration::from_secs(1));
        let step = next_step(&slow, 2, at);
        let wait = (step.next_attempt_at.unwrap() - at).num_seconds();
        assert!(wait >= 240, "5 min less jitter, not 1 s: {wait}");
        slow.retry_after = Some(Duration::from_secs(10 * 86_400));
        let step = next_step(&slow, 1, at);
        assert_eq!(
            step.next_attempt_at,
            Some(at + chrono::Duration::hours(24)),
            "capped at a day"
        );
    }
}

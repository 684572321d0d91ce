//! The bounded pool every script run goes through: at most `max_concurrent_runs_per_org` runs of
//! one org and `max_concurrent_runs` in all. A run past a cap waits up to `queue_wait_ms`, then
//! is refused with `AppError::Busy` (429), so one org flooding long runs cannot starve another
//! org or grow the blocking thread pool without bound.
//!
//! Invariant: a permit is taken per-org first, then global, and is held until the blocking
//! thread running the script returns (not merely until the request future is dropped).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// Orgs without a run in progress are forgotten once the table holds more than this many.
const PRUNE_ABOVE: usize = 1024;

pub struct RunPool {
    global: Arc<Semaphore>,
    per_org_cap: usize,
    orgs: Mutex<HashMap<i64, Arc<Semaphore>>>,
    wait: Duration,
}

/// Leave to run one script; dropping it frees both slots.
#[derive(Debug)]
pub struct RunPermit {
    _org: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl RunPool {
    pub fn new(global_cap: usize, per_org_cap: usize, wait: Duration) -> RunPool {
        RunPool {
            global: Arc::new(Semaphore::new(global_cap.max(1))),
            per_org_cap: per_org_cap.max(1),
            orgs: Mutex::new(HashMap::new()),
            wait,
        }
    }

    fn org_semaphore(&self, org_id: i64) -> Arc<Semaphore> {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if orgs.len() > PRUNE_ABOVE {
            // Only the table holds an idle org's semaphore: no permit or waiter refers to it.
            orgs.retain(|_, s| Arc::strong_count(s) > 1);
        }
        orgs.entry(org_id)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_org_cap)))
            .clone()
    }

    /// A slot for one run of `org_id`, waiting briefly for one; `Busy` when none frees up.
    pub async fn acquire(&self, org_id: i64) -> Result<RunPermit, AppError> {
        let org = self.org_semaphore(org_id);
        let org = match tokio::time::timeout(self.wait, org.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(AppError::Busy(
                    "too many script runs in progress for this org; retry shortly".into(),
                ))
            }
        };
        let global =
            match tokio::time::timeout(self.wait, self.global.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => {
                    return Err(AppError::Busy(
                        "too many script runs in progress on this server; retry shortly".into(),
                    ))
                }
            };
        Ok(RunPermit {
            _org: org,
            _global: global,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn caps_per_org_and_globally() {
        let pool = RunPool::new(3, 2, Duration::from_millis(20));
        let a1 = pool.acquire(1).await.unwrap();
        let _a2 = pool.acquire(1).await.unwrap();
        let err = pool.acquire(1).await.unwrap_err();
        assert!(err.to_string().contains("for this org"), "{err}");
        let _b1 = pool.acquire(2).await.unwrap();
        let err = pool.acquire(2).await.unwrap_err();
        assert!(err.to_string().contains("on this server"), "{err}");
        drop(a1);
        let _b2 = pool.acquire(2).await.unwrap();
    }

    #[tokio::test]
    async fn a_waiting_run_gets_a_slot_freed_within_the_wait() {
        let pool = Arc::new(RunPool::new(1, 1, Duration::from_millis(500)));
        let first = pool.acquire(1).await.unwrap();
        let waiter = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.acquire(1).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        waiter.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn idle_orgs_are_pruned() {
        let pool = RunPool::new(8, 1, Duration::from_millis(5));
        for org in 0..(PRUNE_ABOVE as i64 + 10) {
            drop(pool.acquire(org).await.unwrap());
        }
        let held = pool.acquire(-1).await.unwrap();
        assert!(pool.orgs.lock().unwrap().len() < PRUNE_ABOVE);
        drop(held);
    }
}

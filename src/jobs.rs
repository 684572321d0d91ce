//! The loop shared by the background workers (webhook deliveries, invite emails): claim due
//! jobs from the database under a lease, run them concurrently, and stay fair between orgs.
//!
//! Invariants:
//! - At most `Limits::concurrency` jobs run at once on an instance, at most `Limits::per_org`
//!   of them for one org: a claim skips orgs already at their share, and jobs of an org past
//!   its share in one batch are given back at once (`Queue::release`).
//! - The loop is a task of its own, never a request's: it sleeps until a job finishes, the
//!   queue is woken (`Queue::woken`, e.g. a commit that queued work) or `Limits::poll` passes.
//! - A failing claim is logged and retried at the next poll; the loop never ends by itself.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

/// A claimed unit of work.
pub trait Job: Send + 'static {
    /// The org it belongs to (for fairness).
    fn org_id(&self) -> i64;
    /// Its row id (to give it back).
    fn id(&self) -> i64;
}

/// A table of due work.
#[async_trait::async_trait]
pub trait Queue: Send + Sync + 'static {
    type Job: Job;
    /// What the logs call it.
    const NAME: &'static str;
    /// Leases up to `limit` due jobs of orgs not in `busy`.
    async fn claim(&self, limit: usize, busy: &[i64]) -> crate::error::Result<Vec<Self::Job>>;
    /// Ends the lease of claimed jobs that will not run now.
    async fn release(&self, ids: Vec<i64>) -> crate::error::Result<()>;
    /// Runs one job to its recorded end.
    async fn run(&self, job: Self::Job) -> crate::error::Result<()>;
    /// Resolves when new work may be due.
    async fn woken(&self);
}

/// How much a worker may do at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub concurrency: usize,
    pub per_org: usize,
    pub poll: Duration,
    /// A job still running after this is abandoned (its lease then runs out and the job is
    /// claimed again); keep it inside the queue's lease.
    pub run_timeout: Duration,
}

/// Starts `queue`'s loop in a task of its own, restarted (after a second) should it ever panic.
/// Aborting the returned handle stops the loop and its running jobs.
pub fn spawn<Q: Queue>(queue: Arc<Q>, limits: Limits) -> tokio::task::JoinHandle<()> {
    /// Aborts the loop when the supervisor is aborted (dropping a `JoinHandle` does not).
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    tokio::spawn(async move {
        loop {
            let mut inner = AbortOnDrop(tokio::spawn(run(queue.clone(), limits)));
            if let Err(e) = (&mut inner.0).await {
                tracing::error!(error = %e, worker = Q::NAME, "worker loop stopped; restarting");
                metrics::counter!("vouch_worker_restarts_total", "worker" => Q::NAME).increment(1);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// Runs `queue` until the task is aborted.
async fn run<Q: Queue>(queue: Arc<Q>, limits: Limits) {
    let mut running: JoinSet<()> = JoinSet::new();
    let mut slots = Slots::default();
    loop {
        while let Some(done) = running.try_join_next_with_id() {
            slots.finished(done);
        }
        // At most one org's share per claim: a claim that is all one org's gives back at most
        // `per_org - 1` jobs, however many slots are free.
        let free = limits
            .concurrency
            .saturating_sub(running.len())
            .min(limits.per_org);
        let claimed = if free > 0 {
            let busy = slots.busy(limits.per_org);
            queue.claim(free, &busy).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, worker = Q::NAME, "could not claim jobs");
                vec![]
            })
        } else {
            vec![]
        };
        let idle = claimed.is_empty();
        let mut over_share = Vec::new();
        for job in claimed {
            let org = job.org_id();
            if slots.held(org) >= limits.per_org {
                over_share.push(job.id());
                continue;
            }
            let queue = queue.clone();
            let task = running.spawn(async move {
                match tokio::time::timeout(limits.run_timeout, queue.run(job)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, worker = Q::NAME, "a job's outcome was not recorded")
                    }
                    Err(_) => tracing::warn!(worker = Q::NAME, "a job timed out; its lease will lapse"),
                }
            });
            slots.take(task.id(), org);
        }
        if !over_share.is_empty() {
            if let Err(e) = queue.release(over_share).await {
                tracing::warn!(error = %e, worker = Q::NAME, "could not give jobs back");
            }
        }
        // Sleep when there was nothing to claim or no slot is free; otherwise claim again now.
        if idle || running.len() >= limits.concurrency {
            tokio::select! {
                _ = queue.woken() => {}
                _ = tokio::time::sleep(limits.poll) => {}
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    slots.finished(done);
                }
            }
        }
    }
}

/// Which org each running job belongs to, and how many each holds.
#[derive(Default)]
struct Slots {
    tasks: HashMap<tokio::task::Id, i64>,
    per_org: HashMap<i64, usize>,
}

impl Slots {
    fn held(&self, org: i64) -> usize {
        self.per_org.get(&org).copied().unwrap_or(0)
    }

    fn busy(&self, share: usize) -> Vec<i64> {
        self.per_org
            .iter()
            .filter(|(_, n)| **n >= share)
            .map(|(org, _)| *org)
            .collect()
    }

    fn take(&mut self, task: tokio::task::Id, org: i64) {
        self.tasks.insert(task, org);
        *self.per_org.entry(org).or_default() += 1;
    }

    /// Frees the slot of a finished job, whether it returned or panicked.
    fn finished(&mut self, done: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let task = match done {
            Ok((task, ())) => task,
            Err(e) => {
                tracing::error!(error = %e, "a background job panicked");
                e.id()
            }
        };
        if let Some(org) = self.tasks.remove(&task) {
            if let Some(n) = self.per_org.get_mut(&org) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.per_org.remove(&org);
                }
            }
        }
    }
}

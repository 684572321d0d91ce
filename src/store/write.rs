//! Write transactions: one writer at a time on SQLite, and a generation per org that moves after
//! every committed write of that org, so in-memory caches can tell a stale entry from a fresh one.
//!
//! Invariants:
//! - On SQLite every write transaction first takes the in-process writer lock (a fair FIFO
//!   `tokio::sync::Mutex`), then begins `IMMEDIATE`. Writers queue on the lock instead of on
//!   SQLite's `busy_timeout`, whose sleep-and-retry backoff made 16 concurrent writers wait up to
//!   hundreds of milliseconds each. Readers never take it (WAL lets them read during a write).
//!   Other processes writing the same file still meet `busy_timeout`, as before.
//! - `WriteTxn::commit` bumps the generation of every org the transaction named, after the
//!   commit has succeeded; a rolled-back or dropped transaction bumps nothing. A cache reads the
//!   generation *before* it queries the database and keeps it with the entry; an entry whose
//!   generation is not the current one is a miss. A fill racing a commit therefore stores at
//!   worst an entry that is already stale, never a stale entry that looks fresh.
//! - A second, narrower generation per org, the *configuration* generation, moves only when a
//!   committed transaction changed a program, rule, condition, script or script version (the
//!   store functions that write those call `WriteTxn::changes_config`, so no caller can forget).
//!   Caches of configuration (the rules a program fires: `domain::rewards::Plan`) stamp with
//!   it, so an org's everyday writes (referrals, rewards) do not outdate them.
//! - Events recorded in the transaction are inserted just before the commit (500 per statement),
//!   each batch followed by the webhook deliveries it causes (`store::webhooks::fan_out`): a
//!   delivery exists exactly when its event committed.
//! - A commit runs to its end in a task of its own, so a cancelled request cannot leave a landed
//!   commit unannounced to the caches; an unfinished transaction is rolled back before the
//!   writer lock is released.
//! - `sea_orm::DatabaseTransaction::commit` is forbidden elsewhere by `clippy.toml`, so no write
//!   path can forget to tell the caches.
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, ExecResult, QueryResult,
    Statement,
};
use tokio::sync::OwnedMutexGuard;

/// What every clone of a `Db` shares: the SQLite writer lock and the org generations.
#[derive(Debug, Default)]
pub(super) struct Shared {
    /// `Some` on SQLite only.
    pub(super) writer: Option<Arc<tokio::sync::Mutex<()>>>,
    generations: RwLock<HashMap<i64, u64>>,
    /// Configuration generations per org (see the module's invariants).
    config_generations: RwLock<HashMap<i64, u64>>,
    /// The last generation handed out, for any org and either kind; generations only grow.
    clock: AtomicU64,
    /// Told when a commit created webhook deliveries (the worker waits on it between polls).
    pub(super) deliveries: tokio::sync::Notify,
    /// Told when invites were queued (the outbox worker waits on it between polls).
    pub(super) invites: tokio::sync::Notify,
}

impl Shared {
    pub(super) fn new(sqlite: bool) -> Shared {
        Shared {
            writer: sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            ..Default::default()
        }
    }

    /// The org's current generation (0 until its first committed write on this instance).
    pub(super) fn generation(&self, org_id: i64) -> u64 {
        let map = self.generations.read().unwrap_or_else(|e| e.into_inner());
        map.get(&org_id).copied().unwrap_or(0)
    }

    /// The org's current configuration generation (0 until its first configuration change on
    /// this instance).
    pub(super) fn config_generation(&self, org_id: i64) -> u64 {
        let map = self
            .config_generations
            .read()
            .unwrap_or_else(|e| e.into_inner());
        map.get(&org_id).copied().unwrap_or(0)
    }

    fn bump(&self, org_ids: &[i64], config: bool) {
        let mut maps = vec![&self.generations];
        if config {
            maps.push(&self.config_generations);
        }
        for map in maps {
            let mut map = map.write().unwrap_or_else(|e| e.into_inner());
            for &org_id in org_ids {
                let next = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
                map.insert(org_id, next);
            }
        }
    }

    /// Holds the writer lock for a write made outside a transaction (SQLite only).
    pub(super) async fn writer_guard(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }
}

/// Work to do once a transaction's commit has landed (e.g. withdrawing cached API keys).
type AfterCommit = Box<dyn FnOnce() + Send>;

/// Events per insert statement at commit: 7 bound values each keeps a statement far below
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters, however many a bulk call records.
const EVENTS_PER_INSERT: usize = 500;

/// A write transaction. Use it wherever a `DatabaseTransaction` goes; finish it with `commit`.
///
/// `txn` and `writer` are `None` only once `finish` or `Drop` has taken them.
pub struct WriteTxn {
    txn: Option<DatabaseTransaction>,
    shared: Arc<Shared>,
    orgs: Mutex<Vec<i64>>,
    /// Set when the transaction changes configuration (`changes_config`).
    config: AtomicBool,
    /// Events recorded in this transaction, inserted just before the commit.
    events: Mutex<Vec<entities::event::ActiveModel>>,
    after_commit: Mutex<Vec<AfterCommit>>,
    /// The SQLite writer lock; released only after the commit or rollback has run.
    writer: Option<OwnedMutexGuard<()>>,
}

fn take<T>(m: &Mutex<Vec<T>>) -> Vec<T> {
    std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The public ids of the events a webhook may subscribe to (the others need no fan-out
/// statement).
fn subscribable(events: &[entities::event::ActiveModel]) -> Vec<&str> {
    use sea_orm::ActiveValue::Set;
    events
        .iter()
        .filter_map(|e| match (&e.event_type, &e.public_id) {
            (Set(t), Set(id)) if crate::webhooks::EVENTS.contains(&t.as_str()) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

impl WriteTxn {
    pub(super) fn new(
        txn: DatabaseTransaction,
        shared: Arc<Shared>,
        org_id: Option<i64>,
        writer: Option<OwnedMutexGuard<()>>,
    ) -> WriteTxn {
        WriteTxn {
            txn: Some(txn),
            shared,
            orgs: Mutex::new(org_id.into_iter().collect()),
            config: AtomicBool::new(false),
            events: Mutex::new(Vec::new()),
            after_commit: Mutex::new(Vec::new()),
            writer,
        }
    }

    /// Names one more org this transaction changes (admin operations learn it from a row).
    pub fn changes_org(&self, org_id: i64) {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if !orgs.contains(&org_id) {
            orgs.push(org_id);
        }
    }

    /// Says the transaction changes configuration (a program, rule, condition, script or script
    /// version): its commit moves the configuration generation of its orgs too.
    pub(super) fn changes_config(&self) {
        self.config.store(true, Ordering::Relaxed);
    }

    /// Keeps an event row to insert at commit (see `store::events::record`).
    pub(super) fn defer_event(&self, row: entities::event::ActiveModel) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(row);
    }

    /// Runs `f` once the commit has landed, after the generations moved (never on rollback).
    pub fn after_commit(&self, f: impl FnOnce() + Send + 'static) {
        self.after_commit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
    }

    /// Writes the deferred events, commits, moves the generation of every org it changed and
    /// runs the after-commit work.
    ///
    /// All of it runs in a task of its own: when the caller's future is dropped mid-commit (a
    /// client hung up), the commit may still land, and the caches must still hear of it.
    pub async fn commit(self) -> crate::error::Result<()> {
        match tokio::spawn(self.finish()).await {
            Ok(result) => result,
            Err(join) => Err(crate::error::AppError::Internal(format!(
                "commit task failed: {join}"
            ))),
        }
    }

    async fn finish(mut self) -> crate::error::Result<()> {
        let txn = self.txn.take().expect("a WriteTxn is finished once");
        let events = take(&self.events);
        let mut deliveries = 0;
        for chunk in events.chunks(EVENTS_PER_INSERT) {
            entities::event::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
            deliveries += super::webhooks::fan_out(&txn, &subscribable(chunk)).await?;
        }
        #[allow(clippy::disallowed_methods)] // the one place: the generations move right after
        txn.commit().await?;
        self.shared
            .bump(&take(&self.orgs), self.config.load(Ordering::Relaxed));
        if deliveries > 0 {
            self.shared.deliveries.notify_one();
        }
        for f in take(&self.after_commit) {
            f();
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping the transaction does the same).
    pub async fn rollback(mut self) -> crate::error::Result<()> {
        let txn = self.txn.take().expect("a WriteTxn is finished once");
        txn.rollback().await?;
        Ok(())
    }
}

impl Drop for WriteTxn {
    /// A transaction dropped unfinished (an error return) is rolled back before the writer lock
    /// is released: sea-orm's own drop only queues the rollback, and the next writer would meet
    /// SQLite's busy timeout on the still-locked file.
    fn drop(&mut self) {
        let (Some(txn), writer) = (self.txn.take(), self.writer.take()) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let _ = txn.rollback().await;
                    drop(writer);
                });
            }
            Err(_) => drop((txn, writer)),
        }
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        self.txn
            .as_ref()
            .expect("a WriteTxn is used only until finished")
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.deref().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.deref().execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.deref().execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.deref().query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.deref().query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.deref().support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    use crate::store::test_sqlite as sqlite;

    /// A migrated database with one org ("Acme", which recorded OrgAdd and ApiKeyAdd), and a
    /// context in that org.
    async fn sqlite_with_org() -> (tempfile::TempDir, Db, crate::domain::Ctx) {
        let (dir, db) = sqlite().await;
        db.migrate().await.unwrap();
        let admin = crate::domain::orgs::AdminCtx {
            actor: "test".into(),
        };
        crate::domain::orgs::create(&admin, &db, "Acme")
            .await
            .unwrap();
        let org = crate::store::orgs::list(db.raw(), 0, 1)
            .await
            .unwrap()
            .items[0]
            .clone();
        let ctx = crate::domain::Ctx::page_reader(org.id, org.public_id, "test".into());
        (dir, db, ctx)
    }

    #[tokio::test]
    async fn a_commit_moves_the_generation_of_the_orgs_it_named_and_a_rollback_none() {
        let (_dir, db) = sqlite().await;
        let txn = db.write_admin().await.unwrap();
        txn.changes_org(5);
        txn.execute_unprepared("SELECT 1").await.unwrap();
        assert_eq!(db.generation(5), 0, "nothing moves before the commit");
        txn.commit().await.unwrap();
        assert!(db.generation(5) > 0);

        let txn = db.write_admin().await.unwrap();
        txn.changes_org(6);
        txn.rollback().await.unwrap();
        let dropped = db.write_admin().await.unwrap();
        dropped.changes_org(6);
        drop(dropped);
        assert_eq!(
            db.generation(6),
            0,
            "rolled back and dropped writes move nothing"
        );
    }

    #[tokio::test]
    async fn recorded_events_land_in_order_with_the_commit_and_not_without_it() {
        use sea_orm::{EntityTrait, QueryOrder};
        let (_dir, db, ctx) = sqlite_with_org().await;
        let types = || async {
            entities::event::Entity::find()
                .order_by_asc(entities::event::Column::Id)
                .all(db.raw())
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.event_type)
                .collect::<Vec<_>>()
        };
        assert_eq!(types().await, ["OrgAdd", "ApiKeyAdd"]);

        let txn = db.write(&ctx).await.unwrap();
        crate::store::events::record(&ctx, &txn, "Dropped", "x", serde_json::json!({}))
            .await
            .unwrap();
        drop(txn);
        assert_eq!(
            types().await,
            ["OrgAdd", "ApiKeyAdd"],
            "a dropped write records nothing"
        );
    }

    #[tokio::test]
    async fn a_commit_abandoned_by_its_caller_still_lands_and_moves_the_generation() {
        let (_dir, db) = sqlite().await;
        db.migrate().await.unwrap();
        let txn = db.write_admin().await.unwrap();
        txn.changes_org(9);
        let ran = Arc::new(AtomicU64::new(0));
        let seen = ran.clone();
        txn.after_commit(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        // Polled once, then dropped: what a request future sees when its client hangs up.
        let commit = txn.commit();
        tokio::pin!(commit);
        tokio::select! {
            biased;
            done = &mut commit => panic!("the commit finished at its first poll: {done:?}"),
            _ = async {} => {}
        }
        for _ in 0..100 {
            if db.generation(9) > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            db.generation(9) > 0,
            "the landed commit moved the generation"
        );
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "the after-commit work ran once"
        );
    }

    #[tokio::test]
    async fn a_transaction_recording_thousands_of_events_commits_them_all() {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let (_dir, db, ctx) = sqlite_with_org().await;
        let txn = db.write(&ctx).await.unwrap();
        // 7 values an event: 5,000 in one statement would pass SQLite's 32,766 parameters.
        for i in 0..5_000 {
            crate::store::events::record(&ctx, &txn, "Bulk", &i.to_string(), serde_json::json!({}))
                .await
                .unwrap();
        }
        txn.commit().await.unwrap();
        let n = entities::event::Entity::find()
            .count(db.raw())
            .await
            .unwrap();
        assert_eq!(n, 5_002, "OrgAdd, ApiKeyAdd and the 5,000");
    }

    #[tokio::test]
    async fn on_sqlite_a_second_writer_waits_for_the_first_to_finish() {
        let (_dir, db) = sqlite().await;
        let first = db.write_admin().await.unwrap();
        let second = {
            let db = db.clone();
            tokio::spawn(async move { db.write_admin().await.map(|_| ()) })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !second.is_finished(),
            "the second writer must queue behind the first"
        );
        first.rollback().await.unwrap();
        second.await.unwrap().unwrap();
    }

    #[test]
    fn generations_start_at_zero_and_only_grow_per_org() {
        let shared = Shared::new(true);
        assert_eq!(shared.generation(7), 0);
        shared.bump(&[7], false);
        let first = shared.generation(7);
        assert!(first > 0);
        assert_eq!(shared.generation(8), 0, "another org is untouched");
        shared.bump(&[8, 7], false);
        assert!(shared.generation(7) > first);
        assert!(shared.generation(8) > 0);
    }

    #[test]
    fn only_a_configuration_change_moves_the_configuration_generation() {
        let shared = Shared::new(true);
        shared.bump(&[7], false);
        assert_eq!(shared.config_generation(7), 0, "an everyday write");
        shared.bump(&[7], true);
        let (general, config) = (shared.generation(7), shared.config_generation(7));
        assert!(config > 0 && general > 0);
        shared.bump(&[7], false);
        assert_eq!(shared.config_generation(7), config);
        assert!(
            shared.generation(7) > general,
            "the general generation moves with every write"
        );
        assert_eq!(shared.config_generation(8), 0, "another org is untouched");
    }
}

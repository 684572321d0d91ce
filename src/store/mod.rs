//! Persistence: the only code that touches `entities`. Every tenant query takes the request
//! context and adds `org_id` itself, so no caller can forget it.
//!
//! The shared org-scoped finders, paging, updates and deletes live in `scope`: every
//! org-owned entity names its `org_id` and `public_id` columns there once, and each tenant query
//! starts from `scope::scoped(ctx)`, which adds `org_id = ctx.org_id` before anything else.
//!
//! Write transactions (`Db::write`, see `write`) on SQLite take an in-process writer lock and
//! begin `IMMEDIATE`, so writers queue in order instead of deadlocking on the read-to-write
//! upgrade or spinning on `busy_timeout`; every committed write moves its org's generation,
//! which the in-memory caches check.

pub mod access_tokens;
pub mod api_keys;
pub mod employees;
pub mod events;
pub mod invites;
pub mod leases;
pub mod members;
pub mod orgs;
pub mod programs;
pub mod referral_codes;
// rewards engine
pub mod referral_actions;
pub mod rewards;
// end rewards engine
pub mod referrals;
pub mod referrer;
pub mod rules;
pub mod scope;
pub mod scripts;
pub mod unsubscribes;
pub mod webhooks;
// payouts: payout methods and transactions, rewards as 003 shows them, idempotency keys.
pub mod idempotency;
pub mod payouts;
pub mod reward_records;

// write transactions, and the SQLite checkpoints that keep them short.
mod checkpoint;
mod write;

pub use write::WriteTxn;

use std::sync::Arc;
use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::cache::{CacheConfig, Caches};
use crate::error::Result;

#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// Where write transactions run. On a SQLite file: a pool of its own with one connection,
    /// the only one that writes (bar the odd `writer_turn` stamp). In WAL mode a connection
    /// throws its whole page cache away when it sees another connection's commit; writes spread
    /// over the read pool's connections therefore each began by reading back the pages the
    /// previous write had just written. One writer keeps its cache across its own commits.
    /// Elsewhere (PostgreSQL, an in-memory SQLite database) the same pool as `conn`.
    writer: DatabaseConnection,
    shared: Arc<write::Shared>,
    /// This app's in-memory caches: kept beside the connection so that the domain code that
    /// reads or changes what they hold reaches them.
    caches: Arc<Caches>,
}

/// Options for opening the database.
#[derive(Clone, Debug, Default)]
pub struct DbOptions {
    pub max_connections: Option<u32>,
    /// PostgreSQL only: the schema to use (tests run each case in a schema of its own).
    pub pg_schema: Option<String>,
}

impl Db {
    pub async fn connect(url: &str, options: DbOptions) -> Result<Db> {
        let opts = Self::options(url, &options, options.max_connections.unwrap_or(10), false);
        let conn = Database::connect(opts).await?;
        let sqlite = conn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let shared = Arc::new(write::Shared::new(sqlite));
        let writer = if sqlite && !in_memory {
            let writer = Database::connect(Self::options(url, &options, 1, true)).await?;
            checkpoint::spawn(&shared, conn.clone());
            writer
        } else {
            conn.clone()
        };
        Ok(Db {
            conn,
            writer,
            shared,
            caches: Arc::new(Caches::new(&CacheConfig::default())),
        })
    }

    /// `writer`: the SQLite writer's pool, which leaves checkpoints to `checkpoint`.
    fn options(
        url: &str,
        options: &DbOptions,
        max_connections: u32,
        writer: bool,
    ) -> ConnectOptions {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            // sqlx pings every connection it hands out by default: a round trip (on SQLite two
            // thread wake-ups) before every query and every transaction. Only a connection idle
            // long enough for a server, proxy or firewall to have dropped it is worth the
            // check; a dead busy one fails its query and leaves the pool.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| {
                let o = o
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                if writer {
                    // The writer's page cache: 64 MiB at most (default 2 MiB), so a bulk write
                    // (an upload of 100,000 employees) keeps the indexes it touches in memory
                    // instead of re-reading their pages from the OS cache.
                    checkpoint::writer_options(o.pragma("cache_size", "-65536"))
                } else {
                    o
                }
            })
            .map_sqlx_sqlite_pool_opts(|o| {
                o.after_connect(|conn, _| Box::pin(sqlite_connection_setup(conn)))
            });
        if let Some(schema) = &options.pg_schema {
            opts.set_schema_search_path(schema.clone());
        }
        opts
    }

    /// This handle with fresh caches configured by `config` (the app does this once at start;
    /// clones made before keep the old caches, and all share the writer lock and generations).
    pub fn with_caches(self, config: &CacheConfig) -> Db {
        Db {
            caches: Arc::new(Caches::new(config)),
            ..self
        }
    }

    pub(crate) fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The caches, to keep beyond this call (e.g. in `WriteTxn::after_commit` work).
    pub(crate) fn caches_handle(&self) -> Arc<Caches> {
        self.caches.clone()
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        migration::Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// Is the database reachable? (`/readyz`)
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The raw connection, for the CLI and tests that set up rows no API writes yet.
    pub fn raw(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The pool's open and idle connections, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        match self.conn.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DatabaseBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    /// Begins a write transaction that changes `ctx`'s org (its commit moves that org's
    /// generation).
    pub(crate) async fn write(&self, ctx: &crate::domain::Ctx) -> Result<WriteTxn> {
        self.begin_write(Some(ctx.org_id)).await
    }

    /// Begins a write transaction for a platform-admin operation; it names the orgs it changes
    /// with `WriteTxn::changes_org`.
    pub(crate) async fn write_admin(&self) -> Result<WriteTxn> {
        self.begin_write(None).await
    }

    async fn begin_write(&self, org_id: Option<i64>) -> Result<WriteTxn> {
        let writer = self.shared.writer_guard().await;
        let opts = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.writer.begin_with_options(opts).await?;
        Ok(WriteTxn::new(txn, self.shared.clone(), org_id, writer))
    }

    /// Takes this instance's writer lock (SQLite only) for one write statement made outside a
    /// transaction (counters, last-used stamps), so it waits its turn with the transactions;
    /// hold the guard until the statement has run. Such writes move no generation: use them
    /// only for columns no cache holds.
    pub(crate) async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        self.shared.writer_guard().await
    }

    /// Resolves when a commit has created webhook deliveries since the last call (a permit is
    /// kept when nobody waits, so a commit between two waits is not missed).
    pub(crate) async fn deliveries_created(&self) {
        self.shared.deliveries.notified().await
    }

    /// Resolves when invites were queued since the last call (a permit is kept, as above).
    pub(crate) async fn invites_queued(&self) {
        self.shared.invites.notified().await
    }

    /// Wakes the invite outbox worker (a feed queued invites).
    pub(crate) fn wake_invite_worker(&self) {
        self.shared.invites.notify_one()
    }

    /// Wakes the delivery worker (a delivery was made due outside a commit's fan-out).
    pub(crate) fn wake_delivery_worker(&self) {
        self.shared.deliveries.notify_one()
    }

    /// The org's cache generation: it moves after every committed write of the org on this
    /// instance. Read it before querying what you cache; see `write` for the protocol.
    pub fn generation(&self, org_id: i64) -> u64 {
        self.shared.generation(org_id)
    }

    /// The org's configuration generation: it moves only after a committed change to a
    /// program, rule, condition or script of the org on this instance (see `write`).
    pub fn config_generation(&self, org_id: i64) -> u64 {
        self.shared.config_generation(org_id)
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
        let _ = self.writer.close().await;
    }

    /// Runs a raw statement (tests use it to create PostgreSQL schemas).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<()> {
        self.conn.execute_unprepared(sql).await?;
        Ok(())
    }
}

/// Turns on SQLite's query planner stability guarantee (QPSG) on a new connection.
///
/// Why: without it, SQLite (3.47+) lets a bound `LIMIT ?`/`OFFSET ?` value steer the plan and
/// marks the statement to be re-prepared whenever that parameter is bound again, so every page
/// query was parsed and planned anew on every execution (`sqlite3Reprepare` was 15% of a
/// 20-row list's CPU under load, see README "Performance"). Plans then depend on the schema
/// only, which is what a cached prepared statement is for.
async fn sqlite_connection_setup(
    conn: &mut sea_orm::sqlx::SqliteConnection,
) -> std::result::Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked away from its worker thread for the
    // duration of the call; QPSG takes an int (1 = on) and an optional int* for the old value.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        tracing::warn!(
            rc,
            "could not enable SQLite's query planner stability guarantee"
        );
    }
    Ok(())
}

/// The unique index a failed insert or update ran into, if that is what happened.
pub(crate) fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(msg)) => Some(msg),
        _ => None,
    }
}

pub(crate) fn is_fk_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// One page of rows plus the total matching count.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// The placeholder of the `index`-th (from 0) bound value of a raw statement.
pub(crate) fn placeholder(backend: sea_orm::DbBackend, index: usize) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => format!("${}", index + 1),
        _ => "?".to_string(),
    }
}

/// A fresh SQLite database in a temporary directory (kept alive by the returned guard), for
/// unit tests that need a real `Db`.
#[cfg(test)]
pub(crate) async fn test_sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    (dir, db)
}

/// `INSERT … ON CONFLICT … DO NOTHING … RETURNING` in one statement: the inserted row, or `None`
/// when the unique index named by `conflict` refused it.
pub(crate) async fn insert_unless_conflict<A, C>(
    db: &C,
    row: A,
    conflict: sea_orm::sea_query::OnConflict,
) -> Result<Option<<A::Entity as sea_orm::EntityTrait>::Model>>
where
    A: sea_orm::ActiveModelTrait + Send,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: sea_orm::ConnectionTrait,
{
    Ok(insert_many_unless_conflict(db, [row], conflict)
        .await?
        .into_iter()
        .next())
}

/// Several rows of `E` in one `INSERT … RETURNING id, public_id`, answering the new id of each
/// row by its public id (which the caller generated): decoding every column of the rows a bulk
/// write just sent costs more than the insert. With `conflict` (`DO NOTHING`), rows a unique
/// index refused are simply absent from the answer.
pub(crate) async fn insert_returning_ids<E, A, C>(
    db: &C,
    rows: impl IntoIterator<Item = A>,
    conflict: Option<sea_orm::sea_query::OnConflict>,
) -> std::result::Result<std::collections::HashMap<String, i64>, sea_orm::DbErr>
where
    E: scope::HasPublicId,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::sea_query::{IntoColumnRef, ReturningClause};
    use sea_orm::QueryTrait;
    let mut insert = E::insert_many(rows).into_query();
    if let Some(conflict) = conflict {
        insert.on_conflict(conflict);
    }
    insert.returning(ReturningClause::Columns(vec![
        E::ID.into_column_ref(),
        E::PUBLIC_ID.into_column_ref(),
    ]));
    db.query_all(&insert)
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<i64>(0)?,
            ))
        })
        .collect()
}

/// Several rows in one `INSERT … ON CONFLICT … DO NOTHING … RETURNING`: the rows inserted, in
/// no particular order; those the unique index named by `conflict` refused are left out. (The
/// many-rows form answers an empty list for a skipped insert, where `exec_with_returning`
/// would report "record not found".)
pub(crate) async fn insert_many_unless_conflict<A, C>(
    db: &C,
    rows: impl IntoIterator<Item = A>,
    conflict: sea_orm::sea_query::OnConflict,
) -> Result<Vec<<A::Entity as sea_orm::EntityTrait>::Model>>
where
    A: sea_orm::ActiveModelTrait + Send,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{EntityTrait, TryInsertResult};
    let inserted = A::Entity::insert_many(rows)
        .on_conflict(conflict)
        .try_insert()
        .exec_with_returning_many(db)
        .await?;
    Ok(match inserted {
        TryInsertResult::Inserted(rows) => rows,
        TryInsertResult::Conflicted | TryInsertResult::Empty => vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_sqlite_connection_has_the_query_planner_stability_guarantee_on() {
        let (_dir, db) = test_sqlite().await;
        let mut conn = db
            .conn
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .unwrap();
        let mut handle = conn.lock_handle().await.unwrap();
        let mut on: std::ffi::c_int = -1;
        // SAFETY: an open, locked handle; -1 reads the setting without changing it.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1,
                &mut on as *mut std::ffi::c_int,
            )
        };
        assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
        assert_eq!(on, 1);
    }
}

//! WAL checkpoints off the SQLite writer's path.
//!
//! By default the connection whose commit takes the WAL past 1,000 pages copies them back into
//! the database file (and syncs it) inside that commit, while it holds the writer lock: every
//! writer waits for it. The writer connection turns that off (`wal_autocheckpoint = 0`) and
//! this task runs a PASSIVE checkpoint from a read connection every `EVERY` instead. PASSIVE
//! never waits for, or blocks, readers or the writer; it copies what no reader still needs.
//!
//! The WAL file starts over only at a write that finds all of it copied, which under steady
//! writes a checkpoint racing them never achieves (measured: 900 MB of WAL in 5 s of
//! referrals). So once the WAL passes `RESTART_FRAMES`, the next checkpoint runs holding the
//! writer lock: with the bulk already copied by the passive rounds, it copies the last few
//! pages while writers wait, and the next write starts the file over. Durability is unchanged:
//! a commit is in the WAL before it is answered either way.
//!
//! The task ends when the last `Db` handle sharing `shared` is gone, or the pool is closed.
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::write::Shared;

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(250);

/// WAL frames (pages) past which a checkpoint runs in the writer's turn (SQLite's own
/// automatic checkpoint runs at 1,000).
const RESTART_FRAMES: i64 = 4_000;

/// The writer connection's options: no checkpoint inside its commits.
pub(super) fn writer_options(o: SqliteConnectOptions) -> SqliteConnectOptions {
    o.pragma("wal_autocheckpoint", "0")
}

/// Starts the checkpoint task for the database `shared` belongs to, on `readers`.
pub(super) fn spawn(shared: &Arc<Shared>, readers: DatabaseConnection) {
    let alive: Weak<Shared> = Arc::downgrade(shared);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(shared) = alive.upgrade() else {
                return;
            };
            let frames = match checkpoint(&readers).await {
                Ok(frames) => frames,
                Err(err) => {
                    if readers.ping().await.is_err() {
                        return; // closed
                    }
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                    continue;
                }
            };
            if frames > RESTART_FRAMES {
                let _turn = shared.writer_guard().await;
                if let Err(err) = checkpoint(&readers).await {
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                }
            }
        }
    });
}

/// Runs a PASSIVE checkpoint; answers the WAL's size in frames when it began.
async fn checkpoint(readers: &DatabaseConnection) -> Result<i64, sea_orm::DbErr> {
    let row = readers
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(PASSIVE)",
        ))
        .await?;
    // (busy, frames in the WAL, frames copied); -1 when the database is not in WAL mode.
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(1)?,
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use crate::store::test_sqlite;

    #[tokio::test]
    async fn under_steady_writes_the_wal_still_starts_over() {
        let (_dir, db) = test_sqlite().await;
        let txn = db.write_admin().await.unwrap();
        txn.execute_unprepared("CREATE TABLE filler (x BLOB)")
            .await
            .unwrap();
        txn.commit().await.unwrap();
        // At least three pages a commit (a new leaf, its parent, the header), one commit after
        // another with no pause in which a passive checkpoint could catch up on its own.
        const COMMITS: i64 = 6_000;
        for _ in 0..COMMITS {
            let txn = db.write_admin().await.unwrap();
            txn.execute_unprepared("INSERT INTO filler VALUES (randomblob(3000))")
                .await
                .unwrap();
            txn.commit().await.unwrap();
        }
        let frames = super::checkpoint(db.raw()).await.unwrap();
        assert!(
            frames < COMMITS * 3 / 2,
            "the WAL started over while the writes went on; it holds {frames} frames"
        );
    }
}

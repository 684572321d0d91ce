//! Each member's count of live (not removed) referrals, kept in a narrow table of its own,
//! `member_referral_count (member_id, live)`, by triggers: no write path can forget it, and a
//! count costs one row, not one index entry per referral the member ever brought.
//!
//! Why: the rules engine reads the referrer's live count inside every referral's write
//! transaction. Counted from `referral` it cost one index entry (and, on PostgreSQL, one heap
//! visit) per referral of the member, and on PostgreSQL a generic plan cached while the table
//! was small counted through the org's whole index instead (auto_explain: 1,263 buffers for 13
//! rows, 2 ms of a referral's 3 ms of statement time). Why a table of its own and not a column
//! of `member`: every referral rewrites the row that holds the count, and on PostgreSQL each
//! rewrite is a new row version; a member row is ~750 bytes, so one busy member's versions
//! filled its page, updates stopped being HOT and every member index grew a dead entry per
//! referral (measured: the code lookup's join read 35 buffers; one hot member fell to 92
//! referrals/s). A count row is a few dozen bytes.
//!
//! The triggers, identical in effect on both databases:
//! - a member inserted gets its count row (0);
//! - a referral inserted live adds one to its member's row;
//! - a referral deleted while live takes one away;
//! - an update that removes or restores a referral, or moves it to another member, takes one
//!   from the old member if it was live and adds one to the new member if it is live. Updates
//!   that change neither column (status changes, notes) do not touch a count row.
//!
//! Locking (PostgreSQL): the count row is the member's lock for everything rules decide (counts
//! and caps). A referral's insert takes it through the trigger's `UPDATE`, held to the commit;
//! other rule paths take it with `SELECT … FOR NO KEY UPDATE` (`store::referrer`). Nothing
//! references the count table, so no foreign key lock meets it.
//! Existing members are counted once, when the table is created.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::helpers::run_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &[&str] = &[
    "CREATE TABLE member_referral_count (\
     member_id BIGINT NOT NULL PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE, \
     live BIGINT NOT NULL DEFAULT 0)",
    "INSERT INTO member_referral_count (member_id, live) \
     SELECT member.id, (SELECT COUNT(*) FROM referral \
     WHERE referral.member_id = member.id AND referral.removed_at IS NULL) FROM member",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER tr_member_referral_count AFTER INSERT ON member BEGIN \
     INSERT INTO member_referral_count (member_id, live) VALUES (NEW.id, 0); END",
    "CREATE TRIGGER tr_referral_live_insert AFTER INSERT ON referral \
     WHEN NEW.removed_at IS NULL BEGIN \
     UPDATE member_referral_count SET live = live + 1 WHERE member_id = NEW.member_id; END",
    "CREATE TRIGGER tr_referral_live_delete AFTER DELETE ON referral \
     WHEN OLD.removed_at IS NULL BEGIN \
     UPDATE member_referral_count SET live = live - 1 WHERE member_id = OLD.member_id; END",
    "CREATE TRIGGER tr_referral_live_update AFTER UPDATE OF removed_at, member_id ON referral \
     WHEN (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL) OR OLD.member_id <> NEW.member_id \
     BEGIN \
     UPDATE member_referral_count SET live = live - 1 \
     WHERE member_id = OLD.member_id AND OLD.removed_at IS NULL; \
     UPDATE member_referral_count SET live = live + 1 \
     WHERE member_id = NEW.member_id AND NEW.removed_at IS NULL; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER tr_referral_live_update",
    "DROP TRIGGER tr_referral_live_delete",
    "DROP TRIGGER tr_referral_live_insert",
    "DROP TRIGGER tr_member_referral_count",
    "DROP TABLE member_referral_count",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION member_referral_count_row() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       INSERT INTO member_referral_count (member_id, live) VALUES (NEW.id, 0); \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER tr_member_referral_count AFTER INSERT ON member \
     FOR EACH ROW EXECUTE FUNCTION member_referral_count_row()",
    "CREATE FUNCTION referral_live_count() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN \
         UPDATE member_referral_count SET live = live - 1 WHERE member_id = OLD.member_id; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN \
         UPDATE member_referral_count SET live = live + 1 WHERE member_id = NEW.member_id; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER tr_referral_live AFTER INSERT OR DELETE ON referral \
     FOR EACH ROW EXECUTE FUNCTION referral_live_count()",
    "CREATE TRIGGER tr_referral_live_update AFTER UPDATE OF removed_at, member_id ON referral \
     FOR EACH ROW WHEN ((OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL) \
     OR OLD.member_id <> NEW.member_id) EXECUTE FUNCTION referral_live_count()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER tr_referral_live_update ON referral",
    "DROP TRIGGER tr_referral_live ON referral",
    "DROP FUNCTION referral_live_count()",
    "DROP TRIGGER tr_member_referral_count ON member",
    "DROP FUNCTION member_referral_count_row()",
    "DROP TABLE member_referral_count",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the table, its first counts and the triggers land
    /// together. On SQLite one writer at a time keeps every other write out of it; on
    /// PostgreSQL the table lock taken first in `up` does.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if postgres {
            // Other instances may still be writing: without the lock a member or referral
            // committed between the backfill's snapshot and the triggers' creation would be
            // missed (a count one short forever, or a member with no count row). SHARE ROW
            // EXCLUSIVE lets them read, and their writes wait until the migration commits.
            run_sql(
                manager,
                &["LOCK TABLE member, referral IN SHARE ROW EXCLUSIVE MODE"],
            )
            .await?;
        }
        run_sql(manager, CREATE).await?;
        run_sql(manager, if postgres { POSTGRES_UP } else { SQLITE_UP }).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_sql(manager, POSTGRES_DOWN).await,
            _ => run_sql(manager, SQLITE_DOWN).await,
        }
    }
}

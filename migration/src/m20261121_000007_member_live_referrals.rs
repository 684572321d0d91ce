//! Each member keeps the count of their live (not removed) referrals in `member.live_referrals`,
//! maintained by triggers on `referral`, so no write path can forget it and a count costs one
//! row, not one index entry per referral the member ever brought.
//!
//! Why: the rules engine reads the referrer's live count inside every referral's write
//! transaction. Counted from `referral` it cost one index entry (and, on PostgreSQL, one heap
//! visit) per referral of the member, and on PostgreSQL a generic plan cached while the table
//! was small counted through the org's whole index instead (auto_explain: 1,263 buffers for 13
//! rows, 2 ms of a referral's 3 ms of statement time). A column read has one plan.
//!
//! The triggers, identical in effect on both databases:
//! - a referral inserted live adds one to its member;
//! - a referral deleted while live takes one away;
//! - an update that removes or restores a referral, or moves it to another member, takes one
//!   from the old member if it was live and adds one to the new member if it is live. Updates
//!   that change neither column (status changes, notes) do not touch the member row.
//!
//! On PostgreSQL the trigger's `UPDATE member` takes the member row's `FOR NO KEY UPDATE` lock,
//! the lock `store::referrer` takes before counting; the referral's foreign key takes `KEY
//! SHARE`, which does not conflict with it, so inserting referrals cannot deadlock on it.
//! Existing rows are counted once, when the column is added.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ADD: &[&str] = &[
    "ALTER TABLE member ADD COLUMN live_referrals BIGINT NOT NULL DEFAULT 0",
    "UPDATE member SET live_referrals = (SELECT COUNT(*) FROM referral \
     WHERE referral.member_id = member.id AND referral.removed_at IS NULL)",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER tr_referral_live_insert AFTER INSERT ON referral \
     WHEN NEW.removed_at IS NULL BEGIN \
     UPDATE member SET live_referrals = live_referrals + 1 WHERE id = NEW.member_id; END",
    "CREATE TRIGGER tr_referral_live_delete AFTER DELETE ON referral \
     WHEN OLD.removed_at IS NULL BEGIN \
     UPDATE member SET live_referrals = live_referrals - 1 WHERE id = OLD.member_id; END",
    "CREATE TRIGGER tr_referral_live_update AFTER UPDATE OF removed_at, member_id ON referral \
     WHEN (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL) OR OLD.member_id <> NEW.member_id \
     BEGIN \
     UPDATE member SET live_referrals = live_referrals - 1 \
     WHERE id = OLD.member_id AND OLD.removed_at IS NULL; \
     UPDATE member SET live_referrals = live_referrals + 1 \
     WHERE id = NEW.member_id AND NEW.removed_at IS NULL; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER tr_referral_live_update",
    "DROP TRIGGER tr_referral_live_delete",
    "DROP TRIGGER tr_referral_live_insert",
    "ALTER TABLE member DROP COLUMN live_referrals",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION referral_live_count() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN \
         UPDATE member SET live_referrals = live_referrals - 1 WHERE id = OLD.member_id; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN \
         UPDATE member SET live_referrals = live_referrals + 1 WHERE id = NEW.member_id; \
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
    "ALTER TABLE member DROP COLUMN live_referrals",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for sql in statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the column, its first count and the triggers land
    /// together, so no referral written in between is missed by the count.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, ADD).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}

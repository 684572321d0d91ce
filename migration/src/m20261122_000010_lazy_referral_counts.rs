//! A member's count row (`member_referral_count`, migration 7) is created by their first live
//! referral, not by the member's insert: the trigger on `member` goes, and the referral
//! triggers add one with an upsert. A member without a row has no live referral; readers take
//! a missing row as 0 (`store::referrer`).
//!
//! Why: the per-row trigger on `member` was most of what inserting a member cost. Measured on
//! SQLite with 100,000 employees of one upload: 3.5 s with the trigger, 1.4 s without
//! (`executemany` of the same rows; the trigger's program runs once per row). Most members
//! never bring a referral, so most count rows were never read.
//!
//! Locking (PostgreSQL) is unchanged in effect: a referral's insert takes the row through the
//! upsert (an insert of a new row is as exclusive as the update of an old one; a concurrent
//! insert of the same member's row waits on the unique key, then updates). Paths that lock
//! without inserting a referral create the row first when it is missing (`store::referrer`).
//!
//! Rows created by migration 7 for members without referrals stay (a 0 is a 0).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::helpers::run_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER tr_member_referral_count",
    "DROP TRIGGER tr_referral_live_insert",
    "DROP TRIGGER tr_referral_live_update",
    "CREATE TRIGGER tr_referral_live_insert AFTER INSERT ON referral \
     WHEN NEW.removed_at IS NULL BEGIN \
     INSERT INTO member_referral_count (member_id, live) VALUES (NEW.member_id, 1) \
     ON CONFLICT (member_id) DO UPDATE SET live = live + 1; END",
    "CREATE TRIGGER tr_referral_live_update AFTER UPDATE OF removed_at, member_id ON referral \
     WHEN (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL) OR OLD.member_id <> NEW.member_id \
     BEGIN \
     UPDATE member_referral_count SET live = live - 1 \
     WHERE member_id = OLD.member_id AND OLD.removed_at IS NULL; \
     INSERT INTO member_referral_count (member_id, live) \
     SELECT NEW.member_id, 1 WHERE NEW.removed_at IS NULL \
     ON CONFLICT (member_id) DO UPDATE SET live = live + 1; END",
];

/// Members without a row get their 0 back before the member trigger returns.
const BACKFILL: &str = "INSERT INTO member_referral_count (member_id, live) \
     SELECT id, 0 FROM member WHERE NOT EXISTS \
     (SELECT 1 FROM member_referral_count c WHERE c.member_id = member.id)";

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER tr_referral_live_update",
    "DROP TRIGGER tr_referral_live_insert",
    BACKFILL,
    "CREATE TRIGGER tr_member_referral_count AFTER INSERT ON member BEGIN \
     INSERT INTO member_referral_count (member_id, live) VALUES (NEW.id, 0); END",
    "CREATE TRIGGER tr_referral_live_insert AFTER INSERT ON referral \
     WHEN NEW.removed_at IS NULL BEGIN \
     UPDATE member_referral_count SET live = live + 1 WHERE member_id = NEW.member_id; END",
    "CREATE TRIGGER tr_referral_live_update AFTER UPDATE OF removed_at, member_id ON referral \
     WHEN (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL) OR OLD.member_id <> NEW.member_id \
     BEGIN \
     UPDATE member_referral_count SET live = live - 1 \
     WHERE member_id = OLD.member_id AND OLD.removed_at IS NULL; \
     UPDATE member_referral_count SET live = live + 1 \
     WHERE member_id = NEW.member_id AND NEW.removed_at IS NULL; END",
];

const POSTGRES_UP: &[&str] = &[
    "DROP TRIGGER tr_member_referral_count ON member",
    "DROP FUNCTION member_referral_count_row()",
    "CREATE OR REPLACE FUNCTION referral_live_count() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN \
         UPDATE member_referral_count SET live = live - 1 WHERE member_id = OLD.member_id; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN \
         INSERT INTO member_referral_count (member_id, live) VALUES (NEW.member_id, 1) \
         ON CONFLICT (member_id) DO UPDATE SET live = member_referral_count.live + 1; \
       END IF; \
       RETURN NULL; \
     END $$",
];

const POSTGRES_DOWN: &[&str] = &[
    "CREATE OR REPLACE FUNCTION referral_live_count() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN \
         UPDATE member_referral_count SET live = live - 1 WHERE member_id = OLD.member_id; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN \
         UPDATE member_referral_count SET live = live + 1 WHERE member_id = NEW.member_id; \
       END IF; \
       RETURN NULL; \
     END $$",
    BACKFILL,
    "CREATE FUNCTION member_referral_count_row() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       INSERT INTO member_referral_count (member_id, live) VALUES (NEW.id, 0); \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER tr_member_referral_count AFTER INSERT ON member \
     FOR EACH ROW EXECUTE FUNCTION member_referral_count_row()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the triggers change together.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_sql(manager, POSTGRES_UP).await,
            _ => run_sql(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if postgres {
            // As in migration 7: a member inserted between the backfill and the trigger's
            // return would be left without a row.
            run_sql(manager, &["LOCK TABLE member IN SHARE ROW EXCLUSIVE MODE"]).await?;
            run_sql(manager, POSTGRES_DOWN).await
        } else {
            run_sql(manager, SQLITE_DOWN).await
        }
    }
}

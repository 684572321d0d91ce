//! Fewer index pages written per referral. A SQLite commit writes every page the transaction
//! dirtied to the WAL; a rewarded referral dirtied about 32 (measured from the WAL's frames,
//! README "Performance"), most of them one leaf in each index a new row lands in:
//! - `ix_referral_member (member_id)` and the partial `ix_referral_member_live` become one
//!   index on `(member_id, org_id, removed_at)`: still covering for the live count (a range on
//!   `removed_at IS NULL`), and usable by any lookup on `member_id`.
//! - `ux_reward_rule_trigger` leads with `referral_id`, which only grows, so the rewards of one
//!   referral land on one (the rightmost) leaf instead of one leaf per rule. Same uniqueness.
//! - `ix_reward_transaction` is partial on `transaction_id IS NOT NULL`: a reward is created
//!   unpaid, and every lookup names a transaction (`= ?` implies not null, so both databases use
//!   the partial index for it).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP INDEX ix_referral_member",
    "DROP INDEX ix_referral_member_live",
    "CREATE INDEX ix_referral_member ON referral (member_id, org_id, removed_at)",
    "DROP INDEX ux_reward_rule_trigger",
    "CREATE UNIQUE INDEX ux_reward_rule_trigger ON reward (referral_id, rule_id, trigger_key) \
     WHERE rule_id IS NOT NULL",
    "DROP INDEX ix_reward_transaction",
    "CREATE INDEX ix_reward_transaction ON reward (transaction_id) \
     WHERE transaction_id IS NOT NULL",
];

const DOWN: &[&str] = &[
    "DROP INDEX ix_reward_transaction",
    "CREATE INDEX ix_reward_transaction ON reward (transaction_id)",
    "DROP INDEX ux_reward_rule_trigger",
    "CREATE UNIQUE INDEX ux_reward_rule_trigger ON reward (rule_id, referral_id, trigger_key) \
     WHERE rule_id IS NOT NULL",
    "DROP INDEX ix_referral_member",
    "CREATE INDEX ix_referral_member ON referral (member_id)",
    "CREATE INDEX ix_referral_member_live ON referral (member_id, org_id, removed_at) \
     WHERE removed_at IS NULL",
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
    /// One transaction on SQLite too (sea-orm runs SQLite migrations without one): the drops
    /// and creates run on one connection and land together. Without it (statements spread over
    /// pooled connections) the create failed with "already exists" after both drops had run.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}

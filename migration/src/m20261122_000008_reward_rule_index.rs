//! One index fewer written per reward. `ux_reward_rule_trigger (referral_id, rule_id,
//! trigger_key)` was partial (`WHERE rule_id IS NOT NULL`), so lookups by `referral_id` alone
//! needed `ix_reward_referral` besides it. Without the predicate the unique index keeps the
//! same uniqueness (a manual reward has no rule, and NULLs are distinct in a unique index on
//! SQLite and PostgreSQL alike, so manual rewards never collide) and serves those lookups by
//! its leading column, so `ix_reward_referral` goes. Every rewarded referral writes one index
//! entry fewer per reward (README, Performance).
//!
//! Operators: on PostgreSQL the index is rebuilt inside the migration's transaction, which
//! holds `reward` exclusively until it is built; on a large table, expect rewards to wait for
//! the length of one index build when upgrading.
use sea_orm_migration::prelude::*;

use crate::helpers::run_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP INDEX ux_reward_rule_trigger",
    "CREATE UNIQUE INDEX ux_reward_rule_trigger ON reward (referral_id, rule_id, trigger_key)",
    "DROP INDEX ix_reward_referral",
];

const DOWN: &[&str] = &[
    "CREATE INDEX ix_reward_referral ON reward (referral_id)",
    "DROP INDEX ux_reward_rule_trigger",
    "CREATE UNIQUE INDEX ux_reward_rule_trigger ON reward (referral_id, rule_id, trigger_key) \
     WHERE rule_id IS NOT NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too, as in migration 6: the drop and the create land together.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(manager, DOWN).await
    }
}

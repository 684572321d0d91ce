//! Schema migrations for Vouch, shared by SQLite and PostgreSQL.
//!
//! Invariant: a migration that has shipped is never edited; changes come as new files named
//! `mYYYYMMDD_HHMMSS_verb_noun.rs`, appended to `Migrator::migrations` in order.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261120_000001_create_foundation;
mod m20261120_000002_create_programs;
mod m20261120_000003_create_rules_scripts;
mod m20261121_000004_create_referral_flow;
mod m20261121_000005_index_live_referrals;
mod m20261121_000006_narrow_write_indexes;
mod m20261121_000007_member_live_referrals;
mod m20261122_000008_reward_rule_index;
mod m20261122_000009_create_employees;
mod m20261122_000010_lazy_referral_counts;
mod m20261122_000011_create_webhooks;
mod m20261122_000012_create_invites;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261120_000001_create_foundation::Migration),
            Box::new(m20261120_000002_create_programs::Migration),
            Box::new(m20261120_000003_create_rules_scripts::Migration),
            Box::new(m20261121_000004_create_referral_flow::Migration),
            Box::new(m20261121_000005_index_live_referrals::Migration),
            Box::new(m20261121_000006_narrow_write_indexes::Migration),
            Box::new(m20261121_000007_member_live_referrals::Migration),
            Box::new(m20261122_000008_reward_rule_index::Migration),
            Box::new(m20261122_000009_create_employees::Migration),
            Box::new(m20261122_000010_lazy_referral_counts::Migration),
            Box::new(m20261122_000011_create_webhooks::Migration),
            Box::new(m20261122_000012_create_invites::Migration),
        ]
    }
}

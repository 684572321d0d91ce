//! The integration tests, one binary (compiled and linked once), one module per area. Helpers
//! live in `common`; `db_test!` runs a case on SQLite and, when `VOUCH_TEST_DATABASE_URL` is
//! set, again on PostgreSQL.

#[macro_use]
mod common;

mod billmgr;
mod caches;
mod client;
mod code_caches;
mod code_records;
mod edge;
mod employee_cli;
mod employee_files;
mod employee_filters;
mod employee_mail;
mod employee_referrals;
mod employees;
mod engine;
mod engine_referrals;
mod example_scripts;
mod invites;
mod limits;
mod member_stats;
mod members;
mod openapi;
mod orgs_keys;
mod pages;
mod programs;
mod referral_changes;
mod referral_fraud;
mod referrals;
// payouts: payout methods, rewards, payouts, idempotency.
mod payout_sequences;
mod payouts;
mod rewards;
mod rules;
mod script_load;
mod scripts;
mod secrets;
mod unsubscribes;
mod webhooks;

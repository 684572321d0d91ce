//! sea-orm entities for Vouch: one module per table, plain data, no business logic.
//!
//! Only `vouch::store` imports this crate; every tenant-owned table carries `org_id`.

pub mod access_token;
pub mod admin_key;
pub mod api_key;
pub mod email_unsubscribe;
pub mod event;
pub mod idempotency_key;
pub mod invite;
pub mod member;
pub mod org;
pub mod payout;
pub mod payout_transaction;
pub mod program;
pub mod referral;
pub mod referral_action;
pub mod referral_code;
pub mod reward;
pub mod reward_rule;
pub mod rule_condition;
pub mod script;
pub mod script_version;
pub mod unsubscribe_token;
pub mod webhook;
pub mod webhook_delivery;

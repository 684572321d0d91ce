//! sea-orm entities for Vouch: one module per table, plain data, no business logic.
//!
//! Only `vouch::store` imports this crate; every tenant-owned table carries `org_id`.

pub mod admin_key;
pub mod api_key;
pub mod event;
pub mod member;
pub mod org;
pub mod referral;
pub mod referral_code;

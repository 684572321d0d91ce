//! Business rules, one module per aggregate. Every function takes the request context first
//! and knows nothing of HTTP; surfaces translate their wire formats into these calls.
//!
//! Invariants:
//! - Surfaces (`crate::api`, `crate::web`) call domain functions only, never `crate::store`,
//!   and see only the view and input types defined here (`ProgramView`, `MemberDetail`,
//!   `Profile`, …). Functions that take or return stored rows are `pub(in crate::domain)`.
//! - A `Ctx` is made only by its named constructors (see `ctx`); the store scopes every query
//!   by its org.

pub mod access;
pub mod clock;
pub mod codes;
mod ctx;
pub mod employees;
pub mod events;
pub mod ids;
pub mod keys;
pub mod links;
pub mod members;
pub mod money;
pub mod orgs;
pub mod paging;
pub mod programs;
pub mod referral_codes;
pub mod referrals;
pub mod rewards;
pub mod roles;
pub mod rules;
pub mod scripts;
pub mod unsubscribes;
pub mod values;
pub mod webhooks;
// payouts: payout methods and transactions, Idempotency-Key.
pub mod idempotency;
pub mod invites;
pub mod payouts;

pub use ctx::Ctx;
pub use paging::PageReq;

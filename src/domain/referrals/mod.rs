//! Referrals (seed 003): a new customer linked to the member whose code they used, in that
//! member's program. The status machine (`status`) and who counts as the same person
//! (`identity`) need no database; `create` attributes, checks for fraud (`fraud`) and inserts;
//! `query` finds one referral by a 003 query or a plain string; `view` is the shape every
//! surface shows.
//!
//! Invariants: one live referral per customer (mailbox or external id) and program, kept by
//! unique indexes; every change writes its events (ReferralAdd, ReferralUpdate,
//! ReferralStatusChange, ReferralDelete) and runs the rules in the transaction that makes it.
mod change;
mod create;
mod fraud;
pub mod hold;
pub mod identity;
mod query;
pub mod status;
mod view;

pub use create::{create, NewReferral};
pub use fraud::VELOCITY_WINDOW_HOURS;
pub use query::{
    resolve, resolve_text, single, view_by_id, ReferralQuery, ReferralRef, SingleQuery,
};
pub use status::ReferralStatus;
pub use view::{Details, Referral, ReferralMember, ReferralProgram, Source};

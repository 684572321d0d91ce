//! Referrals (seed 003): a new customer linked to the member whose code they used. This module
//! holds the rules that do not need the database — the status machine (`status`) and who counts
//! as the same person for the self-referral block (`identity`); creating, listing and changing
//! referrals build on them.
pub mod identity;
pub mod status;

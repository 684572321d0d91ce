//! The links a member shares: kept in `crate::domain::links` (what a link is and where it leads
//! is decided there); re-exported here for the surfaces that format them.
pub use crate::domain::links::*;

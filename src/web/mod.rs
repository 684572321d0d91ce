//! Web plumbing shared by every route (later: partner pages and share-link redirects).
pub mod middleware;

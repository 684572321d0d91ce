//! Server-rendered pages and web plumbing: partner portal and share widget, the share-link
//! redirect, and the request middleware shared by every route.
pub mod limits;
pub mod links;
pub mod metrics;
pub mod middleware;
pub mod pages;

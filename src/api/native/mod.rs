//! The native v1 surface (ours): orgs, API keys, events, health.
pub mod conditions;
pub mod employees;
pub mod evaluate;
pub mod events;
pub mod keys;
pub mod members;
pub mod ops;
pub mod orgs;
pub mod payouts;
pub mod programs;
pub mod referrals;
pub mod rewards;
pub mod rules;
pub mod scripts;
pub mod webhooks;

use poem_openapi::Object;

use crate::domain::PageReq;

/// Paging as shown in every `{data, pagination}` list.
#[derive(Object, Debug, Clone)]
pub struct Pagination {
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

impl Pagination {
    pub fn new(req: PageReq, total: u64) -> Self {
        Pagination {
            page: req.page,
            limit: req.limit,
            total,
        }
    }
}

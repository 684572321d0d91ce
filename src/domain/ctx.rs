//! The request context: who is acting, inside which org.
//!
//! Invariants:
//! - A `Ctx` names exactly one org; the store filters every tenant query by `org_id`, so holding
//!   a `Ctx` is what lets code read or write that org's rows at all.
//! - A `Ctx` is built only here, through the named constructors below: `for_key` by
//!   authentication (an API key), `admin_in_org` for the platform admin acting inside an org,
//!   `page_reader` for the public partner pages and share links (read-only role), and `system`
//!   for the CLI and the demo seed. Its fields are readable everywhere but a struct literal
//!   outside this module does not compile (the private `_sealed` field), so no handler can make
//!   one up.
use crate::error::{AppError, Result};

use super::roles::Role;

/// Who is acting, inside which org. Built by authentication, passed explicitly everywhere.
#[derive(Clone, Debug)]
#[allow(
    clippy::manual_non_exhaustive,
    reason = "`#[non_exhaustive]` seals only against other crates; this seals against other modules"
)]
pub struct Ctx {
    /// Numeric org id (the store filters every query by it).
    pub org_id: i64,
    /// The org's public id (`org_…`), as clients see it.
    pub org_public_id: String,
    /// The acting key's public id, or `admin` / `system`; recorded on events.
    pub actor: String,
    /// The acting key's role.
    pub role: Role,
    /// Private: keeps construction in this module.
    _sealed: (),
}

impl Ctx {
    fn new(org_id: i64, org_public_id: String, actor: String, role: Role) -> Ctx {
        Ctx {
            org_id,
            org_public_id,
            actor,
            role,
            _sealed: (),
        }
    }

    /// An API key of this org, checked by authentication (`crate::auth`), acting with its role.
    pub(crate) fn for_key(org_id: i64, org_public_id: String, key_id: String, role: Role) -> Ctx {
        Ctx::new(org_id, org_public_id, key_id, role)
    }

    /// The platform admin acting inside an org (org creation, disabling): full rights there.
    pub(crate) fn admin_in_org(org_id: i64, org_public_id: String, actor: String) -> Ctx {
        Ctx::new(org_id, org_public_id, actor, Role::Owner)
    }

    /// A public page or share link, whose token or code names the org: read-only.
    pub(crate) fn page_reader(org_id: i64, org_public_id: String, actor: String) -> Ctx {
        Ctx::new(org_id, org_public_id, actor, Role::Analyst)
    }

    /// The operator at the CLI, or the demo seed, acting inside an org as its owner.
    pub(crate) fn system(org_id: i64, org_public_id: String, actor: String) -> Ctx {
        Ctx::new(org_id, org_public_id, actor, Role::Owner)
    }

    /// Refuses an `org_id` given in a body or query that is not the caller's org. The answer is
    /// the same whether or not that org exists.
    pub fn check_org_param(&self, field: &str, given: Option<&str>) -> Result<()> {
        match given.map(str::trim) {
            None | Some("") => Ok(()),
            Some(org) if org == self.org_public_id => Ok(()),
            Some(_) => Err(AppError::Forbidden(format!(
                "{field}: does not match the organisation of the API key"
            ))),
        }
    }
}

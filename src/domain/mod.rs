//! Business rules, one module per aggregate. Every function takes the request context first
//! and knows nothing of HTTP; surfaces translate their wire formats into these calls.

pub mod access;
pub mod codes;
pub mod events;
pub mod ids;
pub mod keys;
pub mod members;
pub mod orgs;
pub mod paging;
pub mod programs;
pub mod referral_codes;
pub mod roles;
pub mod rules;
pub mod scripts;
pub mod values;

pub use paging::PageReq;

/// Who is acting, inside which org. Built by authentication, passed explicitly everywhere.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Numeric org id (the store filters every query by it).
    pub org_id: i64,
    /// The org's public id (`org_…`), as clients see it.
    pub org_public_id: String,
    /// The acting key's public id, or `admin` / `system`; recorded on events.
    pub actor: String,
    /// The acting key's role.
    pub role: roles::Role,
}

impl Ctx {
    /// Refuses an `org_id` given in a body or query that is not the caller's org. The answer is
    /// the same whether or not that org exists.
    pub fn check_org_param(&self, field: &str, given: Option<&str>) -> crate::error::Result<()> {
        match given.map(str::trim) {
            None | Some("") => Ok(()),
            Some(org) if org == self.org_public_id => Ok(()),
            Some(_) => Err(crate::error::AppError::Forbidden(format!(
                "{field}: does not match the organisation of the API key"
            ))),
        }
    }
}

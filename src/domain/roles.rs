//! Built-in roles. What each may do is casbin's business (`authz`); this module only names them
//! and says which roles a key may hand out.
use std::fmt;

use crate::error::{AppError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Owner,
    Admin,
    Developer,
    Analyst,
    Support,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Developer,
        Role::Analyst,
        Role::Support,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Analyst => "analyst",
            Role::Support => "support",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("unknown role `{s}`; one of owner, admin, developer, analyst, support"),
                )
            })
    }

    /// May a key of this role create a key of `other`? Only an owner can mint owners, so an
    /// admin cannot escalate itself.
    pub fn may_grant(&self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => other != Role::Owner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_cannot_grant_owner_but_owner_can() {
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Admin.may_grant(Role::Analyst));
        assert!(Role::Owner.may_grant(Role::Owner));
        assert!(!Role::Developer.may_grant(Role::Analyst));
    }

    #[test]
    fn parse_names_the_field_on_unknown_roles() {
        assert_eq!(Role::parse("role", "analyst").unwrap(), Role::Analyst);
        assert!(Role::parse("role", "root")
            .unwrap_err()
            .to_string()
            .starts_with("role:"));
    }
}

//! Who a code belongs to: a member named by our id (`mem_…`) or by the tenant's own identifier.
use super::Ctx;
use crate::domain::ids;
use crate::error::{AppError, Result};
use crate::store::members::{self, MemberRow, MemberTable};
use crate::store::referral_codes::Mentor;
use crate::store::{scope, Db};

const MAX_MENTOR_LEN: usize = 128;

/// Who the mentor is: a member's public id (`mem_…`) or the tenant's own identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MentorRef {
    Member(String),
    External(String),
}

impl MentorRef {
    pub fn parse(field: &str, raw: &str) -> Result<MentorRef> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AppError::invalid(field, "must not be empty"));
        }
        if s.chars().count() > MAX_MENTOR_LEN {
            return Err(AppError::invalid(
                field,
                format!("must be at most {MAX_MENTOR_LEN} characters"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(AppError::invalid(
                field,
                "must not contain control characters",
            ));
        }
        if s.starts_with("mem_") {
            if !ids::has_prefix(s, "mem") {
                return Err(AppError::invalid(
                    field,
                    "`mem_` ids are member ids and must be `mem_` plus letters and digits",
                ));
            }
            return Ok(MentorRef::Member(s.to_string()));
        }
        Ok(MentorRef::External(s.to_string()))
    }
}

/// The mentor as clients know it: their own identifier when they gave one, else ours.
pub(in crate::domain) fn mentor_label(mentor: &Mentor) -> String {
    mentor
        .external_id
        .clone()
        .unwrap_or_else(|| mentor.public_id.clone())
}

pub(super) async fn resolve_mentor(ctx: &Ctx, db: &Db, mentor: &MentorRef) -> Result<MemberRow> {
    let found = match mentor {
        MentorRef::Member(id) => {
            scope::find_by_public_id::<MemberTable>(ctx, db.conn(), id).await?
        }
        MentorRef::External(id) => members::find_by_external_id(ctx, db.conn(), id).await?,
    };
    found.ok_or_else(|| AppError::not_found("mentor"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentor_ids_are_member_ids_or_external_ids() {
        assert_eq!(
            MentorRef::parse("mentor_id", "usr_4491").unwrap(),
            MentorRef::External("usr_4491".into())
        );
        assert_eq!(
            MentorRef::parse("mentor_id", "mem_abc123").unwrap(),
            MentorRef::Member("mem_abc123".into())
        );
        assert!(MentorRef::parse("mentor_id", "mem_").is_err());
        assert!(MentorRef::parse("mentor_id", "  ").is_err());
        assert!(MentorRef::parse("mentor_id", "a\nb").is_err());
        assert!(MentorRef::parse("mentor_id", &"x".repeat(129)).is_err());
    }
}

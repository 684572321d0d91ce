//! A referral's status and the moves between statuses (DESIGN §3, REFERENCE-003 §3).
//!
//! Every referral starts `pending`; `pending` and `denied` may swap; `qualified` follows
//! `pending`; `approved` follows `pending` or `qualified` and is final; `denied` may become
//! `qualified` only if the referral never was qualified; a move to the current status changes
//! nothing. Anything else is refused naming the current status (a 409 at the edge).
//! Requests say statuses in any letter case; answers say them capitalised, as the vendor does.
use crate::error::{AppError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralStatus {
    Pending,
    Qualified,
    Approved,
    Denied,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 4] = [
        ReferralStatus::Pending,
        ReferralStatus::Qualified,
        ReferralStatus::Approved,
        ReferralStatus::Denied,
    ];

    /// Parses a status in any letter case (`pending`, `Pending`, `PENDING`), naming `field`.
    pub fn parse(field: &str, raw: &str) -> Result<ReferralStatus> {
        let wanted = raw.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("`{wanted}` is not one of pending, qualified, approved, denied"),
                )
            })
    }

    /// The stored (and request) form: lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Pending => "pending",
            ReferralStatus::Qualified => "qualified",
            ReferralStatus::Approved => "approved",
            ReferralStatus::Denied => "denied",
        }
    }

    /// The answer form of the 003 surface: capitalised (`"Pending"`).
    pub fn as_vendor(self) -> &'static str {
        match self {
            ReferralStatus::Pending => "Pending",
            ReferralStatus::Qualified => "Qualified",
            ReferralStatus::Approved => "Approved",
            ReferralStatus::Denied => "Denied",
        }
    }
}

/// What a requested move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The referral already has that status: nothing changes, nothing is recorded.
    Unchanged,
    /// The status changes.
    To(ReferralStatus),
}

/// Checks moving a referral from `from` to `to`; `ever_qualified` says whether it has been
/// qualified at some time (a `qualified_at` is kept).
pub fn transition(from: ReferralStatus, to: ReferralStatus, ever_qualified: bool) -> Result<Move> {
    use ReferralStatus::*;
    if from == to {
        return Ok(Move::Unchanged);
    }
    let allowed = match (from, to) {
        (Approved, _) => false,
        (Pending, Qualified | Approved | Denied) => true,
        (Qualified, Approved | Denied) => true,
        (Denied, Pending) => true,
        (Denied, Qualified) => !ever_qualified,
        _ => false,
    };
    if allowed {
        return Ok(Move::To(to));
    }
    let why = match (from, to) {
        (Approved, _) => "approved is final".to_string(),
        (Denied, Qualified) => {
            "a denied referral that was qualified before cannot be qualified again".into()
        }
        _ => format!("a {} referral cannot become {}", from.as_str(), to.as_str()),
    };
    Err(AppError::conflict(format!(
        "status: the referral is {}; {why}",
        from.as_str()
    )))
}

#[cfg(test)]
mod tests {
    use super::ReferralStatus::*;
    use super::*;

    #[test]
    fn statuses_are_taken_in_any_case_and_answered_capitalised() {
        for raw in ["pending", "Pending", " PENDING "] {
            assert_eq!(ReferralStatus::parse("status", raw).unwrap(), Pending);
        }
        assert_eq!(Approved.as_vendor(), "Approved");
        assert_eq!(Denied.as_str(), "denied");
        let err = ReferralStatus::parse("status", "paid")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("status") && err.contains("pending, qualified"),
            "{err}"
        );
    }

    #[test]
    fn the_usual_path_is_pending_then_qualified_then_approved() {
        assert_eq!(
            transition(Pending, Qualified, false).unwrap(),
            Move::To(Qualified)
        );
        assert_eq!(
            transition(Qualified, Approved, true).unwrap(),
            Move::To(Approved)
        );
        assert_eq!(
            transition(Pending, Approved, false).unwrap(),
            Move::To(Approved)
        );
    }

    #[test]
    fn approved_is_final() {
        for to in [Pending, Qualified, Denied] {
            let err = transition(Approved, to, true).unwrap_err();
            assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
            assert!(
                err.to_string().contains("the referral is approved"),
                "{err}"
            );
        }
    }

    #[test]
    fn denied_and_pending_swap() {
        assert_eq!(
            transition(Pending, Denied, false).unwrap(),
            Move::To(Denied)
        );
        assert_eq!(
            transition(Denied, Pending, true).unwrap(),
            Move::To(Pending)
        );
    }

    #[test]
    fn denied_becomes_qualified_only_if_it_never_was() {
        assert_eq!(
            transition(Denied, Qualified, false).unwrap(),
            Move::To(Qualified)
        );
        let err = transition(Denied, Qualified, true).unwrap_err().to_string();
        assert!(
            err.contains("the referral is denied") && err.contains("qualified before"),
            "{err}"
        );
    }

    #[test]
    fn a_qualified_referral_does_not_go_back_to_pending_and_denied_is_not_approved_directly() {
        assert!(transition(Qualified, Pending, true).is_err());
        assert!(transition(Denied, Approved, false).is_err());
        assert_eq!(
            transition(Qualified, Denied, true).unwrap(),
            Move::To(Denied)
        );
    }

    #[test]
    fn a_move_to_the_current_status_changes_nothing() {
        for s in ReferralStatus::ALL {
            assert_eq!(transition(s, s, true).unwrap(), Move::Unchanged);
        }
    }
}

//! Webhooks (seed 003, DESIGN §6): what a subscription may listen to, how deliveries are
//! signed (`sign`, Standard Webhooks) and where they may go (`guard`).
//!
//! Deliveries are rows of `webhook_delivery`, one per (subscription, event), written in the same
//! transaction as the event (see migration `m20261122_000011`).
pub mod client;
pub mod guard;
pub mod sign;
pub mod worker;

/// The event names a subscription may name: seed 003's list, then Vouch's own.
pub const EVENTS: [&str; 16] = [
    "ProgramAdd",
    "ProgramUpdate",
    "ProgramDelete",
    "MemberAdd",
    "MemberUpdate",
    "MemberDelete",
    "ReferralAdd",
    "ReferralUpdate",
    "ReferralDelete",
    "ReferralStatusChange",
    "RewardAdd",
    "RewardUpdate",
    "RewardDelete",
    "RewardIssue",
    "EmailUnsubscribed",
    "PayoutTransactionAdd",
];

/// The event a subscription names, as stored: matched ignoring case, and `MemberRemove` (the
/// heading of 003's sample) read as `MemberDelete`. `None` for any other name.
pub fn event_name(given: &str) -> Option<&'static str> {
    let given = given.trim();
    if given.eq_ignore_ascii_case("MemberRemove") {
        return Some("MemberDelete");
    }
    EVENTS
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_match_ignoring_case_and_member_remove_is_member_delete() {
        assert_eq!(event_name("ReferralAdd"), Some("ReferralAdd"));
        assert_eq!(event_name(" referraladd "), Some("ReferralAdd"));
        assert_eq!(event_name("MemberRemove"), Some("MemberDelete"));
        assert_eq!(event_name("ReferralCodeAdd"), None);
        assert_eq!(event_name(""), None);
    }
}

//! Opaque public ids (`org_…`, `mem_…`, `rc_…`): a prefix and 16 random base62 characters.
use rand::distr::{Alphanumeric, SampleString};

pub fn new_public_id(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        Alphanumeric.sample_string(&mut rand::rng(), 16)
    )
}

/// Does `s` look like a public id with this prefix? (Shape only; existence is the store's job.)
pub fn has_prefix(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_carry_their_prefix_and_differ() {
        let a = new_public_id("rc");
        let b = new_public_id("rc");
        assert!(has_prefix(&a, "rc"), "{a}");
        assert_eq!(a.len(), 3 + 16);
        assert_ne!(a, b);
    }

    #[test]
    fn has_prefix_rejects_other_shapes() {
        assert!(!has_prefix("rc_", "rc"));
        assert!(!has_prefix("mem_abc", "rc"));
        assert!(!has_prefix("rc_ab-c", "rc"));
        assert!(has_prefix("rc_8f3a21bc", "rc"));
    }
}

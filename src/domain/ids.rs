//! Opaque public ids (`org_…`, `mem_…`, `rc_…`): a prefix and 16 base62 characters, random,
//! or for the rows written on every referral (referrals, rewards, events) time-ordered.
//!
//! Why time-ordered there: each of those tables has a unique index on `public_id`, and a random
//! id lands on a random leaf of it; a rewarded referral wrote one such leaf per row (five or six
//! pages of the thirty-odd each SQLite commit wrote). Ids that grow with time land on the
//! rightmost leaf, like the numeric ids. No public id is a secret (every read is scoped to the
//! caller's org), and 9 random characters (53 bits) keep ids made in the same millisecond apart.
use rand::distr::{Alphanumeric, SampleString};

/// Base62 characters after a public id's prefix.
const ID_CHARS: usize = 16;

/// Base62 digits in ASCII order, so a fixed-width number sorts as text.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters of an ordered id's time part: 62^7 milliseconds is 111 years from 1970.
const TIME_CHARS: usize = 7;

/// A new public id whose first 7 characters are the current time in milliseconds (base62,
/// fixed width), then 9 random ones: later ids sort after earlier ones (to the millisecond).
pub fn new_ordered_id(prefix: &str) -> String {
    let millis = u64::try_from(super::clock::now().timestamp_millis()).unwrap_or(0);
    ordered_id(
        prefix,
        millis,
        &Alphanumeric.sample_string(&mut rand::rng(), ID_CHARS - TIME_CHARS),
    )
}

fn ordered_id(prefix: &str, millis: u64, random: &str) -> String {
    let mut time = [b'0'; TIME_CHARS];
    let mut rest = millis;
    for slot in time.iter_mut().rev() {
        *slot = DIGITS[(rest % 62) as usize];
        rest /= 62;
    }
    let time = std::str::from_utf8(&time).expect("base62 digits are ASCII");
    format!("{prefix}_{time}{random}")
}

pub fn new_public_id(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        Alphanumeric.sample_string(&mut rand::rng(), ID_CHARS)
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
    fn ordered_ids_have_the_shape_of_random_ones_and_sort_by_time() {
        let a = new_ordered_id("evt");
        assert!(has_prefix(&a, "evt"), "{a}");
        assert_eq!(a.len(), 4 + 16);
        assert_ne!(a, new_ordered_id("evt"));
        let (earlier, later) = (
            ordered_id("evt", 1_700_000_000_000, "zzzzzzzzz"),
            ordered_id("evt", 1_700_000_000_001, "000000000"),
        );
        assert!(earlier < later, "{earlier} sorts before {later}");
        // 61 -> 62 milliseconds carries into the next digit and still sorts after.
        assert!(ordered_id("e", 61, "a") < ordered_id("e", 62, "a"));
        assert_eq!(ordered_id("e", 0, "x"), "e_0000000x");
    }

    #[test]
    fn has_prefix_rejects_other_shapes() {
        assert!(!has_prefix("rc_", "rc"));
        assert!(!has_prefix("mem_abc", "rc"));
        assert!(!has_prefix("rc_ab-c", "rc"));
        assert!(has_prefix("rc_8f3a21bc", "rc"));
    }
}

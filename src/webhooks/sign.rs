//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>, spec 1.0.0): a subscription's
//! secret is `whsec_` + base64 of 32 random bytes; a delivery carries `webhook-id` (the same on
//! every retry), `webhook-timestamp` (unix seconds of the attempt) and `webhook-signature`,
//! `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several separated by one space while a
//! rotated secret overlaps the new one.
//!
//! The body signed is the exact byte string sent: callers serialise once and pass those bytes to
//! both `sign` and the request.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};

type HmacSha256 = Hmac<sha2::Sha256>;

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a new secret (the spec asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A new subscription secret, `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; SECRET_BYTES];
    rand::fill(&mut key);
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// The HMAC key of a secret: the base64 after `whsec_` decoded. `None` for anything else.
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    let key = B64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (!key.is_empty()).then_some(key)
}

/// One signature, `v1,<base64>`.
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header for every key in `keys` (the current secret first, then one
/// still inside its rotation overlap).
pub fn header(keys: &[Vec<u8>], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|k| sign(k, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of the Standard Webhooks reference libraries
    /// (`libraries/python/tests/test_webhooks.py`, `test_sign_function`; the same in the
    /// JavaScript and Go tests).
    #[test]
    fn the_reference_libraries_golden_vector_signs_the_same() {
        let key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    /// The Rust reference library's own vector (`libraries/rust/src/lib.rs`, `test_sign`).
    #[test]
    fn the_rust_reference_vector_signs_the_same() {
        let key = key_of("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        assert_eq!(
            sign(&key, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn a_new_secret_has_the_prefix_and_32_random_bytes() {
        let (a, b) = (new_secret(), new_secret());
        assert!(a.starts_with(SECRET_PREFIX), "{a}");
        assert_eq!(key_of(&a).map(|k| k.len()), Some(32));
        assert_ne!(a, b);
    }

    #[test]
    fn a_secret_without_the_prefix_or_with_bad_base64_has_no_key() {
        assert_eq!(key_of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
        assert_eq!(key_of("whsec_not base64!"), None);
        assert_eq!(key_of("whsec_"), None);
    }

    #[test]
    fn during_a_rotation_both_signatures_are_sent_space_separated() {
        let (new, old) = (vec![1u8; 32], vec![2u8; 32]);
        let h = header(&[new.clone(), old.clone()], "msg_1", 10, b"{}");
        assert_eq!(
            h,
            format!(
                "{} {}",
                sign(&new, "msg_1", 10, b"{}"),
                sign(&old, "msg_1", 10, b"{}")
            )
        );
    }
}

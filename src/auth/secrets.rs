//! API key secrets: random, shown once, stored as SHA-256. A fast hash is right here because
//! keys carry ≥ 238 bits of entropy; there is nothing to brute-force that a slow hash would stop.
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Clone, Copy, Debug)]
pub enum SecretKind {
    TenantKey,
    AdminKey,
    /// The token of a mail's unsubscribe link.
    UnsubscribeToken,
}

impl SecretKind {
    fn prefix(&self) -> &'static str {
        match self {
            SecretKind::TenantKey => "vk_",
            SecretKind::AdminKey => "vadm_",
            SecretKind::UnsubscribeToken => "unsub_",
        }
    }
}

pub struct Secret {
    pub plaintext: String,
    pub hash: String,
    /// The first characters, safe to show in listings so people can tell keys apart.
    pub prefix: String,
}

/// 40 base62 characters ≈ 238 bits from the thread CSPRNG (ChaCha, seeded from the OS).
pub fn generate(kind: SecretKind) -> Secret {
    let plaintext = format!(
        "{}{}",
        kind.prefix(),
        Alphanumeric.sample_string(&mut rand::rng(), 40)
    );
    let prefix = plaintext.chars().take(kind.prefix().len() + 6).collect();
    Secret {
        hash: hash(&plaintext),
        plaintext,
        prefix,
    }
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes in constant time (for equal lengths, as every SHA-256 hex hash is).
pub fn hashes_equal(a: &str, b: &str) -> bool {
    #[cfg(test)]
    COMPARED.with(|c| c.borrow_mut().push((a.len(), b.len())));
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The stored hash an unknown key id is compared against, so that refusing it does the same
/// work (hash, then a constant-time compare of two 64-character hashes) as refusing a known one.
pub fn unknown_key_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("vouch: no key has this id"));
    &HASH
}

#[cfg(test)]
thread_local! {
    /// The operand lengths of every `hashes_equal` call on this thread (tests only).
    pub static COMPARED: std::cell::RefCell<Vec<(usize, usize)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_hash_to_their_stored_hash_and_differ() {
        let a = generate(SecretKind::TenantKey);
        let b = generate(SecretKind::TenantKey);
        assert!(a.plaintext.starts_with("vk_") && a.plaintext.len() == 43);
        assert_eq!(hash(&a.plaintext), a.hash);
        assert_ne!(a.plaintext, b.plaintext);
        assert!(a.plaintext.starts_with(&a.prefix));
        assert!(hashes_equal(&a.hash, &hash(&a.plaintext)));
        assert!(!hashes_equal(&a.hash, &b.hash));
    }
}

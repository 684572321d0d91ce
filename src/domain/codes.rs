//! Referral code strings: parsed at the edge into `Code`, generated readable-but-random.
//!
//! A code is 4–32 characters of `A–Z 0–9 -`, compared case-insensitively: input is upper-cased
//! on parse and stored that way, so the database's unique index is case-insensitive too.
use rand::Rng;

use crate::error::{AppError, Result};

pub const MIN_LEN: usize = 4;
pub const MAX_LEN: usize = 32;

/// Suffix alphabet: upper-case letters and digits without the look-alikes 0/O and 1/I/L.
const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    pub fn parse(field: &str, raw: &str) -> Result<Code> {
        let upper = raw.trim().to_ascii_uppercase();
        let len = upper.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(AppError::invalid(
                field,
                format!("must be {MIN_LEN}-{MAX_LEN} characters, got {len}"),
            ));
        }
        if let Some(bad) = upper
            .chars()
            .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(AppError::invalid(
                field,
                format!("may contain only A-Z, 0-9 and '-', found {bad:?}"),
            ));
        }
        Ok(Code(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A readable code: up to four letters of the first and last name, then a random suffix of
    /// `suffix_len` unambiguous characters, e.g. `JANE-VERV-8F3A`. Falls back to `REF`.
    pub fn generate(first_name: Option<&str>, last_name: Option<&str>, suffix_len: usize) -> Code {
        let mut parts: Vec<String> = [first_name, last_name]
            .into_iter()
            .flatten()
            .map(|name| {
                name.chars()
                    .filter(char::is_ascii_alphabetic)
                    .take(4)
                    .collect::<String>()
                    .to_ascii_uppercase()
            })
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            parts.push("REF".into());
        }
        let mut rng = rand::rng();
        let suffix: String = (0..suffix_len)
            .map(|_| SUFFIX_ALPHABET[rng.random_range(0..SUFFIX_ALPHABET.len())] as char)
            .collect();
        parts.push(suffix);
        Code(parts.join("-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_uppercases_and_accepts_dashes() {
        assert_eq!(
            Code::parse("code", " jan-verv-8f3a ").unwrap().as_str(),
            "JAN-VERV-8F3A"
        );
    }

    #[test]
    fn parse_refuses_bad_characters_and_lengths() {
        assert!(Code::parse("code", "abc").is_err());
        assert!(Code::parse("code", &"A".repeat(33)).is_err());
        let err = Code::parse("code", "HELLO WORLD").unwrap_err().to_string();
        assert!(err.contains("code:") && err.contains("' '"), "{err}");
        assert!(Code::parse("code", "ÄBCD").is_err());
        assert!(Code::parse("code", "AB_CD").is_err());
    }

    #[test]
    fn generated_codes_have_a_name_prefix_and_no_ambiguous_suffix() {
        for _ in 0..200 {
            let code = Code::generate(Some("Jane"), Some("Verver"), 6);
            let s = code.as_str();
            assert!(s.starts_with("JANE-VERV-"), "{s}");
            let suffix = &s["JANE-VERV-".len()..];
            assert_eq!(suffix.len(), 6);
            assert!(!suffix.contains(['0', 'O', '1', 'I', 'L']), "{s}");
            assert!(Code::parse("code", s).is_ok(), "{s}");
        }
    }

    #[test]
    fn generated_codes_fall_back_to_ref_without_names() {
        assert!(Code::generate(None, Some("  "), 4)
            .as_str()
            .starts_with("REF-"));
        assert!(Code::generate(Some("李"), None, 4)
            .as_str()
            .starts_with("REF-"));
    }
}

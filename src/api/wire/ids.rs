//! Public ids in paths (`rc_…`, `prog_…`, …) and web URLs. An id's type declares its pattern, so
//! a client (or a fuzzer) learns the shape from the spec, and a malformed id is a 400 naming the
//! parameter, never a lookup.
use std::borrow::Cow;
use std::ops::Deref;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

use super::{json_string, text_problem};
use crate::domain::values::check_web_url;

/// The longest public id accepted (prefix, `_` and the random part).
const MAX_ID_LEN: usize = 64;

fn id_problem(s: &str, prefix: &str) -> Option<String> {
    let ok = s.len() <= MAX_ID_LEN
        && s.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
            });
    (!ok).then(|| format!("is not an id of the form `{prefix}_…` (letters and digits)"))
}

macro_rules! public_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                concat!("string_", $prefix, "_id").into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    pattern: Some(concat!("^", $prefix, "_[A-Za-z0-9]+$").to_string()),
                    max_length: Some(MAX_ID_LEN),
                    ..MetaSchema::new("string")
                }))
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                match id_problem(value, $prefix) {
                    Some(problem) => Err(ParseError::custom(problem)),
                    None => Ok($name(value.to_string())),
                }
            }
        }
    };
}

public_id!(
    /// An org id, `org_…`.
    OrgId,
    "org"
);
public_id!(
    /// An API key id, `key_…`.
    KeyId,
    "key"
);
public_id!(
    /// A referral code record id, `rc_…`.
    CodeRecordId,
    "rc"
);
public_id!(
    /// A program id, `prog_…`.
    ProgramId,
    "prog"
);
public_id!(
    /// A member id, `mem_…`.
    MemberId,
    "mem"
);
public_id!(
    /// An access token id, `tok_…`.
    AccessTokenId,
    "tok"
);
public_id!(
    /// A rule id, `rule_…`.
    RuleId,
    "rule"
);
public_id!(
    /// A condition id, `cond_…`.
    ConditionId,
    "cond"
);
public_id!(
    /// A referral id, `ref_…`.
    ReferralId,
    "ref"
);
public_id!(
    /// A script id, `scr_…`.
    ScriptId,
    "scr"
);
public_id!(
    /// A reward id, `rwd_…`.
    RewardId,
    "rwd"
);

/// An absolute http(s) URL of at most 2048 characters (`format: uri`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(pub String);

impl WebUrl {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(s: String) -> Result<Self, String> {
        if let Some(problem) = text_problem(&s, Self::MAX_LEN, false) {
            return Err(problem);
        }
        check_web_url(&s)?;
        Ok(WebUrl(s))
    }
}

impl From<WebUrl> for String {
    fn from(u: WebUrl) -> String {
        u.0
    }
}

impl Type for WebUrl {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_uri".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            max_length: Some(Self::MAX_LEN),
            ..MetaSchema::new_with_format("string", "uri")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for WebUrl {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        json_string(value)
            .and_then(WebUrl::parse)
            .map_err(ParseError::custom)
    }
}

impl ToJSON for WebUrl {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_must_have_their_prefix_and_only_letters_and_digits() {
        assert!(CodeRecordId::parse_from_parameter("rc_8F3a").is_ok());
        assert!(CodeRecordId::parse_from_parameter("prog_8F3a").is_err());
        assert!(CodeRecordId::parse_from_parameter("rc_").is_err());
        assert!(CodeRecordId::parse_from_parameter("rc_a-b").is_err());
        assert!(CodeRecordId::parse_from_parameter("rc_a\u{0}").is_err());
    }

    #[test]
    fn urls_are_absolute_http() {
        assert!(WebUrl::parse_from_json(Some(json!("https://shop.example.com/join"))).is_ok());
        assert!(WebUrl::parse_from_json(Some(json!("ftp://x.example"))).is_err());
        assert!(WebUrl::parse_from_json(Some(json!("/relative"))).is_err());
    }
}

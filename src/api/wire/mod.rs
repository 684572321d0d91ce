//! The types every surface takes at its edge, so each rule is written once and declared in the
//! spec by the type itself: text without control characters and with a maximum length, bounded
//! integers (paging, lifetimes), emails, and times on the wire (RFC 3339, UTC, `Z`, at most
//! microseconds).
//!
//! Invariants: a `Line`/`Text` never holds NUL or another control character (`Text` allows tab,
//! line feed and carriage return), so the same input is refused the same way on SQLite and
//! PostgreSQL; a bounded integer is inside its declared range, so no offset can overflow the
//! database; a `Timestamp` shows the same digits whichever database stored it.
mod amount;
mod ids;
mod numbers;
mod time;

use std::borrow::Cow;
use std::ops::Deref;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

pub use amount::Amount;
pub use ids::*;
pub use numbers::*;
pub use time::*;

/// The spec's pattern for one-line text: no control characters.
pub const LINE_PATTERN: &str = r"^[^\u0000-\u001F\u007F]*$";
/// The spec's pattern for multi-line text: tab, LF and CR allowed, no other control character.
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$";

/// What is wrong with `s` as text (multi-line or not) of at most `max` characters, if anything.
pub fn text_problem(s: &str, max: usize, multiline: bool) -> Option<String> {
    let allowed = |c: char| multiline && matches!(c, '\t' | '\n' | '\r');
    if let Some(c) = s.chars().find(|c| c.is_control() && !allowed(*c)) {
        return Some(format!(
            "must not contain control characters (found U+{:04X})",
            c as u32
        ));
    }
    let len = s.chars().count();
    (len > max).then(|| format!("must be at most {max} characters, found {len}"))
}

/// The JSON type of a value, for messages (`expected a string, found number`).
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON string, refusing numbers and booleans (poem-openapi would quietly turn `5` into "5").
pub(super) fn json_string(value: Option<Value>) -> Result<String, String> {
    match value {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("expected a string, found {}", kind(&other))),
        None => Err("is required".into()),
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $multiline:expr, $pattern:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name<const MAX: usize>(pub String);

        impl<const MAX: usize> $name<MAX> {
            pub fn parse(s: String) -> Result<Self, String> {
                match text_problem(&s, MAX, $multiline) {
                    Some(problem) => Err(problem),
                    None => Ok($name(s)),
                }
            }

            pub fn into_inner(self) -> String {
                self.0
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> Deref for $name<MAX> {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> From<$name<MAX>> for String {
            fn from(t: $name<MAX>) -> String {
                t.0
            }
        }

        impl<const MAX: usize> Type for $name<MAX> {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                "string".into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    max_length: Some(MAX),
                    pattern: Some($pattern.to_string()),
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

        impl<const MAX: usize> ParseFromJSON for $name<MAX> {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                json_string(value)
                    .and_then(Self::parse)
                    .map_err(ParseError::custom)
            }
        }

        impl<const MAX: usize> ParseFromParameter for $name<MAX> {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Self::parse(value.to_string()).map_err(ParseError::custom)
            }
        }

        impl<const MAX: usize> ToJSON for $name<MAX> {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.0.clone()))
            }
        }
    };
}

text_type!(
    /// One line of text: no control characters, at most `MAX` characters.
    Line,
    false,
    LINE_PATTERN
);
text_type!(
    /// Text that may span lines (tab, LF, CR allowed; no other control character), at most `MAX`
    /// characters.
    Text,
    true,
    TEXT_PATTERN
);

/// Names, labels, identifiers a tenant chooses.
pub type Name = Line<100>;
/// Short free text (URLs, offers, template strings).
pub type Short = Line<2048>;
/// An id or code in a path or query.
pub type IdText = Line<200>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_refuses_nul_and_control_characters_but_keeps_newlines_where_allowed() {
        assert!(Line::<10>::parse_from_json(Some(json!("a\u{0}b"))).is_err());
        assert!(Line::<10>::parse_from_json(Some(json!("a\nb"))).is_err());
        assert!(Text::<10>::parse_from_json(Some(json!("a\nb\tc"))).is_ok());
        assert!(Text::<10>::parse_from_json(Some(json!("a\u{1b}b"))).is_err());
        assert!(Line::<3>::parse_from_json(Some(json!("abcd"))).is_err());
        assert!(Line::<3>::parse_from_json(Some(json!("äöü"))).is_ok());
        assert!(Line::<3>::parse_from_json(Some(json!(5))).is_err());
        assert!(Line::<3>::parse_from_parameter("a\u{7f}").is_err());
    }
}

//! The types every surface takes at its edge, so each rule is written once and declared in the
//! spec by the type itself: text without control characters and with a maximum length, bounded
//! integers (paging, lifetimes), emails, and times on the wire (RFC 3339, UTC, `Z`, at most
//! microseconds).
//!
//! Invariants: a `Line`/`Text` never holds NUL or another control character (`Text` allows tab,
//! line feed and carriage return), so the same input is refused the same way on SQLite and
//! PostgreSQL; a bounded integer is inside its declared range, so no offset can overflow the
//! database; a `Timestamp` shows the same digits whichever database stored it.
use std::borrow::Cow;
use std::ops::Deref;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

use crate::domain::values::Email;

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

fn kind(v: &Value) -> &'static str {
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
fn json_string(value: Option<Value>) -> Result<String, String> {
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

macro_rules! bounded_int {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub i64);

        impl $name {
            pub const MIN: i64 = $min;
            pub const MAX: i64 = $max;

            fn check(n: i64) -> Result<Self, String> {
                if (Self::MIN..=Self::MAX).contains(&n) {
                    Ok($name(n))
                } else {
                    Err(format!(
                        "must be between {} and {}, found {n}",
                        Self::MIN,
                        Self::MAX
                    ))
                }
            }
        }

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                "integer_int64".into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    minimum: Some(Self::MIN as f64),
                    maximum: Some(Self::MAX as f64),
                    ..MetaSchema::new_with_format("integer", "int64")
                }))
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::Number(n)) => match n.as_i64() {
                        Some(n) => Self::check(n).map_err(ParseError::custom),
                        None => Err(ParseError::custom(format!(
                            "must be an integer between {} and {}, found {n}",
                            Self::MIN,
                            Self::MAX
                        ))),
                    },
                    Some(other) => Err(ParseError::custom(format!(
                        "expected an integer, found {}",
                        kind(&other)
                    ))),
                    None => Err(ParseError::custom("is required")),
                }
            }
        }

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                let n: i64 = value.trim().parse().map_err(|_| {
                    ParseError::custom(format!(
                        "must be an integer between {} and {}, found `{value}`",
                        Self::MIN,
                        Self::MAX
                    ))
                })?;
                Self::check(n).map_err(ParseError::custom)
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(Value::from(self.0))
            }
        }

        impl From<$name> for i64 {
            fn from(n: $name) -> i64 {
                n.0
            }
        }
    };
}

/// A page request from the `page` and `limit` parameters (defaults 1 and 20).
pub fn page_req(
    page: Option<PageNumber>,
    limit: Option<PageLimit>,
) -> crate::error::Result<crate::domain::PageReq> {
    crate::domain::PageReq::parse(page.map(|p| p.0), limit.map(|l| l.0))
}

/// The largest page number: with at most 100 rows a page, every offset fits the databases.
pub const MAX_PAGE: i64 = 1_000_000_000;
/// The largest 003 `offset` (the same bound as the last row of the last page).
pub const MAX_OFFSET: i64 = 100_000_000_000;

bounded_int!(
    /// A page number, from 1.
    PageNumber,
    1,
    MAX_PAGE
);
bounded_int!(
    /// Rows per page, 1–100.
    PageLimit,
    1,
    100
);
bounded_int!(
    /// Rows to skip (003 `offset`).
    Offset,
    0,
    MAX_OFFSET
);
bounded_int!(
    /// Rows to answer (003 `count`), 1–100.
    Count,
    1,
    100
);
bounded_int!(
    /// Lifetime of member access URLs in minutes, 1–43200 (30 days).
    ExpireMinutes,
    1,
    43_200
);
bounded_int!(
    /// A rule's eligibility delay in days, 0–3650.
    HoldDays,
    0,
    3650
);

impl Type for Email {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_email".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            max_length: Some(Email::MAX_LEN),
            ..MetaSchema::new_with_format("string", "email")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Email {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let s = json_string(value).map_err(ParseError::custom)?;
        Email::parse(&s).map_err(ParseError::custom)
    }
}

impl ParseFromParameter for Email {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Email::parse(value).map_err(ParseError::custom)
    }
}

impl ToJSON for Email {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.as_str().to_string()))
    }
}

/// A time on the wire: RFC 3339 in UTC with `Z`, at most microseconds (`2026-01-10T09:00:00Z`,
/// `2026-01-10T09:00:00.080204Z`). Input may carry any offset; it is converted to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn into_inner(self) -> DateTime<Utc> {
        self.0
    }

    /// The wire form of a time.
    pub fn format(t: &DateTime<Utc>) -> String {
        t.trunc_subsecs(6)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| Timestamp(t.with_timezone(&Utc).trunc_subsecs(6)))
        .map_err(|_| format!("must be an RFC 3339 date-time, found `{s}`"))
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let s = json_string(value).map_err(ParseError::custom)?;
        parse_time(&s).map_err(ParseError::custom)
    }
}

impl ParseFromParameter for Timestamp {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        parse_time(value).map_err(ParseError::custom)
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(Timestamp::format(&self.0)))
    }
}

/// `Option<DateTime<Utc>>` → `Option<Timestamp>`, for view conversions.
pub fn ts(t: Option<DateTime<Utc>>) -> Option<Timestamp> {
    t.map(Timestamp)
}

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

    #[test]
    fn bounded_integers_refuse_what_the_database_cannot_take() {
        assert!(PageNumber::parse_from_parameter("9223372036854775807").is_err());
        assert!(PageNumber::parse_from_parameter("0").is_err());
        assert_eq!(
            PageNumber::parse_from_parameter("7").unwrap(),
            PageNumber(7)
        );
        assert!(PageLimit::parse_from_json(Some(json!(101))).is_err());
        assert!(Offset::parse_from_json(Some(json!(1.5))).is_err());
    }

    #[test]
    fn times_are_utc_with_z_and_at_most_microseconds() {
        let t =
            Timestamp::parse_from_json(Some(json!("2026-01-10T10:00:00.123456789+01:00"))).unwrap();
        assert_eq!(t.to_json().unwrap(), json!("2026-01-10T09:00:00.123456Z"));
        let whole = Timestamp::parse_from_parameter("2026-01-10T09:00:00Z").unwrap();
        assert_eq!(whole.to_json().unwrap(), json!("2026-01-10T09:00:00Z"));
        assert!(Timestamp::parse_from_parameter("yesterday").is_err());
    }
}

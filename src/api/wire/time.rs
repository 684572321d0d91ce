//! Times (RFC 3339, UTC, `Z`, at most microseconds) and emails on the wire.
use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

use super::json_string;
use crate::domain::values::Email;

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
    fn times_are_utc_with_z_and_at_most_microseconds() {
        let t =
            Timestamp::parse_from_json(Some(json!("2026-01-10T10:00:00.123456789+01:00"))).unwrap();
        assert_eq!(t.to_json().unwrap(), json!("2026-01-10T09:00:00.123456Z"));
        let whole = Timestamp::parse_from_parameter("2026-01-10T09:00:00Z").unwrap();
        assert_eq!(whole.to_json().unwrap(), json!("2026-01-10T09:00:00Z"));
        assert!(Timestamp::parse_from_parameter("yesterday").is_err());
    }
}

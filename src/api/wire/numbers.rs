//! Bounded integers: paging, lifetimes, delays. Each refuses what is outside its declared range,
//! so no value can overflow what the database takes.
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

use super::kind;

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

bounded_int!(
    /// Referrals one simulation replays, 1–200.
    SimulateLimit,
    1,
    200
);

bounded_int!(
    /// Rows per BPM page (000/001): from 1; values above 100 read as 100.
    BpmPageSize,
    1,
    MAX_PAGE
);

bounded_int!(
    /// A numeric id of the BPM surface (000/001): from 1, within what JSON numbers carry
    /// exactly.
    NumericId,
    1,
    9_007_199_254_740_991
);

bounded_int!(
    /// An employee status (000): 1 active (enabled), 0 inactive (disabled).
    EmployeeStatusCode,
    0,
    1
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}

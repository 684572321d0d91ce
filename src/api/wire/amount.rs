//! A decimal amount on the wire (003's `amount`): a JSON number ≥ 0, kept as its decimal text so
//! the domain parses it exactly into minor units of the right currency (`values::parse_money`);
//! no f64 arithmetic ever touches it.
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

use super::kind;

/// A non-negative decimal amount in major units, as its exact decimal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount(pub String);

impl Amount {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<Amount> for String {
    fn from(a: Amount) -> String {
        a.0
    }
}

impl Type for Amount {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "number_amount".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("number");
        schema.minimum = Some(0.0);
        schema.maximum = Some(999_999_999_999.0);
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Amount {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Number(n)) => {
                // Signs, too many decimals and exponent forms (huge or tiny floats) are left
                // to `values::parse_money`, which refuses them naming the field.
                Ok(Amount(n.to_string()))
            }
            Some(other) => Err(ParseError::custom(format!(
                "expected a number, found {}",
                kind(&other)
            ))),
            None => Err(ParseError::custom("expected a number")),
        }
    }
}

impl ToJSON for Amount {
    fn to_json(&self) -> Option<Value> {
        self.0.parse::<f64>().ok().map(|f| serde_json::json!(f))
    }
}

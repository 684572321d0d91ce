//! The 003 ReferralQuery object (primaryInfo, secondaryInfo, tertiaryInfo, fuzzyInfo) in every
//! key casing clients send, folded into the official one before parsing.
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::Object;

use super::referral_types::s;
use crate::api::wire::Line;
use crate::domain::referrals::ReferralQuery;

#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralPrimaryInfo {
    pub referral_id: Option<Line<200>>,
}

#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralSecondaryInfo {
    pub external_identifier: Option<Line<200>>,
    pub email: Option<Line<254>>,
    pub phone_number: Option<Line<200>>,
}

/// The program, by id, name or title. The official samples' PascalCase keys; the camelCase
/// ones some clients send (`programId`, …) are accepted too (see `RrReferralQuery`).
#[derive(Object, Clone, Default)]
#[oai(rename_all = "PascalCase")]
pub struct RrReferralTertiaryInfo {
    pub program_id: Option<Line<200>>,
    pub program_name: Option<Line<200>>,
    pub program_title: Option<Line<200>>,
}

/// A referral id, email or external id; `Identifier` (official) or `identifier`.
#[derive(Object, Clone, Default)]
#[oai(rename_all = "PascalCase")]
pub struct RrReferralFuzzyInfo {
    pub identifier: Option<Line<254>>,
}

/// ReferralQuery (003) as the spec declares it; parsed through `RrReferralQuery`.
#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase", rename = "RrReferralQuery")]
pub struct RrReferralQueryObject {
    pub primary_info: Option<RrReferralPrimaryInfo>,
    pub secondary_info: Option<RrReferralSecondaryInfo>,
    pub tertiary_info: Option<RrReferralTertiaryInfo>,
    pub fuzzy_info: Option<RrReferralFuzzyInfo>,
}

/// ReferralQuery (003): primaryInfo, or secondaryInfo together with tertiaryInfo, or fuzzyInfo.
///
/// Clients disagree on the casing of `tertiaryInfo` and `fuzzyInfo` keys (REFERENCE-003 §9.6):
/// the spec declares the official PascalCase ones, and parsing first folds the camelCase ones
/// into them (a generated client could not hold both spellings as fields).
#[derive(Clone, Default)]
pub struct RrReferralQuery(pub RrReferralQueryObject);

const FOLDED: [(&str, &[(&str, &str)]); 2] = [
    (
        "tertiaryInfo",
        &[
            ("programId", "ProgramId"),
            ("programName", "ProgramName"),
            ("programTitle", "ProgramTitle"),
        ],
    ),
    ("fuzzyInfo", &[("identifier", "Identifier")]),
];

fn fold_keys(mut value: serde_json::Value) -> serde_json::Value {
    for (section, keys) in FOLDED {
        if let Some(obj) = value.get_mut(section).and_then(|v| v.as_object_mut()) {
            for (lower, pascal) in keys {
                if let Some(v) = obj.remove(*lower) {
                    obj.entry(pascal.to_string()).or_insert(v);
                }
            }
        }
    }
    value
}

impl Type for RrReferralQuery {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        RrReferralQueryObject::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        RrReferralQueryObject::schema_ref()
    }

    fn register(registry: &mut Registry) {
        RrReferralQueryObject::register(registry)
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for RrReferralQuery {
    fn parse_from_json(value: Option<serde_json::Value>) -> ParseResult<Self> {
        RrReferralQueryObject::parse_from_json(value.map(fold_keys))
            .map(RrReferralQuery)
            .map_err(ParseError::propagate)
    }
}

impl ToJSON for RrReferralQuery {
    fn to_json(&self) -> Option<serde_json::Value> {
        self.0.to_json()
    }
}

impl From<&RrReferralQuery> for ReferralQuery {
    fn from(q: &RrReferralQuery) -> Self {
        let q = &q.0;
        let p = q.primary_info.clone().unwrap_or_default();
        let s2 = q.secondary_info.clone().unwrap_or_default();
        let t = q.tertiary_info.clone().unwrap_or_default();
        let f = q.fuzzy_info.clone().unwrap_or_default();
        ReferralQuery {
            referral_id: s(p.referral_id),
            external_id: s(s2.external_identifier),
            email: s(s2.email),
            phone: s(s2.phone_number),
            program_id: s(t.program_id),
            program_name: s(t.program_name),
            program_title: s(t.program_title),
            identifier: s(f.identifier),
        }
    }
}

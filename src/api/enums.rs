//! Closed sets on the wire, as real enums in the spec. Each maps to the text the domain stores;
//! a stored value outside the set is an internal error (never shown as something else).
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::Enum;
use serde_json::Value;

use crate::error::AppError;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(#[oai(rename = $text)] $variant,)+
        }

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant for a value the domain stored.
            pub fn from_stored(s: &str) -> Result<Self, AppError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(AppError::Internal(format!(
                        "stored {} `{other}` is not one of the declared values",
                        stringify!($name)
                    ))),
                }
            }
        }
    };
}

wire_enum!(
    /// A key's role.
    KeyRole {
        Owner = "owner",
        Admin = "admin",
        Developer = "developer",
        Analyst = "analyst",
        Support = "support",
    }
);

wire_enum!(
    /// What a script returns: `condition` (true/false), `amount` (minor units), `fraud` (a verdict).
    ScriptKind {
        Condition = "condition",
        Amount = "amount",
        Fraud = "fraud",
    }
);

wire_enum!(
    /// Who a rule rewards: the referrer (`member`) or the referred customer (`referral`).
    Recipient {
        Member = "member",
        Referral = "referral",
    }
);

wire_enum!(
    /// When a rule is evaluated.
    Trigger {
        ReferralCreated = "referral_created",
        ReferralQualified = "referral_qualified",
        ReferralApproved = "referral_approved",
        Purchase = "purchase",
    }
);

wire_enum!(
    /// How a rule's amount is computed.
    RewardKind {
        Fixed = "fixed",
        Percent = "percent",
        Script = "script",
    }
);

/// How a condition compares. The spec lists the words (generators cannot name `>=`); the
/// symbols `> >= < <= = !=` are accepted too, and answers always use the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison(&'static str);

impl Comparison {
    const WORDS: [(&'static str, &'static str); 6] = [
        ("gt", ">"),
        ("ge", ">="),
        ("lt", "<"),
        ("le", "<="),
        ("eq", "="),
        ("ne", "!="),
    ];

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    fn parse(s: &str) -> Option<Self> {
        Self::WORDS
            .iter()
            .find(|(word, symbol)| s == *word || s == *symbol)
            .map(|(word, _)| Comparison(word))
    }

    /// The comparison the domain stored.
    pub fn from_stored(s: &str) -> Result<Self, AppError> {
        Self::parse(s).ok_or_else(|| AppError::Internal(format!("stored comparison `{s}`")))
    }
}

impl Type for Comparison {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "Comparison".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            enum_items: Self::WORDS.iter().map(|(w, _)| Value::from(*w)).collect(),
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

impl ParseFromJSON for Comparison {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Self::parse(&s).ok_or_else(|| {
                ParseError::custom(format!(
                    "must be one of gt, ge, lt, le, eq, ne (or > >= < <= = !=), found `{s}`"
                ))
            }),
            _ => Err(ParseError::custom("expected a string")),
        }
    }
}

impl ToJSON for Comparison {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.0))
    }
}

wire_enum!(
    /// `none`: the condition is an AND term of its own; `new`: it joins the group `groupname`.
    ConditionGroup {
        None = "none",
        New = "new",
    }
);

wire_enum!(
    /// A member's state (003).
    MemberStatus {
        Active = "Active",
        Disabled = "Disabled",
        Removed = "Removed",
    }
);

wire_enum!(
    /// The outcome of one item of a bulk call (003 `resultInfo.status`).
    ItemStatus {
        Success = "Success",
        NotFound = "NotFound",
        Ambiguous = "Ambiguous",
        InvalidQuery = "InvalidQuery",
        Failed = "Failed",
    }
);

wire_enum!(
    /// The 003 member list orders.
    MemberSort {
        CreateDtDesc = "Create_Dt_Desc",
        CreateDtAsc = "Create_Dt_Asc",
        MemberFullNameAsc = "Member_Full_Name_Asc",
        MemberFullNameDesc = "Member_Full_Name_Desc",
        LeadCountAsc = "Lead_Count_Asc",
        LeadCountDesc = "Lead_Count_Desc",
        RewardIssuedTotalAsc = "Reward_Issued_Total_Asc",
        RewardIssuedTotalDesc = "Reward_Issued_Total_Desc",
    }
);

wire_enum!(
    /// The 003 member statistics periods.
    StatsPeriod {
        All = "All",
        MonthToDate = "MonthToDate",
        LastMonth = "LastMonth",
        Last7Days = "Last7Days",
        Last30Days = "Last30Days",
    }
);

wire_enum!(
    /// Machine-readable error codes, the same on every JSON surface.
    ErrorCode {
        InvalidInput = "invalid_input",
        Unauthorized = "unauthorized",
        Forbidden = "forbidden",
        NotFound = "not_found",
        MethodNotAllowed = "method_not_allowed",
        Conflict = "conflict",
        Unprocessable = "unprocessable",
        TooManyRequests = "too_many_requests",
        RateLimited = "rate_limited",
        UpstreamUnavailable = "upstream_unavailable",
        Internal = "internal",
    }
);

wire_enum!(
    /// The func surface's error types (002), plus `method_not_allowed` for a wrong HTTP method
    /// and `rate_limited` past the org's rate limit.
    FuncErrorType {
        Missed = "missed",
        Value = "value",
        Missing = "missing",
        Exists = "exists",
        Access = "access",
        Auth = "auth",
        Unknownfunc = "unknownfunc",
        Busy = "busy",
        Internal = "internal",
        MethodNotAllowed = "method_not_allowed",
        RateLimited = "rate_limited",
    }
);

wire_enum!(
    /// Health: `ok`, or `unavailable` when a dependency is down.
    HealthStatus {
        Ok = "ok",
        Unavailable = "unavailable",
    }
);

impl ErrorCode {
    /// The code of an internal error (total: every variant has one).
    pub fn of(err: &AppError) -> ErrorCode {
        match err {
            AppError::Invalid { .. } | AppError::Missing { .. } => ErrorCode::InvalidInput,
            AppError::Unprocessable { .. } => ErrorCode::Unprocessable,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Busy(_) => ErrorCode::TooManyRequests,
            AppError::Upstream(_) => ErrorCode::UpstreamUnavailable,
            AppError::Internal(_) | AppError::Db(_) => ErrorCode::Internal,
        }
    }
}

// payouts: reward and payout values of the 003 surface.
wire_enum!(
    /// A reward's state (003): Pending → Processing → Issued, plus Held and Cancelled.
    RewardStatus {
        Pending = "Pending",
        Processing = "Processing",
        Issued = "Issued",
        Held = "Held",
        Cancelled = "Cancelled",
    }
);

wire_enum!(
    /// Whom a reward pays: the referring member or the referral (003 `type`).
    RewardRecipientType {
        Member = "Member",
        Referral = "Referral",
    }
);

wire_enum!(
    /// The 003 reward list orders (`Reward_Action`: by amount; `Complete_Dt`: by issue date,
    /// unissued rewards last).
    RewardSort {
        CreateDtAsc = "Create_Dt_Asc",
        CreateDtDesc = "Create_Dt_Desc",
        RewardActionDesc = "Reward_Action_Desc",
        RewardActionAsc = "Reward_Action_Asc",
        RecipientNameDesc = "Recipient_Name_Desc",
        RecipientNameAsc = "Recipient_Name_Asc",
        CompleteDtDesc = "Complete_Dt_Desc",
        CompleteDtAsc = "Complete_Dt_Asc",
    }
);

wire_enum!(
    /// How a rule computes its amount (003 `reward.amountCalculationMethod`).
    AmountCalculationMethod {
        Fixed = "Fixed",
        Percent = "Percent",
        Script = "Script",
    }
);

wire_enum!(
    /// The referral status a rule fires on (003 `trigger.referralStatus`).
    RuleReferralStatus {
        Pending = "Pending",
        Qualified = "Qualified",
        Approved = "Approved",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_agree_with_the_internal_error() {
        for err in [
            AppError::invalid("f", "bad"),
            AppError::missing("f", "is required"),
            AppError::not_found("x"),
            AppError::conflict("x"),
            AppError::Busy("x".into()),
            AppError::Internal("x".into()),
        ] {
            assert_eq!(ErrorCode::of(&err).as_str(), err.code());
        }
    }

    #[test]
    fn stored_values_outside_the_set_are_internal_errors() {
        assert_eq!(Trigger::from_stored("purchase").unwrap(), Trigger::Purchase);
        assert!(matches!(
            Trigger::from_stored("sometimes"),
            Err(AppError::Internal(_))
        ));
    }
}

wire_enum!(
    /// A referral's status as the 003 surface answers it (capitalised, as the vendor does).
    ReferralStatusName {
        Pending = "Pending",
        Qualified = "Qualified",
        Approved = "Approved",
        Denied = "Denied",
    }
);

wire_enum!(
    /// The 003 referral list orders (Closed = approved or denied, by when).
    ReferralSort {
        CreateDtDesc = "Create_Dt_Desc",
        CreateDtAsc = "Create_Dt_Asc",
        AmountDesc = "Amount_Desc",
        AmountAsc = "Amount_Asc",
        QualifiedDtDesc = "Qualified_Dt_Desc",
        QualifiedDtAsc = "Qualified_Dt_Asc",
        ClosedDtDesc = "Closed_Dt_Desc",
        ClosedDtAsc = "Closed_Dt_Asc",
    }
);

//! The read-only facts a script sees, as typed objects with getters only:
//! `referral`, `referrer`, `program` and `event` (money in integer minor units, times RFC 3339).
use chrono::{DateTime, Datelike, Timelike, Utc};
use rhai::{Engine, EvalAltResult, ImmutableString, Scope, INT};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferralFacts {
    pub id: String,
    pub email: String,
    /// pending, qualified, approved or denied.
    pub status: String,
    /// The referral's amount (e.g. first purchase), minor units.
    pub amount: INT,
    /// Purchases the referral has made.
    pub purchases: INT,
    /// Services or items the referral has bought.
    pub items: INT,
    /// The referral's sales volume, minor units.
    pub sales: INT,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferrerFacts {
    pub id: String,
    pub email: String,
    /// Referrals brought so far.
    pub referral_count: INT,
    /// Sales volume of all their referrals, minor units.
    pub total_sales: INT,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgramFacts {
    pub name: String,
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFacts {
    /// referral_created, referral_qualified, referral_approved or purchase.
    pub kind: String,
    /// The purchase or referral amount of this event, minor units.
    pub amount: INT,
    /// When it happened (RFC 3339).
    pub at: String,
}

/// Everything a script may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptFacts {
    pub referral: ReferralFacts,
    pub referrer: ReferrerFacts,
    pub program: ProgramFacts,
    pub event: EventFacts,
}

impl ScriptFacts {
    /// Declares the fact names as plain variables (for compiling under strict variables).
    pub fn declare_in(&self, scope: &mut Scope) {
        scope.push("referral", self.referral.clone());
        scope.push("referrer", self.referrer.clone());
        scope.push("program", self.program.clone());
        scope.push("event", self.event.clone());
    }

    /// Puts the facts into a run's scope as constants: scripts cannot reassign them.
    pub fn push_into(&self, scope: &mut Scope) {
        scope.push_constant("referral", self.referral.clone());
        scope.push_constant("referrer", self.referrer.clone());
        scope.push_constant("program", self.program.clone());
        scope.push_constant("event", self.event.clone());
    }
}

fn domain_of(email: &str) -> String {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, Box<EvalAltResult>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{s}` is not an RFC 3339 time").into())
}

/// Registers the fact types (getters only: scripts cannot change facts) and the helpers.
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<ReferralFacts>("Referral")
        .register_get("id", |r: &mut ReferralFacts| r.id.clone())
        .register_get("email", |r: &mut ReferralFacts| r.email.clone())
        .register_get("email_domain", |r: &mut ReferralFacts| domain_of(&r.email))
        .register_get("status", |r: &mut ReferralFacts| r.status.clone())
        .register_get("amount", |r: &mut ReferralFacts| r.amount)
        .register_get("purchases", |r: &mut ReferralFacts| r.purchases)
        .register_get("items", |r: &mut ReferralFacts| r.items)
        .register_get("sales", |r: &mut ReferralFacts| r.sales)
        .register_get("created_at", |r: &mut ReferralFacts| r.created_at.clone());
    engine
        .register_type_with_name::<ReferrerFacts>("Referrer")
        .register_get("id", |r: &mut ReferrerFacts| r.id.clone())
        .register_get("email", |r: &mut ReferrerFacts| r.email.clone())
        .register_get("email_domain", |r: &mut ReferrerFacts| domain_of(&r.email))
        .register_get("referral_count", |r: &mut ReferrerFacts| r.referral_count)
        .register_get("total_sales", |r: &mut ReferrerFacts| r.total_sales);
    engine
        .register_type_with_name::<ProgramFacts>("Program")
        .register_get("name", |p: &mut ProgramFacts| p.name.clone())
        .register_get("currency", |p: &mut ProgramFacts| p.currency.clone());
    engine
        .register_type_with_name::<EventFacts>("Event")
        .register_get("kind", |e: &mut EventFacts| e.kind.clone())
        .register_get("amount", |e: &mut EventFacts| e.amount)
        .register_get("at", |e: &mut EventFacts| e.at.clone())
        // 1 = Monday … 7 = Sunday, in UTC.
        .register_get(
            "weekday",
            |e: &mut EventFacts| -> Result<INT, Box<EvalAltResult>> {
                Ok(parse_time(&e.at)?.weekday().number_from_monday() as INT)
            },
        )
        .register_get(
            "hour",
            |e: &mut EventFacts| -> Result<INT, Box<EvalAltResult>> {
                Ok(parse_time(&e.at)?.hour() as INT)
            },
        );
    // Whole days from one RFC 3339 time to another.
    engine.register_fn(
        "days_between",
        |from: ImmutableString, to: ImmutableString| -> Result<INT, Box<EvalAltResult>> {
            Ok((parse_time(&to)? - parse_time(&from)?).num_days())
        },
    );
    // The domain part of an email address, lower-cased.
    engine.register_fn("email_domain", |email: ImmutableString| domain_of(&email));
}

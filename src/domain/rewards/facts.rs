//! The facts a rule decides on, built from rows as they stand at one moment: the engine passes
//! the current rows, simulation the rows as they were (orders up to then, the referral count up
//! to that referral). A pure function: no I/O, so both paths see exactly the same facts.
use chrono::{DateTime, Utc};
use serde_json::json;

use super::Trigger;
use crate::rules::{Facts, Order};
use crate::scripting::facts::{EventFacts, ProgramFacts, ReferralFacts, ReferrerFacts};
use crate::scripting::ScriptFacts;
use crate::store::members::MemberRow;
use crate::store::referrer::OrderRow;
use crate::store::rewards::ReferralRow;

/// Everything known at the moment a trigger fires.
pub(in crate::domain) struct Moment<'a> {
    pub referral: &'a ReferralRow,
    /// The referral's status at that moment (lower case).
    pub status: &'a str,
    pub member: &'a MemberRow,
    pub program_name: &'a str,
    pub program_currency: &'a str,
    /// The member's live referrals up to and including this one.
    pub referral_count: i64,
    /// Purchases of all the member's referrals known at that moment.
    pub orders: &'a [OrderRow],
    pub trigger: Trigger,
    /// The purchase amount (purchases) or the referral's amount (status triggers), minor units.
    pub event_amount: i64,
    pub at: DateTime<Utc>,
}

/// A time as scripts and explanations show it (RFC 3339, UTC).
pub(in crate::domain) fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn order(a: &OrderRow) -> Order {
    Order {
        amount_minor: a.amount_minor,
        items: a.items,
        at: a.created_at,
    }
}

/// The evaluator's facts and what scripts see.
pub(in crate::domain) fn gather(m: &Moment) -> (Facts, ScriptFacts) {
    let all: Vec<Order> = m.orders.iter().map(order).collect();
    let mine: Vec<Order> = m
        .orders
        .iter()
        .filter(|a| a.referral_id == m.referral.id)
        .map(order)
        .collect();
    let sum = |list: &[Order]| {
        list.iter()
            .fold(0i64, |s, o| s.saturating_add(o.amount_minor))
    };
    let items = mine.iter().fold(0i64, |s, o| s.saturating_add(o.items));
    let script_facts = ScriptFacts {
        referral: ReferralFacts {
            id: m.referral.public_id.clone(),
            email: m.referral.email.clone().unwrap_or_default(),
            status: m.status.to_string(),
            amount: m.referral.amount_minor.unwrap_or(0),
            purchases: mine.len() as i64,
            items,
            sales: sum(&mine),
            created_at: rfc3339(&m.referral.created_at),
        },
        referrer: ReferrerFacts {
            id: m.member.public_id.clone(),
            email: m.member.email.clone().unwrap_or_default(),
            referral_count: m.referral_count,
            total_sales: sum(&all),
        },
        program: ProgramFacts {
            name: m.program_name.to_string(),
            currency: m.program_currency.to_string(),
        },
        event: EventFacts {
            kind: m.trigger.rule_trigger().to_string(),
            amount: m.event_amount,
            at: rfc3339(&m.at),
        },
    };
    let facts = Facts {
        now: m.at,
        referral_orders: mine,
        all_referral_orders: all,
        referrer_referral_count: m.referral_count,
        script_results: Default::default(),
    };
    (facts, script_facts)
}

/// The facts as an explanation records them.
pub(in crate::domain) fn summary(facts: &Facts, script_facts: &ScriptFacts) -> serde_json::Value {
    json!({
        "at": rfc3339(&facts.now),
        "referrer_referral_count": facts.referrer_referral_count,
        "referral_orders": facts.referral_orders.len(),
        "referral_sales_minor": script_facts.referral.sales,
        "referral_items": script_facts.referral.items,
        "all_referral_orders": facts.all_referral_orders.len(),
        "all_referral_sales_minor": script_facts.referrer.total_sales,
        "event": {"kind": script_facts.event.kind, "amount_minor": script_facts.event.amount, "at": script_facts.event.at},
        "script_facts": script_facts,
    })
}

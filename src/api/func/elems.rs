//! How the func surface shows programs, rules and conditions: 002's `elem` objects, every value
//! a string, booleans `"on"` or absent, empty fields left out.
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::domain::programs::ProgramView;
use crate::domain::rules::{ConditionView, RuleView};

pub(super) fn on(b: bool) -> Option<Value> {
    b.then(|| json!("on"))
}

pub(super) fn day(t: Option<DateTime<Utc>>) -> Option<Value> {
    t.map(|t| json!(t.format("%Y-%m-%d").to_string()))
}

/// An object of the given values, leaving out the absent ones (002 omits empty fields).
pub(super) fn elem(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect::<Map<_, _>>(),
    )
}

pub(super) fn s(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|v| json!(v))
}

pub(super) fn program_elem(p: &ProgramView) -> Value {
    elem(vec![
        ("id", Some(json!(p.number.to_string()))),
        ("name", Some(json!(p.name))),
        ("title", Some(json!(p.title))),
        ("project", Some(json!(p.project))),
        ("promocode", Some(json!(p.promocode))),
        ("url", s(&p.url)),
        ("start_date", day(p.start_date)),
        ("end_date", day(p.end_date)),
        ("assign_by_default", on(p.assign_by_default)),
        ("account_group", s(&p.account_group)),
        ("account_group_restrict", s(&p.account_group_restrict)),
        ("currency", Some(json!(p.currency))),
        ("is_active", on(p.is_active)),
    ])
}

pub(super) fn rule_elem(r: &RuleView) -> Value {
    elem(vec![
        ("id", Some(json!(r.number.to_string()))),
        ("plid", Some(json!(r.program_number.to_string()))),
        ("name", Some(json!(r.name))),
        ("enabled", on(r.enabled)),
        ("recipient", Some(json!(r.recipient))),
        ("trigger", Some(json!(r.trigger))),
        ("reward_kind", Some(json!(r.reward_kind))),
        ("amount", s(&r.amount)),
        ("amount_script_id", s(&r.amount_script_id)),
        ("currency", Some(json!(r.currency))),
        ("payout_id", s(&r.payout_id)),
        ("hold_days", Some(json!(r.hold_days.to_string()))),
        (
            "max_per_referral",
            r.max_per_referral.map(|n| json!(n.to_string())),
        ),
        (
            "max_per_member",
            r.max_per_member.map(|n| json!(n.to_string())),
        ),
        ("start_date", day(r.start_date)),
        ("end_date", day(r.end_date)),
        ("version", Some(json!(r.version.to_string()))),
    ])
}

pub(super) fn condition_elem(c: &ConditionView) -> Value {
    elem(vec![
        ("id", Some(json!(c.number.to_string()))),
        ("ctype", Some(json!(c.ctype.to_string()))),
        ("orderperiods", s(&c.orderperiods)),
        ("comparison", s(&c.comparison)),
        ("amount_ctype_1", s(&c.amount_ctype_1)),
        ("amount_ctype_4", s(&c.amount_ctype_4)),
        ("item_count", c.item_count.map(|n| json!(n.to_string()))),
        (
            "referral_count",
            c.referral_count.map(|n| json!(n.to_string())),
        ),
        ("group", Some(json!(c.group))),
        ("groupname", s(&c.groupname)),
        ("script_id", s(&c.script_id)),
    ])
}

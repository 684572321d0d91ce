//! Reward-rule conditions (seed 002 ctypes 0–4, plus 5 = a tenant script) and their evaluator.
//!
//! `evaluate` is a pure function of the rule's window, its conditions and the facts: it does no
//! I/O and runs no script (script outcomes arrive in `Facts::script_results`). Grouping follows
//! 002: conditions sharing a group name are OR-ed, groups are AND-ed, and an ungrouped condition
//! is an AND term of its own: `(A or B or C) and (D or E)`.
pub mod model;

pub use model::{CType, Comparison, Condition, Threshold};

use std::collections::HashMap;

use chrono::{DateTime, Months, Utc};
use serde::Serialize;

/// One order (a purchase) of a referral.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub amount_minor: i64,
    /// Services or items bought with this order.
    pub items: i64,
    pub at: DateTime<Utc>,
}

/// The rule's schedule: orders outside it never count.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleWindow {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl RuleWindow {
    /// The schedule includes `at` (both ends inclusive; a missing end is open).
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| at >= s) && self.end.is_none_or(|e| at <= e)
    }
}

/// Everything the conditions look at, gathered beforehand.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub now: DateTime<Utc>,
    /// Orders of the referral being rewarded.
    pub referral_orders: Vec<Order>,
    /// Orders of every referral of the referrer (including this one).
    pub all_referral_orders: Vec<Order>,
    /// Referrals the referrer has brought so far.
    pub referrer_referral_count: i64,
    /// Outcome of each condition script by script id (an error explains a failure).
    pub script_results: HashMap<String, Result<bool, String>>,
}

/// How one condition came out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionResult {
    pub id: String,
    pub ctype: u8,
    /// The value the condition measured (money in minor units, or a count).
    pub observed: Option<i64>,
    pub comparison: Option<String>,
    pub threshold: Option<i64>,
    pub passed: bool,
    pub note: Option<String>,
}

/// How one AND term came out: a named group (OR of its members) or a lone condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub group: Option<String>,
    pub conditions: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub passed: bool,
    pub conditions: Vec<ConditionResult>,
    pub groups: Vec<GroupResult>,
}

/// The part of the window the condition's `orderperiods` (months back from now) keeps.
fn period(
    window: &RuleWindow,
    months: Option<u32>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, DateTime<Utc>) {
    let back = months.and_then(|m| now.checked_sub_months(Months::new(m)));
    let start = match (window.start, back) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let end = window.end.map_or(now, |e| e.min(now));
    (start, end)
}

fn sales(orders: &[Order], window: &RuleWindow, months: Option<u32>, now: DateTime<Utc>) -> i64 {
    let (start, end) = period(window, months, now);
    orders
        .iter()
        .filter(|o| start.is_none_or(|s| o.at >= s) && o.at <= end)
        .fold(0i64, |sum, o| sum.saturating_add(o.amount_minor))
}

fn check(window: &RuleWindow, c: &Condition, facts: &Facts) -> ConditionResult {
    let measured = |observed: i64| {
        let threshold = c.threshold.value();
        let passed = match (c.comparison, threshold) {
            (Some(cmp), Some(t)) => cmp.holds(observed, t),
            _ => false,
        };
        ConditionResult {
            id: c.id.clone(),
            ctype: c.ctype as u8,
            observed: Some(observed),
            comparison: c.comparison.map(|x| x.as_str().to_string()),
            threshold,
            passed,
            note: None,
        }
    };
    match c.ctype {
        CType::None => ConditionResult {
            id: c.id.clone(),
            ctype: 0,
            observed: None,
            comparison: None,
            threshold: None,
            passed: true,
            note: Some("no condition".into()),
        },
        CType::ReferralSales => measured(sales(
            &facts.referral_orders,
            window,
            c.orderperiods,
            facts.now,
        )),
        CType::ItemsBought => measured(
            facts
                .referral_orders
                .iter()
                .fold(0i64, |sum, o| sum.saturating_add(o.items)),
        ),
        CType::ReferralCount => measured(facts.referrer_referral_count),
        CType::TotalSales => measured(sales(
            &facts.all_referral_orders,
            window,
            c.orderperiods,
            facts.now,
        )),
        CType::Script => {
            let outcome = c
                .script_id
                .as_ref()
                .and_then(|id| facts.script_results.get(id));
            let (passed, note) = match outcome {
                Some(Ok(v)) => (*v, Some(format!("script returned {v}"))),
                Some(Err(e)) => (false, Some(format!("script failed: {e}"))),
                None => (false, Some("script was not run".into())),
            };
            ConditionResult {
                id: c.id.clone(),
                ctype: 5,
                observed: None,
                comparison: None,
                threshold: None,
                passed,
                note,
            }
        }
    }
}

/// Decides whether the conditions hold, explaining each condition and each AND term.
pub fn evaluate(window: &RuleWindow, conditions: &[Condition], facts: &Facts) -> Decision {
    let results: Vec<ConditionResult> =
        conditions.iter().map(|c| check(window, c, facts)).collect();
    let mut groups: Vec<GroupResult> = Vec::new();
    for (c, r) in conditions.iter().zip(&results) {
        match &c.group {
            Some(name) => match groups
                .iter_mut()
                .find(|g| g.group.as_deref() == Some(name.as_str()))
            {
                Some(g) => {
                    g.conditions.push(c.id.clone());
                    g.passed |= r.passed;
                }
                None => groups.push(GroupResult {
                    group: Some(name.clone()),
                    conditions: vec![c.id.clone()],
                    passed: r.passed,
                }),
            },
            None => groups.push(GroupResult {
                group: None,
                conditions: vec![c.id.clone()],
                passed: r.passed,
            }),
        }
    }
    Decision {
        passed: groups.iter().all(|g| g.passed),
        conditions: results,
        groups,
    }
}

#[cfg(test)]
mod tests;

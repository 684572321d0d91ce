//! Rewards: created by a program's rules when a referral event happens (`apply_rules`), or by
//! hand; held, issued and paid out. Every rule reward is unique per (rule, referral, trigger) by
//! a database index, so a retried or concurrent event can never pay twice.
mod engine;
pub use engine::{fire, Plan, Subject};
pub mod explain;
pub(in crate::domain) mod facts;
pub mod purchases;
pub mod simulate;

use crate::domain::Ctx;
use crate::error::Result;
use crate::scripting::Scripts;
use crate::store::WriteTxn;

/// What happened to a referral that may reward: the rule `trigger` it matches, and the key that
/// makes the reward unique per (rule, referral, trigger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    ReferralCreated,
    ReferralQualified,
    ReferralApproved,
    /// A purchase (referral action) by its numeric id.
    Purchase {
        action_id: i64,
    },
}

impl Trigger {
    /// The rule `trigger` value this event fires.
    pub fn rule_trigger(&self) -> &'static str {
        match self {
            Trigger::ReferralCreated => "referral_created",
            Trigger::ReferralQualified => "referral_qualified",
            Trigger::ReferralApproved => "referral_approved",
            Trigger::Purchase { .. } => "purchase",
        }
    }

    /// A set of triggers as a bit mask (a cache key); purchases are one bit whatever the id.
    pub fn mask(triggers: &[Trigger]) -> u8 {
        triggers.iter().fold(0, |m, t| {
            m | match t {
                Trigger::ReferralCreated => 1,
                Trigger::ReferralQualified => 2,
                Trigger::ReferralApproved => 4,
                Trigger::Purchase { .. } => 8,
            }
        })
    }

    /// The reward's `trigger_key`: one reward per (rule, referral, key).
    pub fn key(&self) -> String {
        match self {
            Trigger::Purchase { action_id } => format!("purchase:{action_id}"),
            other => other.rule_trigger().to_string(),
        }
    }
}

/// Applies the enabled rules of the referral's program that fire on `trigger`, inside the
/// caller's write transaction, and answers the numeric ids of the rewards it created.
/// See `engine` for the guarantees: the referrer is locked (PostgreSQL), each script runs once
/// and a failing one counts as false (a `RuleScriptFailed` event), caps hold, and each (rule,
/// referral, trigger) rewards at most once. A removed or denied referral triggers nothing.
pub async fn apply_rules(
    ctx: &Ctx,
    txn: &WriteTxn,
    scripts: &Scripts,
    referral_id: i64,
    trigger: Trigger,
) -> Result<Vec<i64>> {
    engine::apply(ctx, txn, scripts, referral_id, trigger).await
}

// payouts: the 003 reward calls (list, manual rewards, update, issue, remove).
pub mod ledger;

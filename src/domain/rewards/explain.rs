//! "Why was this paid?": a reward's stored explanation (rule, version, trigger, facts,
//! decision, amount computation, script failures), or, for a manual reward, who made it.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::rules::ScriptFailure;
use crate::domain::{ids, Ctx};
use crate::error::{AppError, Result};
use crate::store::rewards as store;
use crate::store::Db;

#[derive(Debug, Clone, Serialize)]
pub struct RuleRef {
    pub id: String,
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub reward_id: String,
    /// `rule` (created by a rule) or `manual` (created by hand).
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Manual rewards: the key (or `system`) that created it, when known.
    pub created_by: Option<String>,
    pub rule: Option<RuleRef>,
    pub trigger: Option<String>,
    pub trigger_key: Option<String>,
    pub facts: Option<serde_json::Value>,
    pub decision: Option<serde_json::Value>,
    pub amount: Option<serde_json::Value>,
    pub script_failures: Vec<ScriptFailure>,
}

pub async fn explain(ctx: &Ctx, db: &Db, id: &str) -> Result<Explanation> {
    let id = id.trim();
    if !ids::has_prefix(id, "rwd") {
        return Err(AppError::invalid(
            "id",
            "is not a reward id (expected `rwd_…`)",
        ));
    }
    let row = store::find_reward(ctx, db.conn(), id).await?;
    let stored: serde_json::Value = row
        .explanation
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(serde_json::Value::Null);
    let mut out = Explanation {
        reward_id: row.public_id.clone(),
        kind: "manual".into(),
        amount_minor: row.amount_minor,
        currency: row.currency.clone(),
        status: row.status.clone(),
        description: row.description.clone(),
        created_at: row.created_at,
        created_by: None,
        rule: None,
        trigger: None,
        trigger_key: row.trigger_key.clone(),
        facts: None,
        decision: None,
        amount: None,
        script_failures: vec![],
    };
    if row.rule_id.is_some() && stored.is_object() {
        let field = |k: &str| stored.get(k).cloned().filter(|v| !v.is_null());
        out.kind = "rule".into();
        out.rule = stored.get("rule").map(|r| RuleRef {
            id: r["id"].as_str().unwrap_or_default().into(),
            name: r["name"].as_str().unwrap_or_default().into(),
            version: r["version"].as_i64().unwrap_or_default(),
        });
        out.trigger = stored["trigger"].as_str().map(Into::into);
        out.facts = field("facts");
        out.decision = field("decision");
        out.amount = field("amount");
        out.script_failures = field("script_failures")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
    } else {
        out.created_by = store::event_actor(ctx, db.conn(), "RewardAdd", &row.public_id).await?;
    }
    Ok(out)
}

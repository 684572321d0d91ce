//! Purchases (003 `POST /api/referralaction`): record one per external identifier and apply the
//! program's purchase rules in the same transaction.
//!
//! Exactly once: the insert is `ON CONFLICT DO NOTHING` on (org, external identifier); a replay
//! (also a concurrent one) answers the purchase recorded first and its rewards, writing nothing.
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{apply_rules, Trigger};
use crate::domain::referrals::identity;
use crate::domain::values::Email;
use crate::domain::{programs, values, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::programs::ProgramTable;
use crate::store::referral_actions::{self as store, NewAction};
use crate::store::referrals::{self as referral_store, Match};
use crate::store::rewards::{self as reward_store, RewardRow};
use crate::store::{events, scope, Db};

/// A purchase as 003 sends it (text; parsed here).
#[derive(Debug, Clone, Default)]
pub struct PurchaseInput {
    pub amount: String,
    /// Referral public id, email or external identifier.
    pub referral_query: String,
    /// Program id, name or title: narrows the referral lookup.
    pub program_query: Option<String>,
    pub name: Option<String>,
    pub external_identifier: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RewardBrief {
    pub id: String,
    pub amount_minor: i64,
    pub amount: String,
    pub currency: String,
    pub status: String,
    pub rule_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PurchaseView {
    /// False: the external identifier was recorded before; this is that purchase.
    pub created: bool,
    pub id: String,
    pub referral_id: String,
    pub program_id: Option<String>,
    pub amount_minor: i64,
    pub amount: String,
    pub currency: String,
    pub name: Option<String>,
    pub external_identifier: Option<String>,
    pub created_at: DateTime<Utc>,
    pub rewards: Vec<RewardBrief>,
}

pub async fn record(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    input: PurchaseInput,
) -> Result<PurchaseView> {
    let query = input.referral_query.trim();
    if query.is_empty() {
        return Err(AppError::missing("referralQuery", "is required"));
    }
    let name = values::opt_text("name", input.name.as_deref(), 200)?;
    let external = values::opt_text(
        "externalIdentifier",
        input.external_identifier.as_deref(),
        200,
    )?;
    // Money syntax first (400 before any lookup); the currency's decimals are checked below.
    values::parse_scaled("amount", &input.amount, 4)?;
    let txn = db.write(ctx).await?;
    let program = match input.program_query.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => Some(programs::resolve(ctx, &txn, "programQuery", q).await?),
        _ => None,
    };
    // The lookup `referrals` uses for plain strings (id, mailbox, external id), narrowed to
    // the program when one is named.
    let lookup = Match {
        public_id: Some(query.to_string()),
        external_id: Some(query.to_string()),
        email_key: Email::parse(query).ok().map(|e| identity::mailbox(&e)),
        any: true,
        program_ids: program.as_ref().map(|p| vec![p.id]),
        ..Default::default()
    };
    let mut found = referral_store::find_matching(ctx, &txn, &lookup, 2).await?;
    let referral = match found.len() {
        0 => return Err(AppError::not_found(format!("referral `{query}`"))),
        1 => found.remove(0),
        _ => {
            return Err(AppError::invalid(
                "referralQuery",
                format!(
                    "`{query}` matches several referrals; give the referral id or a programQuery"
                ),
            ))
        }
    };
    let program = match (program, referral.program_id) {
        (Some(p), _) => Some(p),
        (None, Some(id)) => scope::find_by_id::<ProgramTable>(ctx, &txn, id).await?,
        (None, None) => None,
    };
    let currency = program
        .as_ref()
        .map(|p| p.currency.clone())
        .or_else(|| referral.currency.clone())
        .unwrap_or_else(|| "USD".into());
    let amount_minor = values::parse_money("amount", &input.amount, &currency)?;
    let (action, created) = store::insert_once(
        ctx,
        &txn,
        NewAction {
            referral_id: referral.id,
            member_id: referral.member_id,
            program_id: referral.program_id,
            amount_minor,
            currency,
            name,
            external_identifier: external,
            created_at: crate::domain::clock::now(),
        },
    )
    .await?;
    if created {
        events::record(
            ctx,
            &txn,
            "ReferralActionAdd",
            &action.public_id,
            json!({"id": action.public_id, "referral_id": referral.public_id,
                   "amount": values::decimal(action.amount_minor, &action.currency),
                   "currency": action.currency, "name": action.name,
                   "external_identifier": action.external_identifier}),
        )
        .await?;
        apply_rules(
            ctx,
            &txn,
            scripts,
            referral.id,
            Trigger::Purchase {
                action_id: action.id,
            },
        )
        .await?;
    }
    let rewards = reward_store::rewards_of_action(ctx, &txn, action.id).await?;
    let rule_ids: Vec<i64> = rewards.iter().filter_map(|r| r.rule_id).collect();
    let rules = scope::find_many::<crate::store::rules::RuleTable>(ctx, &txn, rule_ids).await?;
    // The referral a replayed purchase names may differ from this request's lookup.
    let referral_public = if action.referral_id == referral.id {
        referral.public_id.clone()
    } else {
        scope::find_by_id::<reward_store::ReferralTable>(ctx, &txn, action.referral_id)
            .await?
            .map(|r| r.public_id)
            .unwrap_or_default()
    };
    let program_public = match action.program_id {
        Some(id) => scope::find_by_id::<ProgramTable>(ctx, &txn, id)
            .await?
            .map(|p| p.public_id),
        None => None,
    };
    if created {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    let brief = |r: &RewardRow| RewardBrief {
        id: r.public_id.clone(),
        amount_minor: r.amount_minor,
        amount: values::decimal(r.amount_minor, &r.currency),
        currency: r.currency.clone(),
        status: r.status.clone(),
        rule_id: r
            .rule_id
            .and_then(|id| rules.iter().find(|x| x.id == id))
            .map(|x| x.public_id.clone()),
    };
    Ok(PurchaseView {
        created,
        id: action.public_id.clone(),
        referral_id: referral_public,
        program_id: program_public,
        amount_minor: action.amount_minor,
        amount: values::decimal(action.amount_minor, &action.currency),
        currency: action.currency.clone(),
        name: action.name.clone(),
        external_identifier: action.external_identifier.clone(),
        created_at: action.created_at,
        rewards: rewards.iter().map(brief).collect(),
    })
}

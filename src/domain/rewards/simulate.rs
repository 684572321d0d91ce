//! Simulation: replays a program's referrals created in a window (one page of them) and their
//! status changes and purchases in time order, deciding each rule — the program's enabled rules
//! or candidate definitions in their place — on the facts as they were at that moment, and
//! compares what would have been awarded with what was.
//!
//! Invariants: it only reads (no transaction is opened), and it is bounded: at most 200
//! referrals a call, 20 candidate rules of at most `MAX_CONDITIONS` conditions, and every script
//! runs through the normal bounded pool (a full pool is a 429, as for dry runs).
//!
//! As-of facts: a referral's referral count is the member's live referrals created up to it;
//! orders are the member's purchases up to the event. Caps count the awards of this simulation
//! only. A referral that is denied now is skipped (the engine rewards no denied referral).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::facts::{self, Moment};
use super::Trigger;
use crate::domain::rules::decide::{self, PreparedRule, ScriptRef, ScriptRuns};
use crate::domain::rules::{find_program, input::parse_rule, RuleInput, MAX_CONDITIONS};
use crate::domain::{scripts, values, Ctx};
use crate::error::{AppError, Result};
use crate::rules::model::{parse_condition, CType, ConditionInput};
use crate::scripting::{Kind, Scripts};
use crate::store::members::MemberTable;
use crate::store::programs::ProgramRow;
use crate::store::referrer::{self, OrderRow};
use crate::store::rewards::{self as store, ReferralRow};
use crate::store::rules::RuleRow;
use crate::store::scripts::ScriptTable;
use crate::store::{scope, Db};

/// Candidate rules one simulation takes.
pub const MAX_CANDIDATES: usize = 20;
/// Referrals one simulation replays.
pub const MAX_LIMIT: u64 = 200;

/// A candidate condition: the native condition fields, or an inline condition script.
#[derive(Debug, Clone, Default)]
pub struct CandidateCondition {
    pub input: ConditionInput,
    /// ctype 5: Rhai source used instead of a stored script.
    pub source: Option<String>,
}

/// A candidate rule: the native rule fields, its conditions, optionally an inline amount script.
#[derive(Debug, Clone, Default)]
pub struct CandidateRule {
    pub rule: RuleInput,
    pub conditions: Vec<CandidateCondition>,
    pub amount_source: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SimulateInput {
    pub date_from: DateTime<Utc>,
    pub date_to: DateTime<Utc>,
    /// `None`: the program's enabled rules.
    pub rules: Option<Vec<CandidateRule>>,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimAward {
    pub rule_id: String,
    pub trigger: String,
    pub trigger_key: String,
    pub at: DateTime<Utc>,
    pub amount_minor: i64,
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimReferral {
    pub referral_id: String,
    pub member_id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub awards: Vec<SimAward>,
    pub simulated_minor: i64,
    /// Rewards in the table for this referral (not cancelled), minor units.
    pub actual_minor: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimRuleTotal {
    pub rule_id: String,
    pub name: String,
    pub count: u64,
    pub total_minor: i64,
    pub total: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub program_id: String,
    /// The program's currency: the totals below are in it.
    pub currency: String,
    pub offset: u64,
    pub limit: u64,
    /// Referrals in the window (all pages).
    pub total_referrals: u64,
    pub referrals: Vec<SimReferral>,
    pub rules: Vec<SimRuleTotal>,
    pub total_minor: i64,
    pub total: String,
    pub actual_minor: i64,
    pub actual: String,
    /// Simulated minus actual.
    pub difference_minor: i64,
    pub difference: String,
}

/// Renames a field error to where it sits in the candidate list.
fn at_field(prefix: &str, err: AppError) -> AppError {
    match err {
        AppError::Invalid { field, message } => AppError::Invalid {
            field: format!("{prefix}.{field}"),
            message,
        },
        AppError::Missing { field, message } => AppError::Missing {
            field: format!("{prefix}.{field}"),
            message,
        },
        AppError::Unprocessable {
            field,
            message,
            line,
            column,
        } => AppError::Unprocessable {
            field: format!("{prefix}.{field}"),
            message,
            line,
            column,
        },
        other => other,
    }
}

async fn candidate(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    program: &ProgramRow,
    i: usize,
    c: CandidateRule,
) -> Result<PreparedRule> {
    let prefix = format!("rules[{i}]");
    if c.conditions.len() > MAX_CONDITIONS {
        return Err(AppError::invalid(
            format!("{prefix}.conditions"),
            format!("at most {MAX_CONDITIONS} conditions"),
        ));
    }
    let mut input = c.rule;
    let inline_amount = match c.amount_source {
        Some(src) => {
            if input.amount_script_id.is_some() {
                return Err(AppError::invalid(
                    format!("{prefix}.amount_source"),
                    "give amount_script_id or amount_source, not both",
                ));
            }
            // Validated as a fixed rule; the inline script then computes the amount.
            input.reward_kind = Some("fixed".into());
            input.amount = Some("0".into());
            let field = format!("{prefix}.amount_source");
            Some(ScriptRef::Inline {
                id: format!("inline:{field}"),
                ast: scripts::compile_inline(scripts, &field, &src).await?,
            })
        }
        None => None,
    };
    let fields = parse_rule(ctx, db.conn(), program, input)
        .await
        .map_err(|e| at_field(&prefix, e))?;
    let now = crate::domain::clock::now();
    let mut row = RuleRow {
        id: -(i as i64) - 1,
        public_id: format!("candidate_{i}"),
        org_id: ctx.org_id,
        program_id: program.id,
        name: fields.name,
        enabled: fields.enabled,
        recipient: fields.recipient,
        trigger: fields.trigger,
        reward_kind: fields.reward_kind,
        amount: fields.amount,
        amount_script_id: fields.amount_script_id,
        currency: fields.currency,
        payout_id: fields.payout_id,
        hold_days: fields.hold_days,
        max_per_referral: fields.max_per_referral,
        max_per_member: fields.max_per_member,
        start_date: fields.start_date,
        end_date: fields.end_date,
        version: 0,
        created_at: now,
        updated_at: now,
    };
    let amount_script = match (inline_amount, row.amount_script_id) {
        (Some(inline), _) => {
            row.reward_kind = "script".into();
            row.amount = None;
            Some(inline)
        }
        (None, Some(id)) => Some(ScriptRef::Stored(
            scope::find_by_id::<ScriptTable>(ctx, db.conn(), id)
                .await?
                .ok_or_else(|| AppError::Internal("script vanished".into()))?,
        )),
        (None, None) => None,
    };
    let mut conditions = Vec::with_capacity(c.conditions.len());
    let mut condition_scripts: Vec<ScriptRef> = Vec::new();
    for (j, cc) in c.conditions.into_iter().enumerate() {
        let cprefix = format!("{prefix}.conditions[{j}]");
        let mut ci = cc.input;
        let inline_key = format!("inline:{cprefix}.source");
        if cc.source.is_some() {
            if ci.script_id.is_some() {
                return Err(AppError::invalid(
                    format!("{cprefix}.source"),
                    "give script_id or source, not both",
                ));
            }
            ci.script_id = Some(inline_key.clone());
        }
        let mut spec = parse_condition(&ci, &row.currency).map_err(|e| at_field(&cprefix, e))?;
        if spec.ctype == CType::Script {
            let script = match cc.source {
                Some(src) => ScriptRef::Inline {
                    id: inline_key,
                    ast: scripts::compile_inline(scripts, &format!("{cprefix}.source"), &src)
                        .await?,
                },
                None => {
                    let id = spec.script_id.clone().unwrap_or_default();
                    ScriptRef::Stored(
                        scripts::for_use(
                            ctx,
                            db.conn(),
                            &format!("{cprefix}.script_id"),
                            &id,
                            Kind::Condition,
                        )
                        .await?,
                    )
                }
            };
            spec.script_id = Some(script.key().to_string());
            if !condition_scripts.iter().any(|s| s.key() == script.key()) {
                condition_scripts.push(script);
            }
        } else if cc.source.is_some() {
            return Err(AppError::invalid(
                format!("{cprefix}.source"),
                "only ctype 5 takes a source",
            ));
        }
        conditions.push(spec.to_condition(format!("candidate_{i}_{j}"), &row.currency));
    }
    Ok(PreparedRule {
        row,
        conditions,
        condition_scripts,
        amount_script,
    })
}

/// One event of a referral's history.
struct Event {
    at: DateTime<Utc>,
    trigger: Trigger,
    amount: i64,
}

fn history(r: &ReferralRow, orders: &[OrderRow]) -> Vec<Event> {
    let amount = r.amount_minor.unwrap_or(0);
    let mut events = vec![Event {
        at: r.created_at,
        trigger: Trigger::ReferralCreated,
        amount,
    }];
    if let Some(at) = r.qualified_at {
        events.push(Event {
            at,
            trigger: Trigger::ReferralQualified,
            amount,
        });
    }
    if let Some(at) = r.approved_at {
        events.push(Event {
            at,
            trigger: Trigger::ReferralApproved,
            amount,
        });
    }
    events.extend(
        orders
            .iter()
            .filter(|o| o.referral_id == r.id)
            .map(|o| Event {
                at: o.created_at,
                trigger: Trigger::Purchase { action_id: o.id },
                amount: o.amount_minor,
            }),
    );
    events.sort_by_key(|e| e.at);
    events
}

fn status_at(r: &ReferralRow, e: &Event) -> &'static str {
    match e.trigger {
        Trigger::ReferralCreated => "pending",
        Trigger::ReferralQualified => "qualified",
        Trigger::ReferralApproved => "approved",
        Trigger::Purchase { .. } => {
            if r.approved_at.is_some_and(|t| t <= e.at) {
                "approved"
            } else if r.qualified_at.is_some_and(|t| t <= e.at) {
                "qualified"
            } else {
                "pending"
            }
        }
    }
}

pub async fn simulate(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    program_id: &str,
    input: SimulateInput,
) -> Result<Simulation> {
    if input.date_to < input.date_from {
        return Err(AppError::invalid("date_to", "must not be before date_from"));
    }
    if input.limit == 0 || input.limit > MAX_LIMIT {
        return Err(AppError::invalid("limit", format!("must be 1-{MAX_LIMIT}")));
    }
    let program = find_program(ctx, db.conn(), program_id).await?;
    let rules = match input.rules {
        Some(list) => {
            if list.len() > MAX_CANDIDATES {
                return Err(AppError::invalid(
                    "rules",
                    format!("at most {MAX_CANDIDATES} candidate rules"),
                ));
            }
            let mut out = Vec::with_capacity(list.len());
            for (i, c) in list.into_iter().enumerate() {
                out.push(candidate(ctx, db, scripts, &program, i, c).await?);
            }
            out
        }
        None => {
            let rows = store::enabled_rules(ctx, db.conn(), program.id).await?;
            decide::prepare(ctx, db.conn(), rows).await?
        }
    };
    let page = store::program_referrals(
        ctx,
        db.conn(),
        program.id,
        input.date_from,
        input.date_to,
        input.offset,
        input.limit,
    )
    .await?;
    let mut member_ids: Vec<i64> = page.items.iter().map(|r| r.member_id).collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    let members: HashMap<i64, _> =
        scope::find_many::<MemberTable>(ctx, db.conn(), member_ids.clone())
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let stamps = store::referral_stamps(ctx, db.conn(), member_ids.clone()).await?;
    let orders = referrer::orders_of_members(ctx, db.conn(), member_ids).await?;
    let actual_rows =
        store::rewards_of_referrals(ctx, db.conn(), page.items.iter().map(|r| r.id).collect())
            .await?;

    let mut runs = ScriptRuns::new(scripts, true);
    let mut per_rule: HashMap<i64, (u64, i64)> = HashMap::new();
    let mut per_member: HashMap<(i64, i64), u64> = HashMap::new();
    let mut out = Vec::with_capacity(page.items.len());
    for r in &page.items {
        let member = members
            .get(&r.member_id)
            .ok_or_else(|| AppError::Internal("referral without member".into()))?;
        let actual_minor = actual_rows
            .iter()
            .filter(|w| w.referral_id == Some(r.id) && w.status != "Cancelled")
            .map(|w| w.amount_minor)
            .sum();
        let mut sim = SimReferral {
            referral_id: r.public_id.clone(),
            member_id: member.public_id.clone(),
            status: r.status.clone(),
            created_at: r.created_at,
            awards: vec![],
            simulated_minor: 0,
            actual_minor,
        };
        if r.status != "denied" {
            let count = stamps
                .iter()
                .filter(|(id, m, at)| *m == r.member_id && (*at, *id) <= (r.created_at, r.id))
                .count() as i64;
            let mut per_referral: HashMap<i64, u64> = HashMap::new();
            let mut keys: HashSet<(i64, String)> = HashSet::new();
            for e in history(r, &orders) {
                // The referrer's own purchases known at that moment (the list holds every
                // simulated member's).
                let known: Vec<OrderRow> = orders
                    .iter()
                    .filter(|o| o.member_id == r.member_id && o.created_at <= e.at)
                    .cloned()
                    .collect();
                let (facts, script_facts) = facts::gather(&Moment {
                    referral: r,
                    status: status_at(r, &e),
                    member,
                    program_name: &program.name,
                    program_currency: &program.currency,
                    referral_count: count,
                    orders: &known,
                    trigger: e.trigger,
                    event_amount: e.amount,
                    at: e.at,
                });
                runs.reset();
                for rule in &rules {
                    let row = &rule.row;
                    let live = row.enabled && rule.fires(e.trigger.rule_trigger(), e.at);
                    if !live || keys.contains(&(row.id, e.trigger.key())) {
                        continue;
                    }
                    let outcome = decide::decide(
                        ctx,
                        db.conn(),
                        &mut runs,
                        rule,
                        facts.clone(),
                        &script_facts,
                        true,
                    )
                    .await?;
                    let Some(amount_minor) = outcome
                        .amount
                        .and_then(|a| a.amount_minor)
                        .filter(|a| outcome.decision.passed && *a > 0)
                    else {
                        continue;
                    };
                    let by_referral = per_referral.entry(row.id).or_default();
                    let by_member = per_member.entry((row.id, r.member_id)).or_default();
                    if row
                        .max_per_referral
                        .is_some_and(|m| *by_referral >= m as u64)
                        || row.max_per_member.is_some_and(|m| *by_member >= m as u64)
                    {
                        continue;
                    }
                    *by_referral += 1;
                    *by_member += 1;
                    keys.insert((row.id, e.trigger.key()));
                    let total = per_rule.entry(row.id).or_default();
                    total.0 += 1;
                    total.1 = total.1.saturating_add(amount_minor);
                    sim.simulated_minor = sim.simulated_minor.saturating_add(amount_minor);
                    sim.awards.push(SimAward {
                        rule_id: row.public_id.clone(),
                        trigger: e.trigger.rule_trigger().into(),
                        trigger_key: e.trigger.key(),
                        at: e.at,
                        amount_minor,
                        amount: values::decimal(amount_minor, &row.currency),
                        currency: row.currency.clone(),
                    });
                }
            }
        }
        out.push(sim);
    }
    let currency = program.currency.clone();
    let money = |m: i64| values::decimal(m, &currency);
    let total_minor: i64 = out.iter().map(|s| s.simulated_minor).sum();
    let actual_minor: i64 = out.iter().map(|s| s.actual_minor).sum();
    Ok(Simulation {
        program_id: program.public_id.clone(),
        offset: input.offset,
        limit: input.limit,
        total_referrals: page.total,
        rules: rules
            .iter()
            .map(|rule| {
                let (count, total) = per_rule.get(&rule.row.id).copied().unwrap_or_default();
                SimRuleTotal {
                    rule_id: rule.row.public_id.clone(),
                    name: rule.row.name.clone(),
                    count,
                    total_minor: total,
                    total: values::decimal(total, &rule.row.currency),
                    currency: rule.row.currency.clone(),
                }
            })
            .collect(),
        referrals: out,
        total: money(total_minor),
        total_minor,
        actual: money(actual_minor),
        actual_minor,
        difference_minor: total_minor - actual_minor,
        difference: money(total_minor - actual_minor),
        currency,
    })
}

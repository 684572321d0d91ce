//! Rule input as surfaces give it, and its validation into stored fields.
use sea_orm::ConnectionTrait;

use super::{RuleView, KINDS, PERCENT_DECIMALS, PERCENT_SCALE, RECIPIENTS, TRIGGERS};
use crate::domain::{scripts, values, Ctx};
use crate::error::{AppError, Result};
use crate::scripting::Kind;
use crate::store::programs::ProgramRow;
use crate::store::rules::RuleFields;
use chrono::{DateTime, Utc};

/// Rule fields as any surface receives them.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: String,
    pub enabled: Option<bool>,
    pub recipient: Option<String>,
    pub trigger: Option<String>,
    pub reward_kind: Option<String>,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: Option<String>,
    pub payout_id: Option<String>,
    pub hold_days: Option<i64>,
    pub max_per_referral: Option<i64>,
    pub max_per_member: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
}

impl RuleInput {
    /// The input that reproduces a stored rule (the func surface edits by overlaying on it).
    pub fn from_view(v: &RuleView) -> RuleInput {
        RuleInput {
            name: v.name.clone(),
            enabled: Some(v.enabled),
            recipient: Some(v.recipient.clone()),
            trigger: Some(v.trigger.clone()),
            reward_kind: Some(v.reward_kind.clone()),
            amount: v.amount.clone(),
            amount_script_id: v.amount_script_id.clone(),
            currency: Some(v.currency.clone()),
            payout_id: v.payout_id.clone(),
            hold_days: Some(v.hold_days),
            max_per_referral: v.max_per_referral,
            max_per_member: v.max_per_member,
            start_date: v.start_date,
            end_date: v.end_date,
        }
    }
}

fn one_of(
    field: &str,
    raw: Option<&str>,
    allowed: &[&str],
    default: Option<&str>,
) -> Result<String> {
    let v = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(default)
        .ok_or_else(|| {
            AppError::missing(field, format!("is required: one of {}", allowed.join(", ")))
        })?;
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(AppError::invalid(
            field,
            format!("must be one of {}, got `{v}`", allowed.join(", ")),
        ))
    }
}

fn bounded(field: &str, v: Option<i64>, min: i64, max: i64) -> Result<Option<i32>> {
    match v {
        Some(n) if !(min..=max).contains(&n) => Err(AppError::invalid(
            field,
            format!("must be between {min} and {max}, got {n}"),
        )),
        other => Ok(other.map(|n| n as i32)),
    }
}

fn format_percent(scaled: i64) -> String {
    let s = format!("{}.{:04}", scaled / 10_000, scaled % 10_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(in crate::domain) async fn parse_rule(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    program: &ProgramRow,
    input: RuleInput,
) -> Result<RuleFields> {
    let name = values::text("name", &input.name, 100)?;
    let kind = one_of("reward_kind", input.reward_kind.as_deref(), &KINDS, None)?;
    let currency = values::currency(
        "currency",
        input
            .currency
            .as_deref()
            .or(Some(program.currency.as_str())),
    )?;
    let (amount, amount_script_id) = parse_amount(ctx, db, &kind, &input, &currency).await?;
    if let (Some(start), Some(end)) = (input.start_date, input.end_date) {
        if end < start {
            return Err(AppError::invalid(
                "end_date",
                "must not be before start_date",
            ));
        }
    }
    Ok(RuleFields {
        name,
        enabled: input.enabled.unwrap_or(true),
        recipient: one_of(
            "recipient",
            input.recipient.as_deref(),
            &RECIPIENTS,
            Some("member"),
        )?,
        trigger: one_of("trigger", input.trigger.as_deref(), &TRIGGERS, None)?,
        reward_kind: kind,
        amount,
        amount_script_id,
        currency,
        payout_id: values::opt_text("payout_id", input.payout_id.as_deref(), 64)?,
        hold_days: bounded("hold_days", input.hold_days.or(Some(0)), 0, 3650)?.unwrap_or(0),
        max_per_referral: bounded("max_per_referral", input.max_per_referral, 1, 1_000_000)?,
        max_per_member: bounded("max_per_member", input.max_per_member, 1, 1_000_000)?,
        start_date: input.start_date,
        end_date: input.end_date,
    })
}

/// What the reward kind takes: an amount (`fixed` money, `percent` above 0 and at most 100) or
/// an amount script (`script`), never both. Answers `(amount, amount script's numeric id)`.
async fn parse_amount(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    kind: &str,
    input: &RuleInput,
    currency: &str,
) -> Result<(Option<String>, Option<i64>)> {
    let given = |v: &Option<String>| -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
    };
    let (amount_given, script_given) = (given(&input.amount), given(&input.amount_script_id));
    if kind == "script" {
        if amount_given.is_some() {
            return Err(AppError::invalid(
                "amount",
                "is not taken with reward_kind `script` (the script computes it)",
            ));
        }
        let id = script_given.ok_or_else(|| {
            AppError::missing("amount_script_id", "is required with reward_kind `script`")
        })?;
        let script = scripts::for_use(ctx, db, "amount_script_id", &id, Kind::Amount).await?;
        return Ok((None, Some(script.id)));
    }
    if script_given.is_some() {
        return Err(AppError::invalid(
            "amount_script_id",
            format!("is only taken with reward_kind `script`, not `{kind}`"),
        ));
    }
    let raw = amount_given.ok_or_else(|| {
        AppError::missing("amount", format!("is required with reward_kind `{kind}`"))
    })?;
    if kind == "fixed" {
        return Ok((
            Some(values::normalize_money("amount", &raw, currency)?),
            None,
        ));
    }
    let p = values::parse_scaled("amount", &raw, PERCENT_DECIMALS)?;
    if p == 0 || p > PERCENT_SCALE {
        return Err(AppError::invalid(
            "amount",
            "a percent must be above 0 and at most 100",
        ));
    }
    Ok((Some(format_percent(p)), None))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_keep_four_decimals_without_trailing_zeros() {
        assert_eq!(format_percent(55_000), "5.5");
        assert_eq!(format_percent(1_000_000), "100");
        assert_eq!(format_percent(12_345), "1.2345");
    }

    #[test]
    fn one_of_names_the_field_and_the_choices() {
        assert_eq!(
            one_of("trigger", Some("purchase"), &TRIGGERS, None).unwrap(),
            "purchase"
        );
        let err = one_of("trigger", Some("soon"), &TRIGGERS, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("trigger:") && err.contains("referral_created"),
            "{err}"
        );
        assert!(one_of("trigger", None, &TRIGGERS, None).is_err());
        assert_eq!(
            one_of("recipient", None, &RECIPIENTS, Some("member")).unwrap(),
            "member"
        );
    }
}

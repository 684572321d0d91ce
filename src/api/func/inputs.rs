//! Reading 002's form parameters into domain inputs; an edit starts from the current values and
//! changes only the parameters given.
use chrono::{DateTime, Utc};

use super::functions::get;
use super::Params;
use crate::domain::programs::{ProgramInput, ProgramView};
use crate::domain::rules::{ConditionView, RuleInput, RuleView};
use crate::error::AppError;
use crate::rules::model::ConditionInput;

pub(super) fn flag(field: &str, raw: &str) -> Result<bool, AppError> {
    match raw.trim() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" | "" => Ok(false),
        other => Err(AppError::invalid(
            field,
            format!("must be `on` or `off`, got `{other}`"),
        )),
    }
}

pub(super) fn date(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    crate::domain::values::day(field, s).map(|d| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

pub(super) fn int(field: &str, raw: &str) -> Result<Option<i64>, AppError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("`{s}` is not a whole number")))
}

/// Overlays the given form fields on a program's current settings (all of them on create).
pub(super) fn program_input(
    p: &Params,
    current: Option<&ProgramView>,
) -> Result<ProgramInput, AppError> {
    let mut input = current.map(ProgramInput::from_view).unwrap_or_default();
    if let Some(v) = get(p, "name") {
        input.name = v.to_string();
    }
    if let Some(v) = get(p, "promocode") {
        input.promocode = v.to_string();
    }
    for (key, slot) in [
        ("project", &mut input.project),
        ("url", &mut input.url),
        ("account_group", &mut input.account_group),
        ("account_group_restrict", &mut input.account_group_restrict),
        ("currency", &mut input.currency),
    ] {
        if let Some(v) = get(p, key) {
            *slot = Some(v.to_string()).filter(|v| !v.trim().is_empty());
        }
    }
    if let Some(v) = get(p, "start_date") {
        input.start_date = date("start_date", v)?;
    }
    if let Some(v) = get(p, "end_date") {
        input.end_date = date("end_date", v)?;
    }
    if let Some(v) = get(p, "assign_by_default") {
        input.assign_by_default = flag("assign_by_default", v)?;
    }
    Ok(input)
}

pub(super) fn rule_input(p: &Params, current: Option<&RuleView>) -> Result<RuleInput, AppError> {
    let mut input = current.map(RuleInput::from_view).unwrap_or_default();
    if let Some(v) = get(p, "name") {
        input.name = v.to_string();
    }
    for (key, slot) in [
        ("recipient", &mut input.recipient),
        ("trigger", &mut input.trigger),
        ("reward_kind", &mut input.reward_kind),
        ("amount", &mut input.amount),
        ("amount_script_id", &mut input.amount_script_id),
        ("currency", &mut input.currency),
        ("payout_id", &mut input.payout_id),
    ] {
        if let Some(v) = get(p, key) {
            *slot = Some(v.to_string()).filter(|v| !v.trim().is_empty());
        }
    }
    if let Some(v) = get(p, "enabled") {
        input.enabled = Some(flag("enabled", v)?);
    }
    for (key, slot) in [
        ("hold_days", &mut input.hold_days),
        ("max_per_referral", &mut input.max_per_referral),
        ("max_per_member", &mut input.max_per_member),
    ] {
        if let Some(v) = get(p, key) {
            *slot = int(key, v)?;
        }
    }
    if let Some(v) = get(p, "start_date") {
        input.start_date = date("start_date", v)?;
    }
    if let Some(v) = get(p, "end_date") {
        input.end_date = date("end_date", v)?;
    }
    Ok(input)
}

pub(super) fn condition_input(p: &Params, current: Option<&ConditionView>) -> ConditionInput {
    let mut input = current.map(ConditionView::to_input).unwrap_or_default();
    for (key, slot) in [
        ("ctype", &mut input.ctype),
        ("orderperiods", &mut input.orderperiods),
        ("comparison", &mut input.comparison),
        ("amount_ctype_1", &mut input.amount_ctype_1),
        ("amount_ctype_4", &mut input.amount_ctype_4),
        ("item_count", &mut input.item_count),
        ("referral_count", &mut input.referral_count),
        ("group", &mut input.group),
        ("groupname", &mut input.groupname),
        ("script_id", &mut input.script_id),
    ] {
        if let Some(v) = get(p, key) {
            *slot = Some(v.to_string());
        }
    }
    input
}

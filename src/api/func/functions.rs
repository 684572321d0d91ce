//! The nine referral-program functions of seed 002, each a translation onto `domain` calls.
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{error, from_app_error, FuncError, Params};
use crate::api::State;
use crate::authz::{READ, WRITE};
use crate::domain::programs::{self, ProgramInput, ProgramView};
use crate::domain::rules::{self, ConditionView, RuleInput, RuleView};
use crate::domain::Ctx;
use crate::error::AppError;
use crate::rules::model::ConditionInput;

type Answer = Result<Value, FuncError>;

fn get<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).map(String::as_str)
}

fn saving(p: &Params) -> bool {
    get(p, "sok").is_some_and(|s| !s.trim().is_empty())
}

/// A numeric id parameter.
fn number(p: &Params, key: &str) -> Result<Option<i64>, FuncError> {
    match get(p, key).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| error("value", key, s, format!("{key}: `{s}` is not a numeric id"))),
    }
}

fn required_number(p: &Params, key: &str) -> Result<i64, FuncError> {
    number(p, key)?.ok_or_else(|| error("missed", key, "", format!("{key} is required")))
}

/// `elid` of `.delete`: one id or several separated by `, ` (an id given twice counts once).
fn id_list(p: &Params) -> Result<Vec<i64>, FuncError> {
    let raw = get(p, "elid").unwrap_or("").trim();
    if raw.is_empty() {
        return Err(error("missed", "elid", "", "elid is required".into()));
    }
    let mut ids = Vec::new();
    for s in raw.split(',').map(str::trim) {
        let id: i64 = s.parse().map_err(|_| {
            error(
                "value",
                "elid",
                raw,
                format!("elid: `{s}` is not a numeric id"),
            )
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn on(b: bool) -> Option<Value> {
    b.then(|| json!("on"))
}

fn flag(field: &str, raw: &str) -> Result<bool, AppError> {
    match raw.trim() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" | "" => Ok(false),
        other => Err(AppError::invalid(
            field,
            format!("must be `on` or `off`, got `{other}`"),
        )),
    }
}

fn date(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    crate::domain::values::day(field, s).map(|d| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

fn day(t: Option<DateTime<Utc>>) -> Option<Value> {
    t.map(|t| json!(t.format("%Y-%m-%d").to_string()))
}

fn int(field: &str, raw: &str) -> Result<Option<i64>, AppError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("`{s}` is not a whole number")))
}

/// An object of the given values, leaving out the absent ones (002 omits empty fields).
fn elem(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect::<Map<_, _>>(),
    )
}

fn s(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|v| json!(v))
}

fn program_elem(p: &ProgramView) -> Value {
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

fn rule_elem(r: &RuleView) -> Value {
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

fn condition_elem(c: &ConditionView) -> Value {
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

/// Overlays the given form fields on a program's current settings (all of them on create).
fn program_input(p: &Params, current: Option<&ProgramView>) -> Result<ProgramInput, AppError> {
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

fn rule_input(p: &Params, current: Option<&RuleView>) -> Result<RuleInput, AppError> {
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

fn condition_input(p: &Params, current: Option<&ConditionView>) -> ConditionInput {
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

/// What each function needs: (resource, action).
fn access_of(func: &str, saves: bool) -> Option<(&'static str, &'static str)> {
    let resource = if func.starts_with("referralprogram.rule") {
        "rules"
    } else {
        "programs"
    };
    let action = match func {
        "referralprogram" | "referralprogram.rule" | "referralprogram.rule.condition" => READ,
        "referralprogram.edit"
        | "referralprogram.rule.edit"
        | "referralprogram.rule.condition.edit" => {
            if saves {
                WRITE
            } else {
                READ
            }
        }
        "referralprogram.delete"
        | "referralprogram.rule.delete"
        | "referralprogram.rule.condition.delete" => WRITE,
        _ => return None,
    };
    Some((resource, action))
}

fn done(func: &str, id: Option<i64>) -> Value {
    let mut v = json!({"func": func, "ok": true});
    if let Some(id) = id {
        v["id"] = json!(id.to_string());
    }
    v
}

fn with_func(func: &str, elid: Option<i64>, mut values: Value) -> Value {
    if let Value::Object(map) = &mut values {
        map.insert("func".into(), json!(func));
        map.remove("id");
        if let Some(e) = elid {
            map.insert("elid".into(), json!(e.to_string()));
        }
    }
    values
}

/// `.edit`: without `elid` it creates (under `plid`), with it it edits; without `sok` it answers
/// the current values and saves nothing. A macro rather than a function: the load and save steps
/// are async code over borrowed state, which async closures cannot yet carry across `Send` bounds.
macro_rules! edit {
    ($p:expr, $func:expr, |$n:ident| $load:expr, $show:expr, |$current:ident| $save:expr) => {{
        let app = |e: AppError| from_app_error(e, $p);
        let elid = number($p, "elid")?;
        let current = match elid {
            Some($n) => Some(async { $load }.await.map_err(app)?),
            None => None,
        };
        if !saving($p) {
            return Ok(with_func(
                $func,
                elid,
                current.as_ref().map($show).unwrap_or_else(|| json!({})),
            ));
        }
        let $current = current;
        let id: i64 = async { $save }.await.map_err(app)?;
        Ok(done($func, Some(id)))
    }};
}

/// The parent id of a new rule or condition.
fn plid(p: &Params) -> Result<i64, AppError> {
    let raw = get(p, "plid").map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(AppError::missing("plid", "is required to create an item"));
    }
    raw.parse()
        .map_err(|_| AppError::invalid("plid", format!("`{raw}` is not a numeric id")))
}

pub async fn dispatch(state: &State, ctx: &Ctx, p: &Params) -> Answer {
    let func = get(p, "func").map(str::trim).unwrap_or("");
    if func.is_empty() {
        return Err(error("missed", "func", "", "func is required".into()));
    }
    let Some((resource, action)) = access_of(func, saving(p)) else {
        return Err(error(
            "unknownfunc",
            "func",
            func,
            format!("unknown function `{func}`"),
        ));
    };
    if !state.authz.allows(ctx, resource, action).await {
        return Err(error(
            "access",
            "func",
            func,
            format!("role `{}` may not {action} {resource}", ctx.role),
        ));
    }
    let db = &state.db;
    let app = |e: AppError| from_app_error(e, p);
    match func {
        "referralprogram" => {
            let page = programs::list(ctx, db, 0, 1000).await.map_err(app)?;
            Ok(json!({"elem": page.items.iter().map(program_elem).collect::<Vec<_>>()}))
        }
        "referralprogram.edit" => edit!(
            p,
            func,
            |n| programs::get(ctx, db, &rules::program_public_id(ctx, db, n).await?).await,
            program_elem,
            |current| {
                let input = program_input(p, current.as_ref())?;
                let saved = match current {
                    Some(c) => programs::update(ctx, db, &c.id, input).await?,
                    None => programs::create(ctx, db, input).await?,
                };
                Ok::<_, AppError>(saved.number)
            }
        ),
        "referralprogram.delete" => {
            programs::delete_numbers(ctx, db, &id_list(p)?)
                .await
                .map_err(app)?;
            Ok(done(func, None))
        }
        "referralprogram.rule" => {
            let program = rules::program_public_id(ctx, db, required_number(p, "elid")?)
                .await
                .map_err(app)?;
            let page = rules::list(ctx, db, &program, 0, 1000).await.map_err(app)?;
            Ok(json!({"elem": page.items.iter().map(rule_elem).collect::<Vec<_>>()}))
        }
        "referralprogram.rule.edit" => edit!(
            p,
            func,
            |n| rules::get(ctx, db, &rules::rule_public_id(ctx, db, n).await?).await,
            rule_elem,
            |current| {
                let input = rule_input(p, current.as_ref())?;
                let saved = match current {
                    Some(c) => rules::update(ctx, db, &c.id, input).await?,
                    None => {
                        rules::create(
                            ctx,
                            db,
                            &rules::program_public_id(ctx, db, plid(p)?).await?,
                            input,
                        )
                        .await?
                    }
                };
                Ok::<_, AppError>(saved.number)
            }
        ),
        "referralprogram.rule.delete" => {
            rules::delete_rule_numbers(ctx, db, &id_list(p)?)
                .await
                .map_err(app)?;
            Ok(done(func, None))
        }
        "referralprogram.rule.condition" => {
            let rule = rules::rule_public_id(ctx, db, required_number(p, "elid")?)
                .await
                .map_err(app)?;
            let list = rules::conditions(ctx, db, &rule).await.map_err(app)?;
            Ok(json!({"elem": list.iter().map(condition_elem).collect::<Vec<_>>()}))
        }
        "referralprogram.rule.condition.edit" => edit!(
            p,
            func,
            |n| rules::get_condition(ctx, db, &rules::condition_public_id(ctx, db, n).await?).await,
            condition_elem,
            |current| {
                let input = condition_input(p, current.as_ref());
                let saved = match current {
                    Some(c) => rules::update_condition(ctx, db, &c.id, input).await?,
                    None => {
                        rules::add_condition(
                            ctx,
                            db,
                            &rules::rule_public_id(ctx, db, plid(p)?).await?,
                            input,
                        )
                        .await?
                    }
                };
                Ok::<_, AppError>(saved.number)
            }
        ),
        "referralprogram.rule.condition.delete" => {
            rules::delete_condition_numbers(ctx, db, &id_list(p)?)
                .await
                .map_err(app)?;
            Ok(done(func, None))
        }
        other => Err(error(
            "unknownfunc",
            "func",
            other,
            format!("unknown function `{other}`"),
        )),
    }
}

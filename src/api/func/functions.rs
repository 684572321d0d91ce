//! The nine referral-program functions of seed 002, each a translation onto `domain` calls.
use serde_json::{json, Value};

use super::elems::{condition_elem, program_elem, rule_elem};
use super::inputs::{condition_input, program_input, rule_input};
use super::{error, from_app_error, FuncError, Params};
use crate::api::enums::FuncErrorType;
use crate::api::State;
use crate::authz::{READ, WRITE};
use crate::domain::programs;
use crate::domain::rules;
use crate::domain::Ctx;
use crate::error::AppError;

type Answer = Result<Value, FuncError>;

pub(super) fn get<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).map(String::as_str)
}

fn saving(p: &Params) -> bool {
    get(p, "sok").is_some_and(|s| !s.trim().is_empty())
}

/// A numeric id parameter.
fn number(p: &Params, key: &str) -> Result<Option<i64>, FuncError> {
    match get(p, key).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            error(
                FuncErrorType::Value,
                key,
                s,
                format!("{key}: `{s}` is not a numeric id"),
            )
        }),
    }
}

fn required_number(p: &Params, key: &str) -> Result<i64, FuncError> {
    number(p, key)?
        .ok_or_else(|| error(FuncErrorType::Missed, key, "", format!("{key} is required")))
}

/// `elid` of `.delete`: one id or several separated by `, ` (an id given twice counts once).
fn id_list(p: &Params) -> Result<Vec<i64>, FuncError> {
    let raw = get(p, "elid").unwrap_or("").trim();
    if raw.is_empty() {
        return Err(error(
            FuncErrorType::Missed,
            "elid",
            "",
            "elid is required".into(),
        ));
    }
    let mut ids = Vec::new();
    for s in raw.split(',').map(str::trim) {
        let id: i64 = s.parse().map_err(|_| {
            error(
                FuncErrorType::Value,
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
        return Err(error(
            FuncErrorType::Missed,
            "func",
            "",
            "func is required".into(),
        ));
    }
    let Some((resource, action)) = access_of(func, saving(p)) else {
        return Err(error(
            FuncErrorType::Unknownfunc,
            "func",
            func,
            format!("unknown function `{func}`"),
        ));
    };
    if !state.authz.allows(ctx, resource, action).await {
        return Err(error(
            FuncErrorType::Access,
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
            FuncErrorType::Unknownfunc,
            "func",
            other,
            format!("unknown function `{other}`"),
        )),
    }
}

//! The func-call surface of seed 002: `GET|POST /billmgr?func=referralprogram…&sok=ok&elid=&plid=`.
//! Numeric ids; booleans are `"on"` or absent; lists answer `{"elem": [...]}`, changes
//! `{"func": …, "ok": true, "id": …}`, errors `{"error": {"type", "object", "value", "msg"}}`.
//! It reads and writes the same programs, rules and conditions as the native API.
mod functions;

use std::collections::HashMap;

use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::{Deserialize, Serialize};

use super::{ApiAuth, ApiTags, State};
use crate::error::AppError;

pub struct FuncApi {
    pub state: State,
}

/// Every parameter any function takes (all text, as the form sends them).
#[derive(Object, Serialize, Deserialize, Default, Debug)]
#[oai(rename = "FuncForm")]
pub struct FuncForm {
    /// The function: referralprogram, referralprogram.edit, referralprogram.delete,
    /// referralprogram.rule, referralprogram.rule.edit, referralprogram.rule.delete,
    /// referralprogram.rule.condition, referralprogram.rule.condition.edit,
    /// referralprogram.rule.condition.delete.
    pub func: Option<String>,
    /// Response format: bjson (default) or json.
    pub out: Option<String>,
    /// Non-empty (usually `ok`) to save; without it `.edit` answers the current values.
    pub sok: Option<String>,
    /// The item: a program, rule or condition id; `.delete` takes several separated by `, `.
    pub elid: Option<String>,
    /// The parent: the program of a rule, the rule of a condition.
    pub plid: Option<String>,
    pub name: Option<String>,
    pub project: Option<String>,
    pub promocode: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub assign_by_default: Option<String>,
    pub url: Option<String>,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub enabled: Option<String>,
    pub recipient: Option<String>,
    pub trigger: Option<String>,
    pub reward_kind: Option<String>,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: Option<String>,
    pub payout_id: Option<String>,
    pub hold_days: Option<String>,
    pub max_per_referral: Option<String>,
    pub max_per_member: Option<String>,
    pub ctype: Option<String>,
    pub orderperiods: Option<String>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<String>,
    pub referral_count: Option<String>,
    pub group: Option<String>,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

#[derive(Object, Debug)]
pub struct FuncErrorDetail {
    /// missed, value, missing, exists, access, auth, unknownfunc or internal.
    #[oai(rename = "type")]
    pub kind: String,
    /// The parameter at fault, if any.
    pub object: String,
    /// The value given for it.
    pub value: String,
    pub msg: String,
}

#[derive(Object, Debug)]
pub struct FuncErrorBody {
    pub error: FuncErrorDetail,
}

#[derive(ApiResponse, Debug)]
pub enum FuncResponse {
    /// `{"elem": [...]}` for lists, `{"func", "ok": true, "id"}` for changes, the current values
    /// for `.edit` without `sok`.
    #[oai(status = 200)]
    Ok(Json<serde_json::Value>),
    /// A parameter is missing (`missed`), malformed (`value`) or the function is unknown.
    #[oai(status = 400)]
    BadRequest(Json<FuncErrorBody>),
    /// No API key, or a wrong or revoked one.
    #[oai(status = 401)]
    Unauthorized(Json<FuncErrorBody>),
    /// The key's role may not call this function.
    #[oai(status = 403)]
    Forbidden(Json<FuncErrorBody>),
    /// No such item in the key's org.
    #[oai(status = 404)]
    NotFound(Json<FuncErrorBody>),
    /// The change conflicts with the current state.
    #[oai(status = 409)]
    Conflict(Json<FuncErrorBody>),
    /// Something failed on the server.
    #[oai(status = 500)]
    Internal(Json<FuncErrorBody>),
}

/// Parameters of one call, merged from the query string and the form body.
pub type Params = HashMap<String, String>;

pub fn error(kind: &str, object: &str, value: &str, msg: String) -> FuncResponse {
    let body = Json(FuncErrorBody {
        error: FuncErrorDetail {
            kind: kind.into(),
            object: object.into(),
            value: value.into(),
            msg,
        },
    });
    match kind {
        "auth" => FuncResponse::Unauthorized(body),
        "access" => FuncResponse::Forbidden(body),
        "missing" => FuncResponse::NotFound(body),
        "exists" => FuncResponse::Conflict(body),
        "internal" => FuncResponse::Internal(body),
        _ => FuncResponse::BadRequest(body),
    }
}

/// Maps the internal error into 002's envelope, naming the parameter where there is one.
pub fn from_app_error(err: AppError, params: &Params) -> FuncResponse {
    let value_of = |f: &str| params.get(f).cloned().unwrap_or_default();
    let message = err.public_message();
    match err {
        AppError::Missing { field, .. } => error("missed", &field, &value_of(&field), message),
        AppError::Invalid { field, .. } | AppError::Unprocessable { field, .. } => {
            error("value", &field, &value_of(&field), message)
        }
        AppError::NotFound(_) => error("missing", "elid", &value_of("elid"), message),
        AppError::Conflict(_) => error("exists", "", "", message),
        AppError::Forbidden(_) => error("access", "", "", message),
        AppError::Unauthorized(_) => error("auth", "", "", message),
        AppError::Internal(_) | AppError::Db(_) => error("internal", "", "", message),
    }
}

fn merge(req: &Request, form: Option<FuncForm>) -> Params {
    let mut params: Params =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if let Some(form) = form {
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(form) {
            for (k, v) in map {
                if let serde_json::Value::String(s) = v {
                    params.insert(k, s);
                }
            }
        }
    }
    params
}

impl FuncApi {
    async fn call(&self, auth: ApiAuth, operation_id: &str, params: Params) -> FuncResponse {
        let out = params.get("out").map(String::as_str).unwrap_or("bjson");
        if !matches!(out, "bjson" | "json") {
            return error(
                "value",
                "out",
                out,
                "out: only bjson and json are supported".into(),
            );
        }
        let ctx = match self.state.tenant(auth, operation_id).await {
            Ok(ctx) => ctx,
            Err(e) => return from_app_error(e, &params),
        };
        match functions::dispatch(&self.state, &ctx, &params).await {
            Ok(value) => FuncResponse::Ok(Json(value)),
            Err(resp) => resp,
        }
    }
}

#[OpenApi(tag = "ApiTags::FuncCalls")]
impl FuncApi {
    /// Call a referral-program function with query parameters
    #[allow(clippy::too_many_arguments)] // the declared parameters document the surface
    #[oai(path = "/billmgr", method = "get", operation_id = "billmgrGet")]
    async fn get(
        &self,
        auth: ApiAuth,
        req: &Request,
        /// The function (see FuncForm for the list); further parameters as in FuncForm.
        #[oai(name = "func")]
        _func: Query<Option<String>>,
        /// Response format: bjson (default) or json.
        #[oai(name = "out")]
        _out: Query<Option<String>>,
        /// Non-empty to save.
        #[oai(name = "sok")]
        _sok: Query<Option<String>>,
        /// The item id(s).
        #[oai(name = "elid")]
        _elid: Query<Option<String>>,
        /// The parent id.
        #[oai(name = "plid")]
        _plid: Query<Option<String>>,
    ) -> FuncResponse {
        self.call(auth, "billmgrGet", merge(req, None)).await
    }

    /// Call a referral-program function with a form body
    #[oai(path = "/billmgr", method = "post", operation_id = "billmgrPost")]
    async fn post(&self, auth: ApiAuth, req: &Request, body: Form<FuncForm>) -> FuncResponse {
        self.call(auth, "billmgrPost", merge(req, Some(body.0)))
            .await
    }
}

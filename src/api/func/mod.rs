//! The func-call surface of seed 002: `GET|POST /billmgr?func=referralprogram…&sok=ok&elid=&plid=`,
//! shaped for ISPsystem (BILLmanager) clients. Numeric ids; booleans are `"on"` or absent; lists
//! answer `{"elem": [...]}`, changes `{"func": …, "ok": true, "id": …}`, errors
//! `{"error": {"type", "object", "value", "msg"}}` — or the same as XML with `out=xml`. Every
//! answer, errors included, is HTTP 200 (BILLmanager puts the error in the document). The key
//! comes in the `Authorization` header or as `authinfo=<key id>:<key>`.
//! It reads and writes the same programs, rules and conditions as the native API.
mod elems;
mod functions;
mod inputs;
mod types;
mod xml;

use std::borrow::Cow;
use std::collections::HashMap;

use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::{Form, Json, PlainText};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum, OpenApi, ResponseContent, SecurityScheme};
use serde::Deserialize;
use serde_json::Value;

use super::{ApiAuth, ApiTags, BasicAuth, BearerAuth, State};
use crate::api::enums::FuncErrorType;
use crate::auth::Credentials;
use crate::error::AppError;
pub use types::{FuncDocument, FuncErrorDetail, FuncForm, FuncItem};

pub struct FuncApi {
    pub state: State,
}

/// The answer's format.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "FuncOut", rename_all = "lowercase")]
pub enum FuncOut {
    /// JSON (the default).
    Bjson,
    /// JSON, the same as bjson.
    Json,
    /// BILLmanager's XML document, `text/xml; charset=UTF-8`.
    Xml,
}

/// The key: `Authorization: Bearer <key>` or `Basic base64(<key id>:<key>)`, or, without the
/// header, the `authinfo=<key id>:<key>` parameter (query or form field).
#[derive(SecurityScheme)]
pub enum FuncAuth {
    Bearer(BearerAuth),
    Basic(BasicAuth),
    /// No `Authorization` header: `authinfo` must carry the key.
    #[oai(fallback)]
    NoHeader,
}

impl FuncAuth {
    fn header(self) -> Option<ApiAuth> {
        match self {
            FuncAuth::Bearer(b) => Some(ApiAuth::Bearer(b)),
            FuncAuth::Basic(b) => Some(ApiAuth::Basic(b)),
            FuncAuth::NoHeader => None,
        }
    }
}

// The spec's description of the form; the body itself is read as `FormParams`.
/// The answer in the requested format.
#[derive(ResponseContent)]
pub enum FuncBody {
    #[oai(actual_type = "Json<FuncDocument>")]
    Json(Json<Value>),
    /// The same document as BILLmanager's XML: `<doc><elem><id>1</id>…</elem></doc>`,
    /// `<doc><ok/><id>…</id></doc>`, `<doc><elid>…</elid><name>…</name>…</doc>` or
    /// `<doc><error type="…" object="…" value="…"><msg>…</msg></error></doc>`.
    #[oai(content_type = "text/xml; charset=UTF-8")]
    Xml(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum FuncResponse {
    /// Every answer, errors included (BILLmanager answers 200 and puts the error in the
    /// document): `{"elem": [...]}` for lists, `{"func", "ok": true, "id"}` for changes, the
    /// current values for `.edit` without `sok`, `{"error": {"type", "object", "value", "msg"}}`
    /// for errors; as XML with `out=xml`.
    #[oai(status = 200)]
    Ok(FuncBody),
}

/// Parameters of one call, merged from the query string and the form body.
pub type Params = HashMap<String, String>;

/// An error of this surface, answered as the document's `error` element.
pub type FuncError = FuncErrorDetail;

pub fn error(kind: FuncErrorType, object: &str, value: &str, msg: String) -> FuncError {
    FuncErrorDetail {
        kind,
        object: object.into(),
        value: value.into(),
        msg,
    }
}

/// Maps the internal error into 002's envelope, naming the parameter where there is one.
pub fn from_app_error(err: AppError, params: &Params) -> FuncError {
    let value_of = |f: &str| params.get(f).cloned().unwrap_or_default();
    let message = err.public_message();
    match err {
        AppError::Missing { field, .. } => {
            error(FuncErrorType::Missed, &field, &value_of(&field), message)
        }
        AppError::Invalid { field, .. } | AppError::Unprocessable { field, .. } => {
            error(FuncErrorType::Value, &field, &value_of(&field), message)
        }
        AppError::NotFound(_) => error(FuncErrorType::Missing, "elid", &value_of("elid"), message),
        AppError::Conflict(_) => error(FuncErrorType::Exists, "", "", message),
        AppError::Busy(_) => error(FuncErrorType::Busy, "", "", message),
        AppError::Forbidden(_) => error(FuncErrorType::Access, "", "", message),
        AppError::Unauthorized(_) => error(FuncErrorType::Auth, "", "", message),
        AppError::Upstream(_) | AppError::Internal(_) | AppError::Db(_) => {
            error(FuncErrorType::Internal, "", "", message)
        }
    }
}

/// The form body as text pairs, declared in the spec as `FuncForm`. Read leniently (any field,
/// any value) so that the function itself answers a bad value in its own format, naming it.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub struct FormParams(Params);

impl Type for FormParams {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        FuncForm::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        FuncForm::schema_ref()
    }

    fn register(registry: &mut Registry) {
        FuncForm::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

/// The query parameters, then the form's (which win).
fn merge(req: &Request, form: Option<FormParams>) -> Params {
    let mut params: Params =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if let Some(FormParams(form)) = form {
        params.extend(form);
    }
    params
}

/// The answer, JSON or XML.
fn answer(out: FuncOut, result: Result<Value, FuncError>) -> FuncResponse {
    let value = match result {
        Ok(value) => value,
        Err(detail) => serde_json::json!({
            "error": {"type": detail.kind.as_str(), "object": detail.object, "value": detail.value, "msg": detail.msg}
        }),
    };
    FuncResponse::Ok(match out {
        FuncOut::Xml => FuncBody::Xml(PlainText(xml::document(&value))),
        FuncOut::Bjson | FuncOut::Json => FuncBody::Json(Json(value)),
    })
}

/// `authinfo=<key id>:<key>` as Basic credentials.
fn authinfo(raw: Option<String>) -> Result<Credentials, FuncError> {
    let auth = |msg: &str| error(FuncErrorType::Auth, "", "", msg.into());
    let raw = raw.ok_or_else(|| {
        auth("missing API key: send `Authorization: Bearer <key>` or `authinfo=<key id>:<key>`")
    })?;
    let (id, key) = raw
        .split_once(':')
        .ok_or_else(|| auth("authinfo must be `<key id>:<key>`"))?;
    Ok(Credentials::Basic {
        id: id.to_string(),
        key: key.to_string(),
    })
}

/// The first parameter holding a control character, as a `value` error: the same text rule as
/// every other surface (`api::wire`), so nothing stored here breaks another surface's contract.
fn control_characters(params: &Params) -> Option<FuncError> {
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let value = &params[name];
        crate::api::wire::text_problem(value, usize::MAX, false)
            .map(|problem| error(FuncErrorType::Value, name, "", format!("{name}: {problem}")))
    })
}

impl FuncApi {
    async fn call(&self, auth: FuncAuth, operation_id: &str, mut params: Params) -> FuncResponse {
        // A secret: out of the parameters before anything can echo or log them.
        let authinfo_value = params.remove("authinfo");
        let out = match params.get("out").map(String::as_str) {
            None | Some("") | Some("bjson") => FuncOut::Bjson,
            Some("json") => FuncOut::Json,
            Some("xml") => FuncOut::Xml,
            Some(other) => {
                let msg = "out: only bjson, json and xml are supported".into();
                return answer(
                    FuncOut::Bjson,
                    Err(error(FuncErrorType::Value, "out", other, msg)),
                );
            }
        };
        let credentials = match auth.header() {
            Some(header) => Ok(header.credentials()),
            None => authinfo(authinfo_value),
        };
        let ctx = match credentials {
            Ok(creds) => self.state.tenant_with(creds, operation_id).await,
            Err(e) => return answer(out, Err(e)),
        };
        let result = match ctx {
            Ok(ctx) => match control_characters(&params) {
                Some(e) => Err(e),
                None => functions::dispatch(&self.state, &ctx, &params).await,
            },
            Err(e) => Err(from_app_error(e, &params)),
        };
        answer(out, result)
    }
}

#[OpenApi(tag = "ApiTags::FuncCalls")]
impl FuncApi {
    /// Call a referral-program function with query parameters
    #[allow(clippy::too_many_arguments)] // the declared parameters document the surface
    #[oai(path = "/billmgr", method = "get", operation_id = "billmgrGet")]
    async fn get(
        &self,
        auth: FuncAuth,
        req: &Request,
        /// The function (see FuncForm for the list); further parameters as in FuncForm.
        #[oai(name = "func")]
        _func: Query<Option<String>>,
        /// Response format: bjson (default), json or xml.
        #[oai(name = "out")]
        _out: Query<Option<FuncOut>>,
        /// `<key id>:<key>`, instead of the `Authorization` header (which wins when both are
        /// given). Prefer POST: a query string may end up in proxies' logs.
        #[oai(name = "authinfo")]
        _authinfo: Query<Option<String>>,
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
    async fn post(
        &self,
        auth: FuncAuth,
        req: &Request,
        /// `<key id>:<key>` (also accepted as a form field), instead of the `Authorization`
        /// header.
        #[oai(name = "authinfo")]
        _authinfo: Query<Option<String>>,
        /// Response format (also accepted as a form field, which wins).
        #[oai(name = "out")]
        _out: Query<Option<FuncOut>>,
        body: Form<FormParams>,
    ) -> FuncResponse {
        self.call(auth, "billmgrPost", merge(req, Some(body.0)))
            .await
    }
}

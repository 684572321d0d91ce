//! The BPM command surface of seeds 000/001: `POST /api/bpm/cmd` with a body
//! `{"$type": "<command>", …}`, answered in the envelope `{success, data, message, errors}`
//! with an HTTP status that matches the outcome (200, 201 for a creation, 4xx/5xx for a
//! failure, whose `errors` list says why). Numeric ids. Each command is authorized again by
//! what it does (employees read or write; crediting a referral is a referrals write).
mod convert;
pub mod types;

pub(crate) use convert::upload_errors;

use base64::Engine;
use poem::web::RemoteAddr;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use self::convert::*;
pub use self::types::*;
use super::{ApiAuth, ApiTags, State};
use crate::authz::{READ, WRITE};
use crate::domain::employees::{self, BpmPage, FilterTarget, UpsertRow};
use crate::domain::Ctx;
use crate::error::{AppError, Result};

pub struct BpmApi {
    pub state: State,
}

#[derive(ApiResponse, Debug)]
pub enum BpmAnswer {
    /// Done; `data` holds the answer.
    #[oai(status = 200)]
    Ok(Json<BpmResponse>),
    /// Created; `data` holds the new employee or referral.
    #[oai(status = 201)]
    Created(Json<BpmResponse>),
    /// Bad input, or an unknown `$type` (the answer lists the supported ones).
    #[oai(status = 400)]
    BadRequest(Json<BpmResponse>),
    #[oai(status = 401)]
    Unauthorized(Json<BpmResponse>),
    #[oai(status = 403)]
    Forbidden(Json<BpmResponse>),
    #[oai(status = 404)]
    NotFound(Json<BpmResponse>),
    #[oai(status = 409)]
    Conflict(Json<BpmResponse>),
    #[oai(status = 422)]
    Unprocessable(Json<BpmResponse>),
    #[oai(status = 429)]
    TooManyRequests(Json<BpmResponse>),
    #[oai(status = 500)]
    Internal(Json<BpmResponse>),
    /// The mail server refused the message or did not answer.
    #[oai(status = 502)]
    BadGateway(Json<BpmResponse>),
}

/// The failure envelope: `message` says what failed, `errors` why.
pub fn failure(message: &str, errors: Vec<String>) -> BpmResponse {
    BpmResponse {
        success: false,
        data: None,
        message: message.to_string(),
        errors,
    }
}

/// Seed 000's words for the not-founds of crediting a referral.
fn public_error(err: &AppError) -> String {
    match err {
        AppError::NotFound(what) if what == employees::UNKNOWN_CODE => {
            "Invalid referral code".into()
        }
        AppError::NotFound(what) if what == employees::NOT_AN_EMPLOYEE => {
            "No employee found with the specified referral code".into()
        }
        other => other.public_message(),
    }
}

fn answer_error(failed: &str, err: AppError) -> BpmAnswer {
    let body = Json(failure(failed, vec![public_error(&err)]));
    match err {
        AppError::Invalid { .. } | AppError::Missing { .. } => BpmAnswer::BadRequest(body),
        AppError::Unprocessable { .. } => BpmAnswer::Unprocessable(body),
        AppError::Unauthorized(_) => BpmAnswer::Unauthorized(body),
        AppError::Forbidden(_) => BpmAnswer::Forbidden(body),
        AppError::NotFound(_) => BpmAnswer::NotFound(body),
        AppError::Conflict(_) => BpmAnswer::Conflict(body),
        AppError::Busy(_) => BpmAnswer::TooManyRequests(body),
        AppError::Upstream(_) => BpmAnswer::BadGateway(body),
        AppError::Internal(_) | AppError::Db(_) => BpmAnswer::Internal(body),
    }
}

/// A command's outcome before it is put in the envelope.
struct Done {
    data: BpmData,
    message: String,
    created: bool,
}

fn done(data: BpmData, message: impl Into<String>) -> Result<Done> {
    Ok(Done {
        data,
        message: message.into(),
        created: false,
    })
}

impl BpmCommand {
    /// What the command needs, and the message of its failure.
    fn needs(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            BpmCommand::CreateEmployeeCommand(_) => {
                ("employees", WRITE, "Failed to create employee")
            }
            BpmCommand::UpdateEmployeeCommand(_) => {
                ("employees", WRITE, "Failed to update employee")
            }
            BpmCommand::RetrieveEmployeesListQuery(_) => {
                ("employees", READ, "Failed to retrieve employees")
            }
            BpmCommand::RetrieveEmployeeByIdQuery(_) => {
                ("employees", READ, "Failed to retrieve employee")
            }
            BpmCommand::UploadEmployeesCommand(_) => {
                ("employees", WRITE, "Failed to upload employees")
            }
            BpmCommand::RetrieveEmployeeReferralsQuery(_) => {
                ("employees", READ, "Failed to retrieve referrals")
            }
            BpmCommand::CreateEmployeeReferralCommand(_) => {
                ("referrals", WRITE, "Failed to create referral")
            }
            BpmCommand::SendEmployeeReferralCodeCommand(_) => {
                ("employees", WRITE, "Failed to send referral code")
            }
        }
    }
}

#[OpenApi(tag = "ApiTags::Bpm")]
impl BpmApi {
    /// Run a BPM command or query
    ///
    /// One endpoint for the eight employee commands of seeds 000/001, chosen by `$type`.
    #[oai(path = "/api/bpm/cmd", method = "post", operation_id = "bpmCommand")]
    async fn command(
        &self,
        auth: ApiAuth,
        body: Json<BpmCommand>,
        remote: &RemoteAddr,
    ) -> BpmAnswer {
        let (resource, action, failed) = body.0.needs();
        let ctx = match self.state.tenant(auth, "bpmCommand").await {
            Ok(ctx) => ctx,
            Err(e) => return answer_error(failed, e),
        };
        if !self.state.authz.allows(&ctx, resource, action).await {
            let e = AppError::Forbidden(format!("role `{}` may not {action} {resource}", ctx.role));
            return answer_error(failed, e);
        }
        let ip = remote.as_socket_addr().map(|a| a.ip().to_string());
        match self.run(&ctx, body.0, ip).await {
            Ok(d) => {
                let body = Json(BpmResponse {
                    success: true,
                    data: Some(d.data),
                    message: d.message,
                    errors: vec![],
                });
                if d.created {
                    BpmAnswer::Created(body)
                } else {
                    BpmAnswer::Ok(body)
                }
            }
            Err(e) => answer_error(failed, e),
        }
    }
}

impl BpmApi {
    async fn run(&self, ctx: &Ctx, cmd: BpmCommand, ip: Option<String>) -> Result<Done> {
        let (state, db) = (&self.state, &self.state.db);
        match cmd {
            BpmCommand::CreateEmployeeCommand(c) => {
                let view = employees::create(ctx, db, create_fields(c)).await?;
                Ok(Done {
                    data: BpmData::Employee(Box::new(employee(view))),
                    message: "Employee created successfully".into(),
                    created: true,
                })
            }
            BpmCommand::UpdateEmployeeCommand(c) => {
                let id = c.id.0;
                let view = employees::update(ctx, db, id, update_fields(c)).await?;
                done(
                    BpmData::Employee(Box::new(employee(view))),
                    "Employee updated successfully",
                )
            }
            BpmCommand::RetrieveEmployeeByIdQuery(q) => {
                let view = employees::get(ctx, db, q.id.0).await?;
                done(
                    BpmData::Employee(Box::new(employee(view))),
                    "Employee retrieved successfully",
                )
            }
            BpmCommand::RetrieveEmployeesListQuery(q) => {
                let page = BpmPage::parse(q.page_number.map(|p| p.0), q.page_size.map(|p| p.0))?;
                let export = q.is_export.unwrap_or(false);
                let list = list_query(q)?;
                if export {
                    let turn = state.imports.claim(ctx.org_id)?;
                    let views = employees::export(ctx, db, &list).await?;
                    let count = views.len() as i64;
                    let bytes = state
                        .imports
                        .run(&turn, move || crate::import::write::employees(&views))
                        .await?;
                    let name = format!(
                        "employees-{}.xlsx",
                        crate::domain::clock::now().format("%Y%m%d-%H%M%S")
                    );
                    return done(
                        BpmData::ExportFile(BpmExportFile {
                            file_name: name,
                            content_type: crate::import::write::XLSX_CONTENT_TYPE.into(),
                            content: base64::engine::general_purpose::STANDARD.encode(bytes),
                            row_count: count,
                        }),
                        "Employees exported successfully",
                    );
                }
                let found = employees::list(ctx, db, &list, page).await?;
                done(
                    BpmData::EmployeePage(employee_page(found, page)),
                    "Employees retrieved successfully",
                )
            }
            BpmCommand::UploadEmployeesCommand(c) => {
                let outcome = self.upload(ctx, c).await?;
                let message = outcome.message();
                done(BpmData::UploadResult(upload_result(outcome)), message)
            }
            BpmCommand::RetrieveEmployeeReferralsQuery(q) => {
                let page = BpmPage::parse(q.page_number.map(|p| p.0), q.page_size.map(|p| p.0))?;
                let query = employees::ListEmployeeReferrals {
                    employee_id: q.employee_id.map(|i| i.0),
                    start_date: date(q.start_date, "startDate", false)?,
                    end_date: date(q.end_date, "endDate", true)?,
                    filters: filters(q.filters, FilterTarget::Referrals)?,
                };
                let found = employees::list_referrals(ctx, db, &query, page).await?;
                done(
                    BpmData::ReferralPage(referral_page(found, page)),
                    "Referrals retrieved successfully",
                )
            }
            BpmCommand::CreateEmployeeReferralCommand(c) => {
                let input = employees::NewEmployeeReferral {
                    referral_code: c.referral_code.into_inner(),
                    customer_name: c.customer_name.into_inner(),
                    customer_account_number: c.customer_account_number.map(Into::into),
                    client_id: c.client_id.map(Into::into),
                };
                let made = employees::create_referral(ctx, db, &state.scripts, input, ip).await?;
                Ok(Done {
                    data: BpmData::Referral(referral(made)),
                    message: "Referral created successfully".into(),
                    created: true,
                })
            }
            BpmCommand::SendEmployeeReferralCodeCommand(c) => {
                let id = c
                    .employee_id
                    .or(c.id)
                    .ok_or_else(|| AppError::missing("employeeId", "is required"))?;
                let sent =
                    employees::send_code(ctx, db, &state.mailer, &state.public_base, id.0).await?;
                done(
                    BpmData::SentCode(BpmSentCode {
                        employee_id: sent.employee_id,
                        email: sent.email,
                        referral_code: sent.referral_code,
                        share_url: sent.share_url,
                    }),
                    "Referral code sent successfully",
                )
            }
        }
    }

    /// An upload from `employees` or from `fileContent` (exactly one of them).
    async fn upload(
        &self,
        ctx: &Ctx,
        c: UploadEmployeesCommand,
    ) -> Result<employees::UpsertOutcome> {
        let dry_run = c.dry_run.unwrap_or(false);
        // The org's turn, held until the rows are written.
        let turn = self.state.imports.claim(ctx.org_id)?;
        let (rows, errors) = match (c.employees, c.file_content) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid(
                    "fileContent",
                    "give either employees or fileContent, not both",
                ))
            }
            (Some(list), None) => (
                list.into_iter()
                    .enumerate()
                    .map(|(i, e)| UpsertRow {
                        row: i as u32 + 1,
                        fields: upload_fields(e),
                    })
                    .collect(),
                vec![],
            ),
            (None, Some(content)) => {
                let bytes = decode_file(&content)?;
                let sheet = self
                    .state
                    .imports
                    .run(&turn, move || {
                        crate::import::read_employees("fileContent", &bytes, &crate::import::LIMITS)
                    })
                    .await?;
                (sheet.rows, sheet.errors)
            }
            (None, None) => {
                return Err(AppError::missing(
                    "employees",
                    "is required (or fileContent with an xlsx file)",
                ))
            }
        };
        employees::upsert_many(ctx, &self.state.db, rows, errors, dry_run, None).await
    }
}

/// Why a BPM body did not parse, as (field, problem): a missing or unknown `$type` names the
/// supported ones; otherwise the command's own schema names the field at fault.
pub fn explain_parse_error(spec: &serde_json::Value, body: &[u8]) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let supported = COMMAND_TYPES.join(", ");
    let kind = match value.get("$type") {
        None | Some(serde_json::Value::Null) => {
            return Some((
                "$type".into(),
                format!("is required; supported: {supported}"),
            ))
        }
        Some(serde_json::Value::String(k)) => k.clone(),
        Some(_) => {
            return Some((
                "$type".into(),
                format!("must be a string; supported: {supported}"),
            ))
        }
    };
    if !COMMAND_TYPES.contains(&kind.as_str()) {
        return Some((
            "$type".into(),
            format!("unknown command `{kind}`; supported: {supported}"),
        ));
    }
    crate::api::strict::diagnose(spec, &kind, body)
}

/// `fileContent` as bytes: base64 (standard or URL-safe, padding optional, a `data:` URL
/// prefix allowed), at most the file cap.
fn decode_file(content: &str) -> Result<Vec<u8>> {
    let b64 = content
        .split_once("base64,")
        .map_or(content, |(_, rest)| rest)
        .trim();
    let cap = crate::import::LIMITS.max_file_bytes;
    if b64.len() / 4 * 3 > cap + 3 {
        return Err(AppError::invalid(
            "fileContent",
            format!("the file is larger than {} MiB", cap / (1024 * 1024)),
        ));
    }
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let cleaned: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let unpadded = cleaned.trim_end_matches('=');
    let padded = format!("{unpadded}{}", "=".repeat((4 - unpadded.len() % 4) % 4));
    STANDARD
        .decode(&padded)
        .or_else(|_| URL_SAFE.decode(&padded))
        .map_err(|_| AppError::invalid("fileContent", "is not base64"))
}

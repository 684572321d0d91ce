//! Employees from and to Excel on the native surface: `POST /api/v1/employees/upload`
//! (multipart: `file`, an xlsx, and `dryRun`) and `GET /api/v1/employees/template.xlsx`. The
//! upload reads the file through the same gate and reader as the BPM command and the CLI.
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi};

use crate::api::bpm::BpmUploadError;
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::employees;
use crate::error::AppError;
use crate::import;

pub struct EmployeesApi {
    pub state: State,
}

/// An xlsx upload.
#[derive(Multipart, Debug)]
#[oai(rename_all = "camelCase")]
pub struct EmployeeUploadForm {
    /// The xlsx file (first sheet, header in row 1; at most 16 MiB).
    pub file: Upload,
    /// Check and count, write nothing.
    pub dry_run: Option<bool>,
}

/// What an upload did (or, with `dryRun`, would do).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct EmployeeUploadResult {
    /// `Upload complete. Created: n, Updated: n, Errors: n.`
    pub message: String,
    pub created: i64,
    pub updated: i64,
    pub error_count: i64,
    pub errors: Vec<BpmUploadError>,
    pub dry_run: bool,
}

#[derive(ApiResponse)]
pub enum TemplateResponse {
    /// The upload template: the header row of every column the upload reads.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(Attachment<Vec<u8>>),
}

#[OpenApi(tag = "ApiTags::Employees")]
impl EmployeesApi {
    /// Upload employees from an xlsx file
    ///
    /// Upserts by staffId. Valid rows are applied in one transaction; each invalid row is
    /// reported with its row number (the header is row 1), column and reason.
    #[oai(
        path = "/api/v1/employees/upload",
        method = "post",
        operation_id = "uploadEmployees"
    )]
    async fn upload(
        &self,
        auth: ApiAuth,
        form: EmployeeUploadForm,
    ) -> Result<Json<EmployeeUploadResult>, ApiError> {
        let ctx = self.state.tenant(auth, "uploadEmployees").await?;
        // The org's turn, held until the rows are written.
        let turn = self.state.imports.claim(ctx.org_id)?;
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|e| AppError::invalid("file", format!("cannot be read: {e}")))?;
        let sheet = self
            .state
            .imports
            .run(&turn, move || {
                import::read_employees("file", &bytes, &import::LIMITS)
            })
            .await?;
        let dry_run = form.dry_run.unwrap_or(false);
        let outcome = employees::upsert_many(
            &ctx,
            &self.state.db,
            sheet.rows,
            sheet.errors,
            dry_run,
            None,
        )
        .await?;
        Ok(Json(EmployeeUploadResult {
            message: outcome.message(),
            created: outcome.created as i64,
            updated: outcome.updated as i64,
            error_count: outcome.errors.len() as i64,
            errors: crate::api::bpm::upload_errors(outcome.errors),
            dry_run: outcome.dry_run,
        }))
    }

    /// Download the employee upload template
    #[oai(
        path = "/api/v1/employees/template.xlsx",
        method = "get",
        operation_id = "employeesTemplate"
    )]
    async fn template(&self, auth: ApiAuth) -> Result<TemplateResponse, ApiError> {
        self.state.tenant(auth, "employeesTemplate").await?;
        let bytes = import::write::template()?;
        Ok(TemplateResponse::Ok(
            Attachment::new(bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename("employees-template.xlsx"),
        ))
    }
}

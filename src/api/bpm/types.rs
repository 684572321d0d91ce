//! The BPM surface's bodies (seeds 000/001): the eight commands, a discriminated union on
//! `$type`, and the answers, all inside the `{success, data, message, errors}` envelope.
use poem_openapi::{Object, Union};
use serde_json::Value;

use crate::api::wire::{BpmPageSize, EmployeeStatusCode, Line, NumericId, PageNumber, Text};

/// Contact details of an employee (000).
#[derive(Object, Debug, Clone, Default)]
#[oai(rename = "BpmContactDetails", rename_all = "camelCase")]
pub struct ContactDetails {
    pub mobile: Option<Line<40>>,
    pub address_line1: Option<Line<200>>,
    pub address_line2: Option<Line<200>>,
    pub city: Option<Line<100>>,
    pub state: Option<Line<100>>,
    pub zip_code: Option<Line<20>>,
    pub country: Option<Line<100>>,
}

/// Create an employee; a `REF-…` referral code is generated.
#[derive(Object, Debug, Clone)]
#[oai(rename = "CreateEmployeeCommand", rename_all = "camelCase")]
pub struct CreateEmployeeCommand {
    /// Unique within the org.
    pub staff_id: Line<50>,
    pub email: Line<254>,
    pub first_name: Line<100>,
    pub last_name: Line<100>,
    pub title: Option<Line<50>>,
    pub middle_name: Option<Line<100>>,
    /// `YYYY-MM-DD` (an ISO 8601 date-time is read as its date).
    pub date_of_birth: Option<Line<40>>,
    pub branch: Option<Line<100>>,
    pub role: Option<Line<100>>,
    /// Default false.
    pub is_account_officer: Option<bool>,
    /// Default true; false: the employee cannot be credited with referrals.
    pub can_refer_customer: Option<bool>,
    /// Default true; false: disabled, cannot be credited with referrals.
    pub is_enabled: Option<bool>,
    pub note: Option<Text<2000>>,
    pub contact_details: Option<ContactDetails>,
}

/// Change an employee: fields given are set (an optional text given empty is cleared), fields
/// absent keep their value; the referral code never changes.
#[derive(Object, Debug, Clone)]
#[oai(rename = "UpdateEmployeeCommand", rename_all = "camelCase")]
pub struct UpdateEmployeeCommand {
    pub id: NumericId,
    pub staff_id: Option<Line<50>>,
    pub email: Option<Line<254>>,
    pub first_name: Option<Line<100>>,
    pub last_name: Option<Line<100>>,
    pub title: Option<Line<50>>,
    pub middle_name: Option<Line<100>>,
    pub date_of_birth: Option<Line<40>>,
    pub branch: Option<Line<100>>,
    pub role: Option<Line<100>>,
    pub is_account_officer: Option<bool>,
    pub can_refer_customer: Option<bool>,
    pub is_enabled: Option<bool>,
    pub note: Option<Text<2000>>,
    pub contact_details: Option<ContactDetails>,
}

/// One dynamic filter. `field` is a property path, matched ignoring case: on employees `Id`,
/// `StaffId`, `FirstName`, `LastName`, `MiddleName`, `Title`, `Branch`, `Role`,
/// `EmployeeContact.Email`, `EmployeeContact.Mobile`, `IsEnabled`, `IsAccountOfficer`,
/// `CanReferCustomer`, `CreatedAt`; on referrals `Employee.StaffId`,
/// `Employee.EmployeeContact.Email`, `Employee.FirstName`, `Employee.LastName`,
/// `Employee.Branch`, `CustomerAccountNumber`. `operator`, ignoring case: equals, notequals,
/// contains, startswith, endswith, in (an array, or text separated by commas), greaterthan,
/// greaterthanorequal, lessthan, lessthanorequal, isnull (value true or false). Text compares
/// ignoring case. An unknown field or operator is a 400 naming the allowed ones.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmFilter", rename_all = "camelCase")]
pub struct BpmFilter {
    pub field: Line<100>,
    pub operator: Line<40>,
    /// A string, number or boolean; an array for `in`.
    pub value: Option<Value>,
}

/// List employees, newest first, or export them (`isExport`) as an xlsx.
#[derive(Object, Debug, Clone)]
#[oai(rename = "RetrieveEmployeesListQuery", rename_all = "camelCase")]
pub struct RetrieveEmployeesListQuery {
    /// Answer every matching employee as an xlsx file instead of a page.
    pub is_export: Option<bool>,
    /// Default 1.
    pub page_number: Option<PageNumber>,
    /// Default 10; values above 100 read as 100.
    pub page_size: Option<BpmPageSize>,
    pub id: Option<NumericId>,
    /// Any of these statuses: 1 active (enabled), 0 inactive (disabled).
    #[oai(validator(max_items = 2))]
    pub status: Option<Vec<EmployeeStatusCode>>,
    /// Created on or after (a date is its first moment; or an RFC 3339 date-time).
    pub start_date: Option<Line<40>>,
    /// Created on or before (a date is its last moment; or an RFC 3339 date-time).
    pub end_date: Option<Line<40>>,
    #[oai(validator(max_items = 20))]
    pub filters: Option<Vec<BpmFilter>>,
}

/// One employee by id.
#[derive(Object, Debug, Clone)]
#[oai(rename = "RetrieveEmployeeByIdQuery", rename_all = "camelCase")]
pub struct RetrieveEmployeeByIdQuery {
    pub id: NumericId,
}

/// One employee of an upload's `employees` list.
#[derive(Object, Debug, Clone)]
#[oai(rename = "UploadEmployee", rename_all = "camelCase")]
pub struct UploadEmployee {
    pub staff_id: Option<Line<50>>,
    pub email: Option<Line<254>>,
    pub title: Option<Line<50>>,
    pub first_name: Option<Line<100>>,
    pub last_name: Option<Line<100>>,
    pub middle_name: Option<Line<100>>,
    pub date_of_birth: Option<Line<40>>,
    pub branch: Option<Line<100>>,
    pub role: Option<Line<100>>,
    pub is_account_officer: Option<bool>,
    pub can_refer_customer: Option<bool>,
    pub is_enabled: Option<bool>,
    pub note: Option<Text<2000>>,
    pub contact_details: Option<ContactDetails>,
}

/// Upsert employees by staffId, from `employees` or from an xlsx (`fileContent`, base64; the
/// first sheet, header in row 1). Valid rows are applied in one transaction; each invalid row
/// is reported with its row number, column and reason.
#[derive(Object, Debug, Clone)]
#[oai(rename = "UploadEmployeesCommand", rename_all = "camelCase")]
pub struct UploadEmployeesCommand {
    #[oai(validator(max_items = 10000))]
    pub employees: Option<Vec<UploadEmployee>>,
    /// The xlsx file, base64 (at most 16 MiB decoded).
    pub file_content: Option<String>,
    pub file_name: Option<Line<255>>,
    /// Check and count, write nothing.
    pub dry_run: Option<bool>,
}

/// Referrals credited to employees (seed 001), newest first.
#[derive(Object, Debug, Clone)]
#[oai(rename = "RetrieveEmployeeReferralsQuery", rename_all = "camelCase")]
pub struct RetrieveEmployeeReferralsQuery {
    /// One employee's referrals; an id the org does not have answers "Employee not found".
    pub employee_id: Option<NumericId>,
    pub page_number: Option<PageNumber>,
    pub page_size: Option<BpmPageSize>,
    /// On or after this date (inclusive; or an RFC 3339 date-time).
    pub start_date: Option<Line<40>>,
    /// On or before this date (inclusive: the whole day; or an RFC 3339 date-time).
    pub end_date: Option<Line<40>>,
    #[oai(validator(max_items = 20))]
    pub filters: Option<Vec<BpmFilter>>,
}

/// Credit a customer registration to the employee whose referral code it used.
#[derive(Object, Debug, Clone)]
#[oai(rename = "CreateEmployeeReferralCommand", rename_all = "camelCase")]
pub struct CreateEmployeeReferralCommand {
    pub referral_code: Line<32>,
    pub customer_name: Line<200>,
    /// One live referral per account number in the employee program.
    pub customer_account_number: Option<Line<64>>,
    pub client_id: Option<Line<128>>,
}

/// Mail an employee their referral code and share link.
#[derive(Object, Debug, Clone)]
#[oai(rename = "SendEmployeeReferralCodeCommand", rename_all = "camelCase")]
pub struct SendEmployeeReferralCodeCommand {
    /// The employee's id (`id` is accepted too).
    pub employee_id: Option<NumericId>,
    pub id: Option<NumericId>,
}

/// A BPM command or query, by its `$type`.
#[derive(Union, Debug, Clone)]
#[oai(discriminator_name = "$type")]
pub enum BpmCommand {
    CreateEmployeeCommand(CreateEmployeeCommand),
    UpdateEmployeeCommand(UpdateEmployeeCommand),
    RetrieveEmployeesListQuery(RetrieveEmployeesListQuery),
    RetrieveEmployeeByIdQuery(RetrieveEmployeeByIdQuery),
    UploadEmployeesCommand(UploadEmployeesCommand),
    RetrieveEmployeeReferralsQuery(RetrieveEmployeeReferralsQuery),
    CreateEmployeeReferralCommand(CreateEmployeeReferralCommand),
    SendEmployeeReferralCodeCommand(SendEmployeeReferralCodeCommand),
}

/// The `$type` values, for messages.
pub const COMMAND_TYPES: [&str; 8] = [
    "CreateEmployeeCommand",
    "UpdateEmployeeCommand",
    "RetrieveEmployeesListQuery",
    "RetrieveEmployeeByIdQuery",
    "UploadEmployeesCommand",
    "RetrieveEmployeeReferralsQuery",
    "CreateEmployeeReferralCommand",
    "SendEmployeeReferralCodeCommand",
];

/// An employee (000).
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmEmployee", rename_all = "camelCase")]
pub struct BpmEmployee {
    pub id: i64,
    pub staff_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: Option<String>,
    pub title: Option<String>,
    pub date_of_birth: Option<String>,
    /// e.g. `REF-7KQ2M9XA`; null only if the code was deactivated by hand.
    pub referral_code: Option<String>,
    pub branch: Option<String>,
    pub role: Option<String>,
    pub is_account_officer: bool,
    pub can_refer_customer: bool,
    pub is_enabled: bool,
    /// 1 active (enabled), 0 inactive.
    pub status: i32,
    pub note: Option<String>,
    pub contact_details: BpmContactView,
    pub created_at: crate::api::wire::Timestamp,
    pub updated_at: crate::api::wire::Timestamp,
}

/// An employee's contact details as answered.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmContactView", rename_all = "camelCase")]
pub struct BpmContactView {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
}

/// A page of employees.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmEmployeePage", rename_all = "camelCase")]
pub struct BpmEmployeePage {
    pub items: Vec<BpmEmployee>,
    pub page_number: i64,
    pub page_size: i64,
    pub total_count: i64,
    pub total_pages: i64,
}

/// A referral credited to an employee (seed 001).
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmEmployeeReferral", rename_all = "camelCase")]
pub struct BpmEmployeeReferral {
    pub referral_id: i64,
    pub employee_id: i64,
    pub referral_code: Option<String>,
    pub customer_name: Option<String>,
    pub customer_account_number: Option<String>,
    pub created_at: crate::api::wire::Timestamp,
}

/// A page of employee referrals.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmEmployeeReferralPage", rename_all = "camelCase")]
pub struct BpmEmployeeReferralPage {
    pub items: Vec<BpmEmployeeReferral>,
    pub page_number: i64,
    pub page_size: i64,
    pub total_count: i64,
    pub total_pages: i64,
}

/// A row an upload did not apply.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmUploadError", rename_all = "camelCase")]
pub struct BpmUploadError {
    /// Spreadsheet numbering for a file (the header is row 1); position from 1 in `employees`.
    pub row: i64,
    /// The field at fault (`staffId`, `email`, …), or `row`.
    pub column: String,
    pub reason: String,
}

/// What an upload did (or, with `dryRun`, would do).
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmUploadResult", rename_all = "camelCase")]
pub struct BpmUploadResult {
    pub created: i64,
    pub updated: i64,
    pub error_count: i64,
    pub errors: Vec<BpmUploadError>,
    pub dry_run: bool,
}

/// An xlsx export.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmExportFile", rename_all = "camelCase")]
pub struct BpmExportFile {
    pub file_name: String,
    pub content_type: String,
    /// The file, base64.
    pub content: String,
    /// Employees in the file.
    pub row_count: i64,
}

/// A mailed referral code.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmSentCode", rename_all = "camelCase")]
pub struct BpmSentCode {
    pub employee_id: i64,
    pub email: String,
    pub referral_code: String,
    pub share_url: String,
}

/// What a command answers in `data`.
#[derive(Union, Debug, Clone)]
pub enum BpmData {
    Employee(Box<BpmEmployee>),
    EmployeePage(BpmEmployeePage),
    ExportFile(BpmExportFile),
    UploadResult(BpmUploadResult),
    ReferralPage(BpmEmployeeReferralPage),
    Referral(BpmEmployeeReferral),
    SentCode(BpmSentCode),
}

/// Every BPM answer: `data` is null on failure, `errors` empty on success.
#[derive(Object, Debug, Clone)]
#[oai(rename = "BpmResponse", rename_all = "camelCase")]
pub struct BpmResponse {
    pub success: bool,
    pub data: Option<BpmData>,
    pub message: String,
    pub errors: Vec<String>,
}

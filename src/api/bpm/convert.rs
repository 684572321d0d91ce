//! Translations between the BPM wire types and the employee domain.
use super::types::*;
use crate::api::wire::{Line, Text};
use crate::domain::employees::{
    self, BpmPage, ContactFields, EmployeeFields, EmployeeReferral, EmployeeView, FilterTarget,
    ListEmployees, RawFilter, UpsertOutcome, UpsertRowError,
};
use crate::domain::values;
use crate::error::Result;
use crate::store::Page;

fn s<const N: usize>(v: Option<Line<N>>) -> Option<String> {
    v.map(Into::into)
}

fn t<const N: usize>(v: Option<Text<N>>) -> Option<String> {
    v.map(Into::into)
}

fn contact(c: Option<ContactDetails>) -> ContactFields {
    let c = c.unwrap_or_default();
    ContactFields {
        mobile: s(c.mobile),
        address_line1: s(c.address_line1),
        address_line2: s(c.address_line2),
        city: s(c.city),
        state: s(c.state),
        zip_code: s(c.zip_code),
        country: s(c.country),
    }
}

/// The fields every employee body carries, mapped once; `$head` says how the four that
/// creation requires arrive (`given`: required in the body; `optional`: may be absent).
macro_rules! employee_fields {
    ($c:ident, $head:ident) => {
        EmployeeFields {
            staff_id: $head!($c.staff_id),
            email: $head!($c.email),
            first_name: $head!($c.first_name),
            last_name: $head!($c.last_name),
            title: s($c.title),
            middle_name: s($c.middle_name),
            date_of_birth: s($c.date_of_birth),
            branch: s($c.branch),
            role: s($c.role),
            is_account_officer: $c.is_account_officer,
            can_refer_customer: $c.can_refer_customer,
            is_enabled: $c.is_enabled,
            note: t($c.note),
            contact: contact($c.contact_details),
        }
    };
}

macro_rules! given {
    ($v:expr) => {
        Some($v.into())
    };
}

macro_rules! optional {
    ($v:expr) => {
        s($v)
    };
}

pub(super) fn create_fields(c: CreateEmployeeCommand) -> EmployeeFields {
    employee_fields!(c, given)
}

pub(super) fn update_fields(c: UpdateEmployeeCommand) -> EmployeeFields {
    employee_fields!(c, optional)
}

pub(super) fn upload_fields(c: UploadEmployee) -> EmployeeFields {
    employee_fields!(c, optional)
}

pub(super) fn employee(v: EmployeeView) -> BpmEmployee {
    BpmEmployee {
        id: v.id,
        status: i32::from(v.is_enabled),
        staff_id: v.staff_id,
        email: v.email,
        first_name: v.first_name,
        last_name: v.last_name,
        middle_name: v.middle_name,
        title: v.title,
        date_of_birth: v.date_of_birth,
        referral_code: v.referral_code,
        branch: v.branch,
        role: v.role,
        is_account_officer: v.is_account_officer,
        can_refer_customer: v.can_refer_customer,
        is_enabled: v.is_enabled,
        note: v.note,
        contact_details: BpmContactView {
            email: v.contact.email,
            mobile: v.contact.mobile,
            address_line1: v.contact.address_line1,
            address_line2: v.contact.address_line2,
            city: v.contact.city,
            state: v.contact.state,
            zip_code: v.contact.zip_code,
            country: v.contact.country,
        },
        created_at: v.created_at.into(),
        updated_at: v.updated_at.into(),
    }
}

/// (pageNumber, pageSize, totalCount, totalPages) of a page.
fn paging(total: u64, page: BpmPage) -> (i64, i64, i64, i64) {
    (
        page.number as i64,
        page.size as i64,
        total as i64,
        page.total_pages(total) as i64,
    )
}

pub(super) fn employee_page(p: Page<EmployeeView>, page: BpmPage) -> BpmEmployeePage {
    let (page_number, page_size, total_count, total_pages) = paging(p.total, page);
    BpmEmployeePage {
        items: p.items.into_iter().map(employee).collect(),
        page_number,
        page_size,
        total_count,
        total_pages,
    }
}

pub(super) fn referral(r: EmployeeReferral) -> BpmEmployeeReferral {
    BpmEmployeeReferral {
        referral_id: r.referral_id,
        employee_id: r.employee_id,
        referral_code: r.referral_code,
        customer_name: r.customer_name,
        customer_account_number: r.customer_account_number,
        created_at: r.created_at.into(),
    }
}

pub(super) fn referral_page(p: Page<EmployeeReferral>, page: BpmPage) -> BpmEmployeeReferralPage {
    let (page_number, page_size, total_count, total_pages) = paging(p.total, page);
    BpmEmployeeReferralPage {
        items: p.items.into_iter().map(referral).collect(),
        page_number,
        page_size,
        total_count,
        total_pages,
    }
}

/// The rows an upload refused, as answered (the BPM command and the upload route).
pub(crate) fn upload_errors(errors: Vec<UpsertRowError>) -> Vec<BpmUploadError> {
    errors
        .into_iter()
        .map(|e| BpmUploadError {
            row: i64::from(e.row),
            column: e.column,
            reason: e.reason,
        })
        .collect()
}

pub(super) fn upload_result(o: UpsertOutcome) -> BpmUploadResult {
    BpmUploadResult {
        created: o.created as i64,
        updated: o.updated as i64,
        error_count: o.errors.len() as i64,
        errors: upload_errors(o.errors),
        dry_run: o.dry_run,
    }
}

pub(super) fn date<const N: usize>(
    v: Option<Line<N>>,
    field: &str,
    end_of_day: bool,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    values::date_bound(field, v.as_deref(), end_of_day)
}

pub(super) fn filters(
    v: Option<Vec<BpmFilter>>,
    target: FilterTarget,
) -> Result<Vec<employees::Filter>> {
    let raw = v
        .unwrap_or_default()
        .into_iter()
        .map(|f| RawFilter {
            field: f.field.into(),
            operator: f.operator.into(),
            value: f.value.unwrap_or(serde_json::Value::Null),
        })
        .collect();
    employees::parse_filters("filters", target, raw)
}

pub(super) fn list_query(q: RetrieveEmployeesListQuery) -> Result<ListEmployees> {
    Ok(ListEmployees {
        id: q.id.map(|i| i.0),
        statuses: q
            .status
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                if s.0 == 1 {
                    employees::EmployeeStatus::Active
                } else {
                    employees::EmployeeStatus::Inactive
                }
            })
            .collect(),
        start_date: date(q.start_date, "startDate", false)?,
        end_date: date(q.end_date, "endDate", true)?,
        filters: filters(q.filters, FilterTarget::Employees)?,
    })
}

//! Employees (seeds 000/001): members with a staff id, in the org's employee program, each with
//! a `REF-…` referral code from the same code store as every member's.
//!
//! Invariants: `staffId` is unique per org (an index, `ux_member_staff`); an employee's code is
//! issued once, at creation, and no update touches it; `isEnabled` is the member's `disabled`
//! flag inverted, so a disabled employee is refused credit by the one referral path every
//! surface shares, as is one with `canReferCustomer` false. Surfaces see `EmployeeView` only.
//!
//! Field semantics on update and upload (decided here, README): a field that is absent keeps its
//! value; an optional text given empty clears it; required fields (staffId, email, firstName,
//! lastName) cannot be cleared.
use chrono::{DateTime, Utc};

use super::values;
use crate::error::{AppError, Result};
use crate::store::members::MemberRow;

mod filters;
mod list;
mod program;
mod referrals;
mod send;
mod write;

pub use filters::{
    parse_filters, Filter, FilterField, FilterOp, FilterTarget, FilterValue, RawFilter,
};
pub use list::{export, get, list, BpmPage, EmployeeStatus, ListEmployees};
pub use program::employee_program;
pub use referrals::{
    create_referral, list_referrals, EmployeeReferral, ListEmployeeReferrals, NewEmployeeReferral,
    NOT_AN_EMPLOYEE, UNKNOWN_CODE,
};
pub use send::{send_code, SentCode};
pub use write::{create, update, upsert_many, Progress, UpsertOutcome, UpsertRow, UpsertRowError};

/// What a 404 calls an employee: seed 001's "Employee not found".
pub(crate) const EMPLOYEE: &str = "Employee";

/// Longest staff id.
pub const STAFF_ID_MAX: usize = 50;

/// Contact details as 000 names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    pub mobile: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
}

/// An employee's fields as a surface gives them (text not yet checked). `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFields {
    pub staff_id: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub middle_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub branch: Option<String>,
    pub role: Option<String>,
    pub is_account_officer: Option<bool>,
    pub can_refer_customer: Option<bool>,
    pub is_enabled: Option<bool>,
    pub note: Option<String>,
    pub contact: ContactFields,
}

/// One optional text change: `None` keeps, `Some(None)` clears, `Some(Some(v))` sets.
pub type Change = Option<Option<String>>;

/// Checked employee fields, ready for the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmployeeChanges {
    pub staff_id: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Change,
    pub middle_name: Change,
    pub date_of_birth: Change,
    pub branch: Change,
    pub role: Change,
    pub note: Change,
    pub mobile: Change,
    pub address_line1: Change,
    pub address_line2: Change,
    pub city: Change,
    pub state: Change,
    pub zip_code: Change,
    pub country: Change,
    pub is_account_officer: Option<bool>,
    pub can_refer_customer: Option<bool>,
    pub is_enabled: Option<bool>,
}

fn required(field: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    v.map(|v| values::text(field, &v, max)).transpose()
}

fn optional(field: &str, v: Option<String>, max: usize) -> Result<Change> {
    v.map(|v| values::opt_text(field, Some(&v), max))
        .transpose()
}

/// A date of birth: `YYYY-MM-DD`, or an ISO 8601 date-time whose date part is taken.
fn birth_date(v: Option<String>) -> Result<Change> {
    let Some(raw) = optional("dateOfBirth", v, 40)? else {
        return Ok(None);
    };
    let Some(raw) = raw else {
        return Ok(Some(None));
    };
    let date = match chrono::DateTime::parse_from_rfc3339(&raw) {
        Ok(t) => t.date_naive(),
        Err(_) => values::day("dateOfBirth", &raw)?,
    };
    if date > crate::domain::clock::now().date_naive() {
        return Err(AppError::invalid(
            "dateOfBirth",
            "must not be in the future",
        ));
    }
    Ok(Some(Some(date.format("%Y-%m-%d").to_string())))
}

/// Checks every given field; `creating` requires staffId, email, firstName and lastName.
pub fn check(f: EmployeeFields, creating: bool) -> Result<EmployeeChanges> {
    let c = f.contact;
    let out = EmployeeChanges {
        staff_id: required("staffId", f.staff_id, STAFF_ID_MAX)?,
        email: f
            .email
            .map(|e| {
                let e = values::text("email", &e, 254)?;
                values::email("email", &e)
            })
            .transpose()?,
        first_name: required("firstName", f.first_name, 100)?,
        last_name: required("lastName", f.last_name, 100)?,
        title: optional("title", f.title, 50)?,
        middle_name: optional("middleName", f.middle_name, 100)?,
        date_of_birth: birth_date(f.date_of_birth)?,
        branch: optional("branch", f.branch, 100)?,
        role: optional("role", f.role, 100)?,
        note: optional("note", f.note, 2000)?,
        mobile: optional("contactDetails.mobile", c.mobile, 40)?,
        address_line1: optional("contactDetails.addressLine1", c.address_line1, 200)?,
        address_line2: optional("contactDetails.addressLine2", c.address_line2, 200)?,
        city: optional("contactDetails.city", c.city, 100)?,
        state: optional("contactDetails.state", c.state, 100)?,
        zip_code: optional("contactDetails.zipCode", c.zip_code, 20)?,
        country: optional("contactDetails.country", c.country, 100)?,
        is_account_officer: f.is_account_officer,
        can_refer_customer: f.can_refer_customer,
        is_enabled: f.is_enabled,
    };
    if creating {
        for (field, given) in [
            ("staffId", out.staff_id.is_some()),
            ("email", out.email.is_some()),
            ("firstName", out.first_name.is_some()),
            ("lastName", out.last_name.is_some()),
        ] {
            if !given {
                return Err(AppError::missing(field, "is required"));
            }
        }
    }
    Ok(out)
}

/// Contact details as 000 shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
}

/// An employee as every surface sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeView {
    /// The member's numeric id (000 shows numeric ids).
    pub id: i64,
    pub staff_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: Option<String>,
    pub title: Option<String>,
    pub date_of_birth: Option<String>,
    pub branch: Option<String>,
    pub role: Option<String>,
    pub is_account_officer: bool,
    pub can_refer_customer: bool,
    pub is_enabled: bool,
    pub note: Option<String>,
    pub contact: Contact,
    /// The active referral code (`REF-…`); `None` only if it was deactivated by hand.
    pub referral_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EmployeeView {
    pub(in crate::domain) fn of(m: MemberRow, referral_code: Option<String>) -> EmployeeView {
        EmployeeView {
            id: m.id,
            staff_id: m.staff_id.unwrap_or_default(),
            email: m.email.clone().unwrap_or_default(),
            first_name: m.first_name.unwrap_or_default(),
            last_name: m.last_name.unwrap_or_default(),
            middle_name: m.middle_name,
            title: m.title,
            date_of_birth: m.date_of_birth,
            branch: m.branch,
            role: m.employee_role,
            is_account_officer: m.is_account_officer.unwrap_or(false),
            can_refer_customer: m.can_refer_customer.unwrap_or(true),
            is_enabled: !m.disabled,
            note: m.note,
            contact: Contact {
                email: m.email,
                mobile: m.phone,
                address_line1: m.address_line1,
                address_line2: m.address_line2,
                city: m.city,
                state: m.country_subdivision,
                zip_code: m.postal_code,
                country: m.country,
            },
            referral_code,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    pub fn full_name(&self) -> String {
        [
            Some(&self.first_name),
            self.middle_name.as_ref(),
            Some(&self.last_name),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

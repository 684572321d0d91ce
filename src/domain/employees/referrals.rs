//! Employees' referrals (seed 001): listing them, and crediting a customer registration to the
//! employee whose code it names — through the same domain path as `POST /api/referrals`, so
//! fraud checks, the one-live-referral-per-customer rule, events and the employee program's
//! rules and rewards all apply.
use chrono::{DateTime, Utc};

use super::{BpmPage, Filter};
use crate::domain::codes::Code;
use crate::domain::referrals::{self, Details, NewReferral, Source};
use crate::domain::values;
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::scripting::Scripts;
use crate::store::employees::{self as store, ReferralFilter};
use crate::store::{referrals as referral_store, Db, Page};

/// A referral as seed 001 shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeReferral {
    pub referral_id: i64,
    pub employee_id: i64,
    pub referral_code: Option<String>,
    pub customer_name: Option<String>,
    pub customer_account_number: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListEmployeeReferrals {
    pub employee_id: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub filters: Vec<Filter>,
}

fn customer_name(details: &Details, first: Option<&str>, last: Option<&str>) -> Option<String> {
    details.customer_name.clone().or_else(|| {
        let whole = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!whole.is_empty()).then_some(whole)
    })
}

/// A page of referrals credited to the org's employees (one employee's with `employee_id`:
/// "Employee not found" if the org has no such employee), newest first.
pub async fn list_referrals(
    ctx: &Ctx,
    db: &Db,
    q: &ListEmployeeReferrals,
    page: BpmPage,
) -> Result<Page<EmployeeReferral>> {
    if let Some(id) = q.employee_id {
        if store::find(ctx, db.conn(), id).await?.is_none() {
            return Err(AppError::not_found(super::EMPLOYEE));
        }
    }
    let filter = ReferralFilter {
        employee_id: q.employee_id,
        created_from: q.start_date,
        created_to: q.end_date,
        filters: q.filters.clone(),
    };
    let rows = store::list_referrals(ctx, db.conn(), &filter, page.offset(), page.size).await?;
    Ok(Page {
        total: rows.total,
        items: rows
            .items
            .into_iter()
            .map(|r| {
                let details = Details::from_column(r.referral.details.as_deref());
                EmployeeReferral {
                    referral_id: r.referral.id,
                    employee_id: r.employee.id,
                    referral_code: r.code,
                    customer_name: customer_name(
                        &details,
                        r.referral.first_name.as_deref(),
                        r.referral.last_name.as_deref(),
                    ),
                    customer_account_number: r.referral.external_identifier,
                    created_at: r.referral.created_at,
                }
            })
            .collect(),
    })
}

/// A customer registration to credit to an employee.
#[derive(Debug, Clone, Default)]
pub struct NewEmployeeReferral {
    pub referral_code: String,
    pub customer_name: String,
    /// The customer's account: one live referral per account and program.
    pub customer_account_number: Option<String>,
    pub client_id: Option<String>,
}

/// The 404s of `create_referral`, as `AppError::NotFound` nouns; the BPM surface words them
/// as seed 000 does ("Invalid referral code", "No employee found with the specified referral
/// code").
pub const UNKNOWN_CODE: &str = "referral code";
pub const NOT_AN_EMPLOYEE: &str = "employee with this referral code";
const INVALID_CODE: &str = "Invalid referral code";

/// Credits a customer to the employee whose code it names. Refused: a malformed code (400) or
/// an unknown one (404), "Invalid referral code"; a code of a member who is not an employee
/// (404, "No employee found with the specified referral code"); an inactive code, a disabled
/// employee, or one with `canReferCustomer` false (422, from the shared referral path).
pub async fn create_referral(
    ctx: &Ctx,
    db: &Db,
    scripts: &Scripts,
    input: NewEmployeeReferral,
    ip: Option<String>,
) -> Result<EmployeeReferral> {
    let raw_code = input.referral_code.trim();
    if raw_code.is_empty() {
        return Err(AppError::missing("referralCode", "is required"));
    }
    let code = Code::parse("referralCode", raw_code)
        .map_err(|_| AppError::invalid("referralCode", INVALID_CODE))?;
    let customer = values::text("customerName", &input.customer_name, 200)?;
    let account = values::opt_text(
        "customerAccountNumber",
        input.customer_account_number.as_deref(),
        64,
    )?;
    let client_id = values::opt_text("clientId", input.client_id.as_deref(), 128)?;
    let Some((_, member)) = referral_store::code_with_member(ctx, db.conn(), code.as_str()).await?
    else {
        return Err(AppError::not_found(UNKNOWN_CODE));
    };
    if member.staff_id.is_none() || member.removed_at.is_some() {
        return Err(AppError::not_found(NOT_AN_EMPLOYEE));
    }
    let (first, last) = match customer.split_once(char::is_whitespace) {
        Some((f, l)) => (f.to_string(), Some(l.trim().to_string())),
        None => (customer.clone(), None),
    };
    let referral = referrals::create(
        ctx,
        db,
        scripts,
        NewReferral {
            referral_code: code.as_str().to_string(),
            first_name: Some(first),
            last_name: last,
            external_id: account.clone(),
            details: Details {
                customer_name: Some(customer.clone()),
                client_id,
                ..Default::default()
            },
            ..Default::default()
        },
        Source::Bpm,
        ip,
    )
    .await?;
    Ok(EmployeeReferral {
        referral_id: referral.id,
        employee_id: member.id,
        referral_code: referral.member_code,
        customer_name: Some(customer),
        customer_account_number: account,
        created_at: referral.created_at,
    })
}

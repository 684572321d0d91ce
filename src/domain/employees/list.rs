//! Reading employees: one by id, or a page of the filtered list (000's paging: `pageNumber`
//! from 1, `pageSize` default 10, values above 100 read as 100).
use chrono::{DateTime, Utc};

use super::{EmployeeView, Filter};
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::employees::{self as store, EmployeeFilter};
use crate::store::referral_codes as code_store;
use crate::store::{Db, Page};

/// The default page size of the BPM surface.
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// Larger page sizes read as this.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A page of a BPM list: number from 1, size 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BpmPage {
    pub number: u64,
    pub size: u64,
}

impl BpmPage {
    pub fn parse(number: Option<i64>, size: Option<i64>) -> Result<BpmPage> {
        let number = number.unwrap_or(1);
        if number < 1 {
            return Err(AppError::invalid(
                "pageNumber",
                format!("must be 1 or more, found {number}"),
            ));
        }
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE as i64);
        if size < 1 {
            return Err(AppError::invalid(
                "pageSize",
                format!("must be 1 or more, found {size}"),
            ));
        }
        Ok(BpmPage {
            number: number as u64,
            size: (size as u64).min(MAX_PAGE_SIZE),
        })
    }

    pub fn offset(&self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }

    pub fn total_pages(&self, total: u64) -> u64 {
        total.div_ceil(self.size)
    }
}

/// An employee's status in `RetrieveEmployeesListQuery.status`: 1 active (enabled), 0 inactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeStatus {
    Inactive = 0,
    Active = 1,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListEmployees {
    pub id: Option<i64>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<EmployeeStatus>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub filters: Vec<Filter>,
}

impl ListEmployees {
    fn store_filter(&self) -> EmployeeFilter {
        let active = self.statuses.contains(&EmployeeStatus::Active);
        let inactive = self.statuses.contains(&EmployeeStatus::Inactive);
        EmployeeFilter {
            id: self.id,
            enabled: match (active, inactive) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            },
            created_from: self.start_date,
            created_to: self.end_date,
            filters: self.filters.clone(),
        }
    }
}

async fn views(
    ctx: &Ctx,
    db: &Db,
    rows: Vec<crate::store::members::MemberRow>,
) -> Result<Vec<EmployeeView>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut codes = code_store::active_for_members(ctx, db.conn(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let code = codes.remove(&m.id);
            EmployeeView::of(m, code)
        })
        .collect())
}

/// A page of the org's employees, newest first.
pub async fn list(
    ctx: &Ctx,
    db: &Db,
    q: &ListEmployees,
    page: BpmPage,
) -> Result<Page<EmployeeView>> {
    let rows = store::list(ctx, db.conn(), &q.store_filter(), page.offset(), page.size).await?;
    Ok(Page {
        total: rows.total,
        items: views(ctx, db, rows.items).await?,
    })
}

/// The org's employee with this id.
pub async fn get(ctx: &Ctx, db: &Db, id: i64) -> Result<EmployeeView> {
    let row = store::find(ctx, db.conn(), id)
        .await?
        .ok_or_else(|| AppError::not_found(super::EMPLOYEE))?;
    Ok(views(ctx, db, vec![row]).await?.remove(0))
}

/// Most employees one export holds; a larger list must be narrowed (422).
pub const EXPORT_MAX: u64 = 25_000;
/// Employees read per statement while exporting.
const EXPORT_PAGE: u64 = 1_000;

/// Every employee the query matches, newest first, for an export.
pub async fn export(ctx: &Ctx, db: &Db, q: &ListEmployees) -> Result<Vec<EmployeeView>> {
    let filter = q.store_filter();
    let first = store::list(ctx, db.conn(), &filter, 0, EXPORT_PAGE).await?;
    if first.total > EXPORT_MAX {
        return Err(AppError::unprocessable(
            "isExport",
            format!(
                "{} employees match; an export holds at most {EXPORT_MAX}: narrow the filters",
                first.total
            ),
        ));
    }
    let mut rows = first.items;
    while (rows.len() as u64) < first.total {
        let next = store::list(ctx, db.conn(), &filter, rows.len() as u64, EXPORT_PAGE).await?;
        if next.items.is_empty() {
            break;
        }
        rows.extend(next.items);
    }
    views(ctx, db, rows).await
}

//! Listing referrals (003 `GET /api/referrals`): filters, sort and the offset/count window
//! (the same window as the members list: offset ≥ 0, count 1–100, default 20).
use chrono::{DateTime, Utc};

use super::identity;
use super::status::ReferralStatus;
use super::view::{load_many, Referral};
use crate::domain::codes::Code;
use crate::domain::members::parse_window;
use crate::domain::values::Email;
use crate::domain::{programs, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::MemberTable;
use crate::store::referral_codes as code_store;
pub use crate::store::referrals::Sort as ListSort;
use crate::store::referrals::{self as store, ListFilter};
use crate::store::{scope, Db, Page};

#[derive(Debug, Clone, Default)]
pub struct ListReferrals {
    /// Program id, name or title.
    pub program: Option<String>,
    /// Exact referral id, email (by mailbox), external id, or the referring member's code.
    pub query: Option<String>,
    /// The referring member's id (`mem_…`).
    pub member: Option<String>,
    pub sort: Option<ListSort>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    /// Any letter case.
    pub status: Option<String>,
    pub offset: Option<i64>,
    pub count: Option<i64>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Referrals matching the filters (removed ones never), newest first by default; answers the
/// window's offset with the page.
pub async fn list(ctx: &Ctx, db: &Db, input: ListReferrals) -> Result<(u64, Page<Referral>)> {
    let (offset, count) = parse_window(input.offset, input.count)?;
    if let (Some(from), Some(to)) = (input.date_from, input.date_to) {
        if to < from {
            return Err(AppError::invalid("dateTo", "must not be before dateFrom"));
        }
    }
    let conn = db.conn();
    let mut filter = ListFilter {
        date_from: input.date_from,
        date_to: input.date_to,
        status: present(&input.status)
            .map(|s| ReferralStatus::parse("status", s).map(ReferralStatus::as_str))
            .transpose()?,
        ..Default::default()
    };
    if let Some(p) = present(&input.program) {
        let program = programs::resolve(ctx, conn, "programId", p)
            .await
            .map_err(|e| match e {
                AppError::NotFound(what) => {
                    AppError::invalid("programId", format!("no program matches ({what})"))
                }
                other => other,
            })?;
        filter.program_id = Some(program.id);
    }
    if let Some(m) = present(&input.member) {
        // An unknown member (another org's included) simply has no referrals here.
        filter.member_id = Some(
            scope::find_by_public_id::<MemberTable>(ctx, conn, m)
                .await?
                .map_or(0, |m| m.id),
        );
    }
    if let Some(q) = present(&input.query) {
        filter.query = Some(q.to_string());
        filter.query_email_key = Email::parse(q).ok().map(|e| identity::mailbox(&e));
        if let Ok(code) = Code::parse("query", q) {
            filter.code_member_id = code_store::find_by_code(ctx, conn, code.as_str())
                .await?
                .map(|c| c.mentor.id);
        }
    }
    let sort = input.sort.unwrap_or(ListSort::CreatedDesc);
    let page = store::list(ctx, conn, &filter, sort, offset, count).await?;
    Ok((
        offset,
        Page {
            items: load_many(ctx, conn, page.items).await?,
            total: page.total,
        },
    ))
}

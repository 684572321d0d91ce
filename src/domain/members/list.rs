//! Listing members (003): filters, sort values and the offset/count window.
use chrono::{DateTime, Utc};

use super::{details, program_field, MemberDetail};
use crate::domain::codes::Code;
use crate::domain::{programs, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{self as store, ListFilter, Sort};
use crate::store::referral_codes as code_store;
use crate::store::{Db, Page};

/// Largest page of members one list call answers (003 `count`).
pub const MAX_COUNT: u64 = 100;
pub const DEFAULT_COUNT: u64 = 20;

pub struct ListMembers {
    pub program: Option<String>,
    pub query: Option<String>,
    pub show_disabled: bool,
    pub sort: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub offset: Option<i64>,
    pub count: Option<i64>,
}

pub fn parse_sort(raw: Option<&str>) -> Result<Sort> {
    Ok(match raw.map(str::trim).unwrap_or("Create_Dt_Desc") {
        "" | "Create_Dt_Desc" => Sort::CreatedDesc,
        "Create_Dt_Asc" => Sort::CreatedAsc,
        "Member_Full_Name_Asc" => Sort::NameAsc,
        "Member_Full_Name_Desc" => Sort::NameDesc,
        "Lead_Count_Asc" => Sort::LeadsAsc,
        "Lead_Count_Desc" => Sort::LeadsDesc,
        "Reward_Issued_Total_Asc" => Sort::RewardsIssuedAsc,
        "Reward_Issued_Total_Desc" => Sort::RewardsIssuedDesc,
        other => {
            return Err(AppError::invalid(
                "sort",
                format!("unknown sort `{other}`; one of Create_Dt_Desc, Create_Dt_Asc, Member_Full_Name_Asc, Member_Full_Name_Desc, Lead_Count_Asc, Lead_Count_Desc, Reward_Issued_Total_Asc, Reward_Issued_Total_Desc"),
            ))
        }
    })
}

/// 003 paging: `offset` ≥ 0 (default 0), `count` 1–100 (default 20); out of range is a 400.
pub fn parse_window(offset: Option<i64>, count: Option<i64>) -> Result<(u64, u64)> {
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::invalid(
            "offset",
            format!("must be 0 or more, got {offset}"),
        ));
    }
    let count = count.unwrap_or(DEFAULT_COUNT as i64);
    if !(1..=MAX_COUNT as i64).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("must be between 1 and {MAX_COUNT}, got {count}"),
        ));
    }
    Ok((offset as u64, count as u64))
}

pub async fn list(ctx: &Ctx, db: &Db, input: ListMembers) -> Result<(u64, Page<MemberDetail>)> {
    let (offset, count) = parse_window(input.offset, input.count)?;
    let sort = parse_sort(input.sort.as_deref())?;
    if let (Some(from), Some(to)) = (input.date_from, input.date_to) {
        if to < from {
            return Err(AppError::invalid("dateTo", "must not be before dateFrom"));
        }
    }
    let mut filter = ListFilter {
        show_disabled: input.show_disabled,
        date_from: input.date_from,
        date_to: input.date_to,
        ..Default::default()
    };
    if let Some(p) = input
        .program
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        filter.program_id =
            Some(program_field(programs::resolve(ctx, db.conn(), "programId", p).await)?.id);
    }
    if let Some(q) = input
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        filter.query = Some(q.to_string());
        if let Ok(code) = Code::parse("query", q) {
            filter.code_member_id = code_store::find_by_code(ctx, db.conn(), code.as_str())
                .await?
                .map(|c| c.mentor.id);
        }
    }
    let page = store::list(ctx, db.conn(), &filter, sort, offset, count).await?;
    let items = details(ctx, db.conn(), page.items).await?;
    Ok((
        offset,
        Page {
            items,
            total: page.total,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_003_sort_value_parses_and_others_are_refused() {
        for s in [
            "Create_Dt_Desc",
            "Create_Dt_Asc",
            "Member_Full_Name_Asc",
            "Member_Full_Name_Desc",
            "Lead_Count_Asc",
            "Lead_Count_Desc",
            "Reward_Issued_Total_Asc",
            "Reward_Issued_Total_Desc",
        ] {
            assert!(parse_sort(Some(s)).is_ok(), "{s}");
        }
        assert_eq!(parse_sort(None).unwrap(), Sort::CreatedDesc);
        assert!(parse_sort(Some("Newest")).is_err());
    }

    #[test]
    fn windows_are_bounded_not_clamped() {
        assert_eq!(parse_window(None, None).unwrap(), (0, 20));
        assert!(parse_window(Some(-1), None).is_err());
        assert!(parse_window(None, Some(0)).is_err());
        assert!(parse_window(None, Some(101)).is_err());
    }
}

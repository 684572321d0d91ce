//! Member statistics (003 `memberstats/getsingle`): a member's referrals and rewards over a time
//! period, read from the referral and reward tables.
//!
//! Shares and views are lifetime counters on the member row (no per-visit log is kept), so they
//! are answered for the `All` period only and are `None` for the others rather than a guess.
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

use super::query::find_by_text;
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::members as store;
use crate::store::Db;

/// The periods 003 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePeriod {
    All,
    MonthToDate,
    LastMonth,
    Last7Days,
    Last30Days,
}

impl TimePeriod {
    /// The (from, to) window of this period at `now`; `None` for all time.
    pub fn window(self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let month_start = |y: i32, m: u32| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single();
        match self {
            TimePeriod::All => None,
            TimePeriod::MonthToDate => month_start(now.year(), now.month()).map(|s| (s, now)),
            TimePeriod::LastMonth => {
                let this = month_start(now.year(), now.month())?;
                let (y, m) = if now.month() == 1 {
                    (now.year() - 1, 12)
                } else {
                    (now.year(), now.month() - 1)
                };
                Some((month_start(y, m)?, this - Duration::microseconds(1)))
            }
            TimePeriod::Last7Days => Some((now - Duration::days(7), now)),
            TimePeriod::Last30Days => Some((now - Duration::days(30), now)),
        }
    }
}

/// What 003 reports of a member; money in minor units of `currency`.
#[derive(Debug, Clone)]
pub struct MemberStatsView {
    pub member_id: String,
    pub currency: String,
    pub activated_date: DateTime<Utc>,
    pub last_active_date: DateTime<Utc>,
    /// Lifetime shares (email and social); `None` for periods other than `All`.
    pub member_shares: Option<i64>,
    /// Lifetime share-link views; `None` for periods other than `All`.
    pub member_views: Option<i64>,
    pub referrals_count: i64,
    pub referrals_pending: i64,
    pub referrals_qualified: i64,
    pub referrals_approved: i64,
    pub rewards_count: i64,
    pub reward_amount_total_minor: i64,
    pub rewards_issued_minor: i64,
    pub rewards_pending_minor: i64,
}

/// Statistics of the one live member `query` names (id, email, external id or referral code).
pub async fn member_stats(
    ctx: &Ctx,
    db: &Db,
    field: &str,
    query: &str,
    period: TimePeriod,
    now: DateTime<Utc>,
) -> Result<MemberStatsView> {
    let detail = find_by_text(ctx, db, field, query).await?;
    let m = &detail.member;
    let s = store::stats_in(ctx, db.conn(), &[m.id], period.window(now))
        .await?
        .remove(&m.id)
        .ok_or_else(|| AppError::Internal("member stats vanished".into()))?;
    let lifetime = period == TimePeriod::All;
    let last_active = [Some(m.created_at), Some(m.updated_at), s.last_referral_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(m.created_at);
    Ok(MemberStatsView {
        member_id: m.public_id.clone(),
        currency: detail
            .program
            .as_ref()
            .map(|p| p.currency.clone())
            .unwrap_or_else(|| "USD".into()),
        activated_date: m.created_at,
        last_active_date: last_active,
        member_shares: lifetime.then_some(m.email_shares + m.social_shares),
        member_views: lifetime.then_some(m.views),
        referrals_count: s.referrals,
        referrals_pending: s.pending,
        referrals_qualified: s.qualified,
        referrals_approved: s.approved,
        rewards_count: s.rewards,
        reward_amount_total_minor: s.reward_total_minor,
        rewards_issued_minor: s.reward_issued_minor,
        rewards_pending_minor: s.reward_pending_minor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn last_month_in_january_is_the_previous_december() {
        let (from, to) = TimePeriod::LastMonth
            .window(at("2026-01-15T10:00:00Z"))
            .unwrap();
        assert_eq!(from, at("2025-12-01T00:00:00Z"));
        assert!(to < at("2026-01-01T00:00:00Z") && to > at("2025-12-31T23:59:59Z"));
    }

    #[test]
    fn month_to_date_starts_on_the_first_and_all_has_no_window() {
        let now = at("2026-11-21T10:00:00Z");
        assert_eq!(
            TimePeriod::MonthToDate.window(now),
            Some((at("2026-11-01T00:00:00Z"), now))
        );
        assert_eq!(TimePeriod::All.window(now), None);
        assert_eq!(
            TimePeriod::Last7Days.window(now).unwrap().0,
            at("2026-11-14T10:00:00Z")
        );
    }
}

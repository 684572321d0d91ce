//! `GET /api/memberstats/getsingle`: a member's sharing, referral and reward figures (003).
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::member_types::amount;
use super::RrError;
use crate::api::enums::StatsPeriod;
use crate::api::wire::{IdText, Timestamp};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::{self, TimePeriod};
use crate::error::AppError;

pub struct RrStatsApi {
    pub state: State,
}

/// A member's figures over the period asked for. Money is in the member's program currency.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrMemberStats {
    /// When the member was created.
    pub activated_date: Timestamp,
    /// The latest of the member's creation, last change and newest referral in the period.
    pub last_active_date: Timestamp,
    /// Email and social shares over the member's life; null for periods other than `All`
    /// (shares are kept as lifetime counters).
    pub member_shares: Option<i64>,
    /// Share-link views over the member's life; null for periods other than `All`.
    pub member_views: Option<i64>,
    pub referrals_count: i64,
    pub referrals_pending: i64,
    pub referrals_qualified: i64,
    pub referrals_approved: i64,
    /// Rewards earned in the period, cancelled and removed ones excluded.
    pub rewards_count: i64,
    pub reward_amount_total: f64,
    pub rewards_issued_amount: f64,
    /// Pending, held and processing rewards.
    pub rewards_pending_amount: f64,
    /// ISO 4217 code of the amounts (ours).
    pub currency_code: String,
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrStatsApi {
    /// Statistics on a member's sharing, referral and reward activity
    #[oai(
        path = "/api/memberstats/getsingle",
        method = "get",
        operation_id = "rrGetMemberStats"
    )]
    async fn get_single(
        &self,
        auth: ApiAuth,
        /// Member id, email, external identifier or referral code.
        query: Query<Option<IdText>>,
        /// Same as `query` (some clients send this name).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// All (default), MonthToDate, LastMonth, Last7Days or Last30Days.
        #[oai(name = "timePeriod")]
        time_period: Query<Option<StatsPeriod>>,
    ) -> Result<Json<RrMemberStats>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetMemberStats").await?;
        let (field, text) = match (query.0, member_id.0) {
            (Some(q), _) => ("query", q),
            (None, Some(m)) => ("memberId", m),
            (None, None) => {
                return Err(AppError::missing("query", "is required (or memberId)").into());
            }
        };
        let period = match time_period.0.unwrap_or(StatsPeriod::All) {
            StatsPeriod::All => TimePeriod::All,
            StatsPeriod::MonthToDate => TimePeriod::MonthToDate,
            StatsPeriod::LastMonth => TimePeriod::LastMonth,
            StatsPeriod::Last7Days => TimePeriod::Last7Days,
            StatsPeriod::Last30Days => TimePeriod::Last30Days,
        };
        let now = crate::domain::clock::now();
        let s = members::member_stats(&ctx, &self.state.db, field, &text, period, now).await?;
        let c = s.currency.as_str();
        Ok(Json(RrMemberStats {
            activated_date: s.activated_date.into(),
            last_active_date: s.last_active_date.into(),
            member_shares: s.member_shares,
            member_views: s.member_views,
            referrals_count: s.referrals_count,
            referrals_pending: s.referrals_pending,
            referrals_qualified: s.referrals_qualified,
            referrals_approved: s.referrals_approved,
            rewards_count: s.rewards_count,
            reward_amount_total: amount(s.reward_amount_total_minor, c),
            rewards_issued_amount: amount(s.rewards_issued_minor, c),
            rewards_pending_amount: amount(s.rewards_pending_minor, c),
            currency_code: s.currency,
        }))
    }
}

//! `/api/rewards` (list, bulk create), `/api/rewards/update`, `/api/rewards/issue`,
//! `/api/rewards/remove` and `/api/rewardrules` in 003's shapes.
//!
//! Bulk calls answer 200 with one result per item (`resultInfo.status` Success, NotFound,
//! InvalidQuery, Ambiguous or Failed); a malformed body is a 400 naming the field (`[2].newReward.amount`).
//! `rewards/issue` answers 200 with `resultInfo` Failed when the reward is not Pending or not
//! yet eligible, like the bulk calls; an unknown reward id there is a 404.
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::OpenApi;

pub use super::reward_types::*;
use super::{date_bound, RrError};
use crate::api::enums::AmountCalculationMethod;
use crate::api::enums::{RewardSort, RuleReferralStatus, Trigger};
use crate::api::wire::{Count, IdText, Offset};
use crate::api::{idempotency, ApiAuth, ApiTags, State};
use crate::domain::members::{self, MemberQuery};
use crate::domain::referrals::ReferralQuery;
use crate::domain::rewards::ledger::{
    self, ListRewards, NewReward, RewardChange, RewardSort as Sort, RewardTarget,
};
use crate::domain::{payouts, programs, rules};
use crate::error::AppError;

use super::members::check_bulk;

pub struct RrRewardsApi {
    pub state: State,
}

fn sort_of(s: Option<RewardSort>) -> Sort {
    match s.unwrap_or(RewardSort::CreateDtDesc) {
        RewardSort::CreateDtDesc => Sort::CreatedDesc,
        RewardSort::CreateDtAsc => Sort::CreatedAsc,
        RewardSort::RewardActionDesc => Sort::AmountDesc,
        RewardSort::RewardActionAsc => Sort::AmountAsc,
        RewardSort::RecipientNameDesc => Sort::RecipientNameDesc,
        RewardSort::RecipientNameAsc => Sort::RecipientNameAsc,
        RewardSort::CompleteDtDesc => Sort::IssuedDesc,
        RewardSort::CompleteDtAsc => Sort::IssuedAsc,
    }
}

/// An f64 amount as decimal text (the shortest form that reads back as the same number).
fn amount_text(field: &str, v: f64) -> Result<String, AppError> {
    if !v.is_finite() || v <= 0.0 {
        return Err(AppError::invalid(field, "must be a number more than 0"));
    }
    Ok(format!("{v}"))
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrRewardsApi {
    /// Get a list of rewards ordered by create date (removed rewards are not listed)
    #[oai(path = "/api/rewards", method = "get", operation_id = "rrListRewards")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Program id, name or title.
        #[oai(name = "programId")]
        program_id: Query<Option<IdText>>,
        /// The referring member (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// The referral (`ref_…`).
        #[oai(name = "referralId")]
        referral_id: Query<Option<IdText>>,
        /// Recipient email, id or external identifier, member referral code, or reward id.
        query: Query<Option<IdText>>,
        /// Pending, Processing, Issued, Held or Cancelled, in any letter case.
        status: Query<Option<IdText>>,
        /// Default Create_Dt_Desc.
        sort: Query<Option<RewardSort>>,
        /// Created on or after (date or date-time).
        #[oai(name = "dateFrom")]
        date_from: Query<Option<IdText>>,
        /// Created on or before (date: the whole day, or date-time).
        #[oai(name = "dateTo")]
        date_to: Query<Option<IdText>>,
        /// 0-based index of the first reward.
        offset: Query<Option<Offset>>,
        /// How many rewards, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrRewardList>, RrError> {
        let ctx = self.state.tenant(auth, "rrListRewards").await?;
        let (offset, count) =
            members::parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        let nonblank = |v: Option<IdText>| {
            v.map(String::from)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let input = ListRewards {
            program: nonblank(program_id.0),
            member_id: nonblank(member_id.0),
            referral_id: nonblank(referral_id.0),
            query: nonblank(query.0),
            status: nonblank(status.0)
                .map(|s| ledger::parse_status("status", &s))
                .transpose()?,
            sort: sort_of(sort.0),
            date_from: date_bound("dateFrom", date_from.0.as_deref(), false)?,
            date_to: date_bound("dateTo", date_to.0.as_deref(), true)?,
            offset,
            count,
        };
        let page = ledger::list(&ctx, &self.state.db, input).await?;
        Ok(Json(RrRewardList {
            offset,
            total: page.total,
            message: None,
            rewards: page
                .items
                .into_iter()
                .map(rr_reward)
                .collect::<Result<_, _>>()?,
        }))
    }

    /// Create rewards for members by hand (each item on its own)
    #[oai(
        path = "/api/rewards",
        method = "post",
        operation_id = "rrCreateRewards"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        /// Repeating a request with the same key answers the first result again (kept at
        /// least 24 hours; 1–255 printable ASCII characters).
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: Json<Vec<RrNewRewardItem>>,
    ) -> Result<Json<Vec<RrNewRewardResult>>, RrError> {
        let ctx = self.state.tenant(auth, "rrCreateRewards").await?;
        check_bulk(body.0.len())?;
        let mut work = Vec::with_capacity(body.0.len());
        for (i, item) in body.0.iter().enumerate() {
            let (m, r) = (item.member_query.is_some(), item.referral_query.is_some());
            if m == r {
                return Err(AppError::invalid(
                    format!("[{i}].memberQuery"),
                    "give exactly one of memberQuery and referralQuery",
                )
                .into());
            }
            let n = &item.new_reward;
            let amount = match n.amount {
                Some(a) => amount_text(&format!("[{i}].newReward.amount"), a)?,
                None => {
                    return Err(AppError::missing(
                        format!("[{i}].newReward.amount"),
                        "is required for a manual reward",
                    )
                    .into())
                }
            };
            let target = match (&item.member_query, &item.referral_query) {
                (_, Some(q)) => RewardTarget::Referral(ReferralQuery::from(q)),
                (q, None) => {
                    RewardTarget::Member(q.as_ref().map(MemberQuery::from).unwrap_or_default())
                }
            };
            work.push(NewReward {
                target,
                payout_id: n.payout_id.clone().map(Into::into),
                amount,
                eligibility_date: n.eligibility_date.map(Into::into),
                description: n.description.clone().map(Into::into),
            });
        }
        let body_json = body.0.to_json().unwrap_or_default();
        let items = body.0;
        let (state, db) = (&self.state, &self.state.db);
        let answer = idempotency::run(
            state,
            &ctx,
            idempotency_key.0,
            "rrCreateRewards",
            body_json,
            "",
            200,
            || async {
                let done = ledger::create_many(&ctx, db, work).await?;
                items
                    .into_iter()
                    .zip(done)
                    .map(|(item, r)| {
                        Ok(RrNewRewardResult {
                            member_query: item.member_query,
                            referral_query: item.referral_query,
                            result_info: result_info(r.status, r.message)?,
                            reward: r.reward.map(rr_reward).transpose()?,
                        })
                    })
                    .collect::<Result<Vec<_>, AppError>>()
            },
        )
        .await?;
        Ok(Json(answer))
    }

    /// Change rewards' payout method, amount, eligibility date or description (each on its own)
    #[oai(
        path = "/api/rewards/update",
        method = "post",
        operation_id = "rrUpdateRewards"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrRewardUpdateItem>>,
    ) -> Result<Json<Vec<RrRewardResult>>, RrError> {
        let ctx = self.state.tenant(auth, "rrUpdateRewards").await?;
        check_bulk(body.0.len())?;
        let mut changes = Vec::with_capacity(body.0.len());
        for (i, item) in body.0.into_iter().enumerate() {
            changes.push(RewardChange {
                reward_id: item.reward_id.into(),
                payout_id: item.payout_id.map(Into::into),
                amount: item
                    .amount
                    .map(|a| amount_text(&format!("[{i}].amount"), a))
                    .transpose()?,
                eligibility_date: item.eligibility_date.map(Into::into),
                description: item.description.map(Into::into),
            });
        }
        let items = ledger::update_many(&ctx, &self.state.db, changes).await?;
        Ok(Json(
            items.into_iter().map(rr_result).collect::<Result<_, _>>()?,
        ))
    }

    /// Issue one Pending reward now
    #[oai(
        path = "/api/rewards/issue",
        method = "post",
        operation_id = "rrIssueReward"
    )]
    async fn issue(
        &self,
        auth: ApiAuth,
        /// Also issue a reward whose eligibility date is still in the future (default false).
        #[oai(name = "overrideIneligible")]
        override_ineligible: Query<Option<bool>>,
        body: Json<RrIssueRewardBody>,
    ) -> Result<Json<RrIssueRewardResult>, RrError> {
        let ctx = self.state.tenant(auth, "rrIssueReward").await?;
        let b = body.0;
        let out = ledger::issue(
            &ctx,
            &self.state.db,
            b.reward_id.trim(),
            b.note.map(Into::into),
            override_ineligible.0.unwrap_or(false),
        )
        .await?;
        Ok(Json(RrIssueRewardResult {
            reward: rr_reward(out.reward)?,
            result_info: result_info(out.status, out.message)?,
        }))
    }

    /// Remove rewards (cancelled and no longer listed; issued rewards stay)
    #[oai(
        path = "/api/rewards/remove",
        method = "post",
        operation_id = "rrRemoveRewards"
    )]
    async fn remove(
        &self,
        auth: ApiAuth,
        body: Json<RrRemoveRewardsBody>,
    ) -> Result<Json<Vec<RrRemoveRewardResult>>, RrError> {
        self.remove_ids(auth, "rrRemoveRewards", body.0).await
    }

    /// Remove rewards (DELETE form)
    #[oai(
        path = "/api/rewards/remove",
        method = "delete",
        operation_id = "rrRemoveRewardsDelete"
    )]
    async fn remove_delete(
        &self,
        auth: ApiAuth,
        body: Json<RrRemoveRewardsBody>,
    ) -> Result<Json<Vec<RrRemoveRewardResult>>, RrError> {
        self.remove_ids(auth, "rrRemoveRewardsDelete", body.0).await
    }

    /// The reward rules of a program, in 003's shape
    #[oai(
        path = "/api/rewardrules",
        method = "get",
        operation_id = "rrListRewardRules"
    )]
    async fn reward_rules(
        &self,
        auth: ApiAuth,
        /// Program id, name or title (required).
        #[oai(name = "programId")]
        program_id: Query<Option<IdText>>,
    ) -> Result<Json<Vec<RrRewardRule>>, RrError> {
        let ctx = self.state.tenant(auth, "rrListRewardRules").await?;
        let key = program_id
            .0
            .map(String::from)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AppError::missing("programId", "is required"))?;
        let db = &self.state.db;
        let program = programs::lookup(&ctx, db, "programId", &key).await?;
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let page = rules::list(&ctx, db, &program.id, offset, 100).await?;
            let n = page.items.len() as u64;
            all.extend(page.items);
            offset += n;
            if n == 0 || offset >= page.total {
                break;
            }
        }
        let payout_ids: Vec<String> = all.iter().filter_map(|r| r.payout_id.clone()).collect();
        let described = payouts::describe(&ctx, db, payout_ids).await?;
        let mut out = Vec::with_capacity(all.len());
        for r in all {
            let payout = r
                .payout_id
                .as_ref()
                .and_then(|id| described.iter().find(|(p, _, _)| p == id));
            let number = |s: &Option<String>| s.as_deref().and_then(|a| a.parse::<f64>().ok());
            let method = match r.reward_kind.as_str() {
                "percent" => AmountCalculationMethod::Percent,
                "script" => AmountCalculationMethod::Script,
                _ => AmountCalculationMethod::Fixed,
            };
            let trigger = Trigger::from_stored(&r.trigger)?;
            out.push(RrRewardRule {
                rule_id: r.id,
                is_enabled: r.enabled,
                description: r.name,
                rule_start_date: r.start_date.map(Into::into),
                rule_end_date: r.end_date.map(Into::into),
                program_id: r.program_id,
                payout_type: payout.map(|(_, _, t)| t.clone()),
                payout_description: payout.map(|(_, d, _)| d.clone()),
                payout_id: r.payout_id,
                delivery_type: None,
                delivery_delay: r.hold_days,
                reward: RrRuleReward {
                    fixed_amount: (method == AmountCalculationMethod::Fixed)
                        .then(|| number(&r.amount))
                        .flatten(),
                    starting_percent_amount: (method == AmountCalculationMethod::Percent)
                        .then(|| number(&r.amount))
                        .flatten(),
                    amount_calculation_method: method,
                },
                trigger: RrRuleTrigger {
                    referral_status: match trigger {
                        Trigger::ReferralCreated => Some(RuleReferralStatus::Pending),
                        Trigger::ReferralQualified => Some(RuleReferralStatus::Qualified),
                        Trigger::ReferralApproved => Some(RuleReferralStatus::Approved),
                        Trigger::Purchase => None,
                    },
                    event: trigger,
                },
            });
        }
        Ok(Json(out))
    }
}

impl RrRewardsApi {
    async fn remove_ids(
        &self,
        auth: ApiAuth,
        operation_id: &str,
        body: RrRemoveRewardsBody,
    ) -> Result<Json<Vec<RrRemoveRewardResult>>, RrError> {
        let ctx = self.state.tenant(auth, operation_id).await?;
        let ids: Vec<String> = match body {
            RrRemoveRewardsBody::Ids(ids) => ids,
            RrRemoveRewardsBody::Object(o) => o.reward_ids,
        }
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
        check_bulk(ids.len())?;
        let items = ledger::remove_many(&ctx, &self.state.db, ids.clone()).await?;
        Ok(Json(
            ids.into_iter()
                .zip(items)
                .map(|(reward_id, item)| {
                    Ok(RrRemoveRewardResult {
                        reward_id,
                        result_info: result_info(item.status, item.message)?,
                    })
                })
                .collect::<Result<_, AppError>>()?,
        ))
    }
}

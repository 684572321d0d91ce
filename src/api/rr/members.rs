//! `/api/members` (list, create), `/api/members/update`, `/api/members/remove` in 003's shapes.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

pub use super::member_types::*;
use super::{date_bound, RrError};
use crate::api::enums::{ItemStatus, MemberSort};
use crate::api::wire::{Count, IdText, Offset};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::{
    self, ItemResult, ListMembers, MemberChanges, MemberQuery, NewMember,
};
use crate::error::AppError;

/// Most items one bulk call takes.
pub const MAX_BULK_ITEMS: usize = 100;

pub struct RrMembersApi {
    pub state: State,
}

/// Bulk calls take 1 to `MAX_BULK_ITEMS` items.
pub(super) fn check_bulk(n: usize) -> Result<(), AppError> {
    if n == 0 || n > MAX_BULK_ITEMS {
        return Err(AppError::invalid(
            "body",
            format!("must hold 1 to {MAX_BULK_ITEMS} items, got {n}"),
        ));
    }
    Ok(())
}

fn results(
    base: &str,
    queries: Vec<RrMemberQuery>,
    outcomes: Vec<ItemResult>,
) -> Result<Vec<RrMemberResult>, AppError> {
    queries
        .into_iter()
        .zip(outcomes)
        .map(|(query, r)| {
            Ok(RrMemberResult {
                query,
                result_info: RrResultInfo {
                    status: ItemStatus::from_stored(r.status.as_str())?,
                    message: r.message,
                },
                member: r.member.map(|d| rr_member(base, d)).transpose()?,
            })
        })
        .collect()
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrMembersApi {
    /// Get a list of members ordered by create date
    #[oai(path = "/api/members", method = "get", operation_id = "rrListMembers")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Program id, name or title.
        #[oai(name = "programId")]
        program_id: Query<Option<IdText>>,
        /// Exact member id, email, external identifier or referral code.
        query: Query<Option<IdText>>,
        /// Include disabled members (removed members never show).
        #[oai(name = "showDisabled")]
        show_disabled: Query<Option<bool>>,
        /// Create_Dt_Desc (default), Create_Dt_Asc, Member_Full_Name_Asc/Desc, Lead_Count_Asc/Desc,
        /// Reward_Issued_Total_Asc/Desc.
        sort: Query<Option<MemberSort>>,
        /// Created on or after (date or date-time).
        #[oai(name = "dateFrom")]
        date_from: Query<Option<IdText>>,
        /// Created on or before (date: the whole day, or date-time).
        #[oai(name = "dateTo")]
        date_to: Query<Option<IdText>>,
        /// 0-based index of the first member.
        offset: Query<Option<Offset>>,
        /// How many members, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrMemberList>, RrError> {
        let ctx = self.state.tenant(auth, "rrListMembers").await?;
        let input = ListMembers {
            program: program_id.0.map(Into::into),
            query: query.0.map(Into::into),
            show_disabled: show_disabled.0.unwrap_or(false),
            sort: sort.0.map(|s| s.as_str().to_string()),
            date_from: date_bound("dateFrom", date_from.0.as_deref(), false)?,
            date_to: date_bound("dateTo", date_to.0.as_deref(), true)?,
            offset: offset.0.map(Into::into),
            count: count.0.map(Into::into),
        };
        let (offset, page) = members::list(&ctx, &self.state.db, input).await?;
        let base = &self.state.public_base;
        Ok(Json(RrMemberList {
            members: page
                .items
                .into_iter()
                .map(|d| rr_member(base, d))
                .collect::<Result<_, _>>()?,
            offset,
            total: page.total,
            message: None,
        }))
    }

    /// Create a member in a referral program
    #[oai(
        path = "/api/members",
        method = "post",
        operation_id = "rrCreateMember"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        /// Accepted for compatibility; this version sends no welcome email.
        #[oai(name = "shouldSendEmail")]
        _should_send_email: Query<Option<bool>>,
        body: Json<RrNewMember>,
    ) -> Result<RrCreateMemberResponse, RrError> {
        let ctx = self.state.tenant(auth, "rrCreateMember").await?;
        let b = body.0;
        let input = NewMember {
            program: b.program_id.map(Into::into),
            referral_code: b.referral_code.map(Into::into),
            disabled: b.disabled_flag.unwrap_or(false),
            profile: b
                .fields
                .into_profile(Some(b.first_name.into()), Some(b.email.into_inner())),
        };
        let d = members::create(&ctx, &self.state.db, input).await?;
        Ok(RrCreateMemberResponse::Created(Json(RrCreatedMember {
            member: rr_member(&self.state.public_base, d)?,
            message: None,
        })))
    }

    /// Update members matched by query objects (each item on its own)
    #[oai(
        path = "/api/members/update",
        method = "post",
        operation_id = "rrUpdateMembers"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrMemberUpdateItem>>,
    ) -> Result<Json<Vec<RrMemberResult>>, RrError> {
        let ctx = self.state.tenant(auth, "rrUpdateMembers").await?;
        check_bulk(body.0.len())?;
        let mut queries = Vec::new();
        let mut items = Vec::new();
        for item in body.0 {
            let m = item.member;
            let changes = MemberChanges {
                disabled: m.disabled_flag,
                profile: m
                    .fields
                    .into_profile(m.first_name.map(Into::into), m.email.map(Into::into)),
            };
            items.push((MemberQuery::from(&item.query), changes));
            queries.push(item.query);
        }
        let outcomes = members::update_many(&ctx, &self.state.db, items).await?;
        Ok(Json(results(&self.state.public_base, queries, outcomes)?))
    }

    /// Remove members matched by query objects (history is kept)
    #[oai(
        path = "/api/members/remove",
        method = "post",
        operation_id = "rrRemoveMembers"
    )]
    async fn remove(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrMemberRemoveItem>>,
    ) -> Result<Json<Vec<RrMemberResult>>, RrError> {
        self.remove_items(auth, "rrRemoveMembers", body.0).await
    }

    /// Remove members matched by query objects (DELETE form)
    #[oai(
        path = "/api/members/remove",
        method = "delete",
        operation_id = "rrRemoveMembersDelete"
    )]
    async fn remove_delete(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrMemberRemoveItem>>,
    ) -> Result<Json<Vec<RrMemberResult>>, RrError> {
        self.remove_items(auth, "rrRemoveMembersDelete", body.0)
            .await
    }
}

impl RrMembersApi {
    async fn remove_items(
        &self,
        auth: ApiAuth,
        operation_id: &str,
        items: Vec<RrMemberRemoveItem>,
    ) -> Result<Json<Vec<RrMemberResult>>, RrError> {
        let ctx = self.state.tenant(auth, operation_id).await?;
        check_bulk(items.len())?;
        let queries: Vec<RrMemberQuery> = items.into_iter().map(|i| i.query).collect();
        let outcomes = members::remove_many(
            &ctx,
            &self.state.db,
            queries.iter().map(MemberQuery::from).collect(),
        )
        .await?;
        Ok(Json(results(&self.state.public_base, queries, outcomes)?))
    }
}

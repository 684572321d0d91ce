//! `/api/referrals` (create, list), `/api/referral/single` and `getsingle`,
//! `/api/referral/update`, `/api/referrals/status`, `/api/referral/remove` in 003's shapes.
//!
//! The client IP that velocity checks count by is the TCP peer address (poem's `RemoteAddr`);
//! forwarded-for headers are not trusted, so behind a proxy every client shares its address.
use poem::web::RemoteAddr;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::{OpenApi, Union};

use super::member_types::RrResultInfo;
use super::members::check_bulk;
pub use super::referral_types::*;
use super::{date_bound, RrError};
use crate::api::enums::{ItemStatus, ReferralSort};
use crate::api::wire::{Count, IdText, Offset};
use crate::api::{idempotency, ApiAuth, ApiTags, State};
use crate::domain::referrals::{
    self, ListReferrals, ListSort, NewReferral, ReferralChanges, ReferralItemResult, ReferralQuery,
    SingleQuery, Source, StatusChange,
};
use crate::error::AppError;

fn result_info(r: &ReferralItemResult) -> Result<RrResultInfo, AppError> {
    Ok(RrResultInfo {
        status: ItemStatus::from_stored(r.status.as_str())?,
        message: r.message.clone(),
    })
}

fn list_sort(s: ReferralSort) -> ListSort {
    match s {
        ReferralSort::CreateDtDesc => ListSort::CreatedDesc,
        ReferralSort::CreateDtAsc => ListSort::CreatedAsc,
        ReferralSort::AmountDesc => ListSort::AmountDesc,
        ReferralSort::AmountAsc => ListSort::AmountAsc,
        ReferralSort::QualifiedDtDesc => ListSort::QualifiedDesc,
        ReferralSort::QualifiedDtAsc => ListSort::QualifiedAsc,
        ReferralSort::ClosedDtDesc => ListSort::ClosedDesc,
        ReferralSort::ClosedDtAsc => ListSort::ClosedAsc,
    }
}

fn changes(mut f: RrReferralFields) -> ReferralChanges {
    ReferralChanges {
        first_name: f.first_name.take().map(Into::into),
        last_name: f.last_name.take().map(Into::into),
        email: f.email.take().map(Into::into),
        phone: f.phone_number.take().map(Into::into),
        external_id: f.external_identifier.take().map(Into::into),
        amount: f.amount.take().map(Into::into),
        status: f.status.take().map(Into::into),
        details: f.details(),
    }
}

/// `/api/referrals/status` takes one ReferralStatus or an array of them.
#[derive(Union)]
#[oai(one_of)]
pub enum RrStatusBody {
    One(RrReferralStatusChange),
    Many(Vec<RrReferralStatusChange>),
}

pub struct RrReferralsApi {
    pub state: State,
}

/// The peer's IP address as text, when the connection has one.
pub(crate) fn client_ip(remote: &RemoteAddr) -> Option<String> {
    remote.as_socket_addr().map(|a| a.ip().to_string())
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrReferralsApi {
    /// Get a list of referrals, newest first by default
    #[oai(
        path = "/api/referrals",
        method = "get",
        operation_id = "rrListReferrals"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Program id, name or title.
        #[oai(name = "programId")]
        program_id: Query<Option<IdText>>,
        /// Exact referral id, email, external identifier, or the referring member's code.
        query: Query<Option<IdText>>,
        /// Only referrals of this referring member (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// Default Create_Dt_Desc.
        sort: Query<Option<ReferralSort>>,
        /// Created on or after (date or date-time).
        #[oai(name = "dateFrom")]
        date_from: Query<Option<IdText>>,
        /// Created on or before (date: the whole day, or date-time).
        #[oai(name = "dateTo")]
        date_to: Query<Option<IdText>>,
        /// pending, qualified, approved or denied (any letter case).
        status: Query<Option<IdText>>,
        /// 0-based index of the first referral.
        offset: Query<Option<Offset>>,
        /// How many referrals, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrReferralList>, RrError> {
        let ctx = self.state.tenant(auth, "rrListReferrals").await?;
        let input = ListReferrals {
            program: program_id.0.map(Into::into),
            query: query.0.map(Into::into),
            member: member_id.0.map(Into::into),
            sort: sort.0.map(list_sort),
            date_from: date_bound("dateFrom", date_from.0.as_deref(), false)?,
            date_to: date_bound("dateTo", date_to.0.as_deref(), true)?,
            status: status.0.map(Into::into),
            offset: offset.0.map(Into::into),
            count: count.0.map(Into::into),
        };
        let (offset, page) = referrals::list(&ctx, &self.state.db, input).await?;
        Ok(Json(RrReferralList {
            referrals: page
                .items
                .into_iter()
                .map(rr_referral)
                .collect::<Result<_, _>>()?,
            offset,
            total: page.total,
            message: None,
        }))
    }

    /// Get one referral by id, email or external id
    #[oai(
        path = "/api/referral/single",
        method = "get",
        operation_id = "rrGetReferral"
    )]
    async fn single(
        &self,
        auth: ApiAuth,
        /// The referral's email (compared by mailbox).
        email: Query<Option<IdText>>,
        #[oai(name = "referralId")] referral_id: Query<Option<IdText>>,
        #[oai(name = "externalId")] external_id: Query<Option<IdText>>,
        /// Same as externalId (some clients send this name).
        #[oai(name = "externalIdentifier")]
        external_identifier: Query<Option<IdText>>,
    ) -> Result<Json<RrReferral>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetReferral").await?;
        let by = SingleQuery {
            referral_id: referral_id.0.map(Into::into),
            email: email.0.map(Into::into),
            external_id: external_id.0.or(external_identifier.0).map(Into::into),
            text: None,
        };
        Ok(Json(rr_referral(
            referrals::single(&ctx, &self.state.db, by).await?,
        )?))
    }

    /// Get one referral (alias of /api/referral/single that also takes referralQuery)
    #[oai(
        path = "/api/referral/getsingle",
        method = "get",
        operation_id = "rrGetReferralAlias"
    )]
    async fn getsingle(
        &self,
        auth: ApiAuth,
        email: Query<Option<IdText>>,
        #[oai(name = "referralId")] referral_id: Query<Option<IdText>>,
        #[oai(name = "externalId")] external_id: Query<Option<IdText>>,
        #[oai(name = "externalIdentifier")] external_identifier: Query<Option<IdText>>,
        /// A referral id, email or external id.
        #[oai(name = "referralQuery")]
        referral_query: Query<Option<IdText>>,
    ) -> Result<Json<RrReferral>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetReferralAlias").await?;
        let by = SingleQuery {
            referral_id: referral_id.0.map(Into::into),
            email: email.0.map(Into::into),
            external_id: external_id.0.or(external_identifier.0).map(Into::into),
            text: referral_query.0.map(Into::into),
        };
        Ok(Json(rr_referral(
            referrals::single(&ctx, &self.state.db, by).await?,
        )?))
    }

    /// Update referrals matched by query objects (each item on its own)
    #[oai(
        path = "/api/referral/update",
        method = "post",
        operation_id = "rrUpdateReferrals"
    )]
    async fn update(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrReferralUpdateItem>>,
    ) -> Result<Json<Vec<RrReferralResult>>, RrError> {
        let ctx = self.state.tenant(auth, "rrUpdateReferrals").await?;
        check_bulk(body.0.len())?;
        let mut queries = Vec::new();
        let mut items = Vec::new();
        for item in body.0 {
            items.push((ReferralQuery::from(&item.query), changes(item.referral)));
            queries.push(item.query);
        }
        let outcomes =
            referrals::update_many(&ctx, &self.state.db, &self.state.scripts, items).await?;
        let out = queries
            .into_iter()
            .zip(outcomes)
            .map(|(query, r)| {
                Ok(RrReferralResult {
                    result_info: result_info(&r)?,
                    referral: r.referral.map(rr_referral).transpose()?,
                    query,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(Json(out))
    }

    /// Change referral statuses by id: one ReferralStatus object or an array of them
    #[oai(
        path = "/api/referrals/status",
        method = "post",
        operation_id = "rrSetReferralStatus"
    )]
    async fn status(
        &self,
        auth: ApiAuth,
        body: Json<RrStatusBody>,
    ) -> Result<Json<Vec<RrReferralStatusResult>>, RrError> {
        let ctx = self.state.tenant(auth, "rrSetReferralStatus").await?;
        let (items, single) = match body.0 {
            RrStatusBody::One(one) => (vec![one], true),
            RrStatusBody::Many(many) => (many, false),
        };
        check_bulk(items.len())?;
        let ids: Vec<String> = items.iter().map(|i| i.referral_id.to_string()).collect();
        let changes = items
            .into_iter()
            .map(|i| StatusChange {
                referral_id: i.referral_id.into(),
                program: i.program_id.map(Into::into),
                status: i.status.into(),
                amount: i.amount.map(Into::into),
                public_note: i.public_note.map(Into::into),
            })
            .collect();
        let mut outcomes =
            referrals::set_statuses(&ctx, &self.state.db, &self.state.scripts, changes).await?;
        if single {
            // One object answers an illegal move (or a missing referral) with its status code.
            if let Some(err) = outcomes[0].error.take() {
                return Err(err.into());
            }
        }
        let out = ids
            .into_iter()
            .zip(outcomes)
            .map(|(referral_id, r)| {
                Ok(RrReferralStatusResult {
                    result_info: result_info(&r)?,
                    referral: r.referral.map(rr_referral).transpose()?,
                    referral_id,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(Json(out))
    }

    /// Remove referrals matched by query objects (soft delete; unissued rewards are cancelled)
    #[oai(
        path = "/api/referral/remove",
        method = "post",
        operation_id = "rrRemoveReferrals"
    )]
    async fn remove(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrReferralRemoveItem>>,
    ) -> Result<Json<Vec<RrReferralRemoveResult>>, RrError> {
        self.remove_items(auth, "rrRemoveReferrals", body.0).await
    }

    /// Remove referrals matched by query objects (DELETE form)
    #[oai(
        path = "/api/referral/remove",
        method = "delete",
        operation_id = "rrRemoveReferralsDelete"
    )]
    async fn remove_delete(
        &self,
        auth: ApiAuth,
        body: Json<Vec<RrReferralRemoveItem>>,
    ) -> Result<Json<Vec<RrReferralRemoveResult>>, RrError> {
        self.remove_items(auth, "rrRemoveReferralsDelete", body.0)
            .await
    }

    /// Create a referral credited to the member whose referral or promo code it names
    #[oai(
        path = "/api/referrals",
        method = "post",
        operation_id = "rrCreateReferral"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        remote: &RemoteAddr,
        /// Repeating a request with the same key answers the first result again (kept at
        /// least 24 hours; 1–255 printable ASCII characters).
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: Json<RrNewReferral>,
    ) -> Result<RrCreateReferralResponse, RrError> {
        let ctx = self.state.tenant(auth, "rrCreateReferral").await?;
        let body_json = body.0.to_json().unwrap_or_default();
        let mut b = body.0;
        let f = &mut b.fields;
        let input = NewReferral {
            referral_code: b.referral_code.into(),
            first_name: f.first_name.take().map(Into::into),
            last_name: f.last_name.take().map(Into::into),
            email: f.email.take().map(Into::into),
            phone: f.phone_number.take().map(Into::into),
            external_id: f.external_identifier.take().map(Into::into),
            amount: f.amount.take().map(Into::into),
            status: f.status.take().map(Into::into),
            details: f.details(),
        };
        let created = idempotency::run(
            &self.state,
            &ctx,
            idempotency_key.0,
            "rrCreateReferral",
            body_json,
            "",
            201,
            || async {
                let r = referrals::create(
                    &ctx,
                    &self.state.db,
                    &self.state.scripts,
                    input,
                    Source::Api,
                    client_ip(remote),
                )
                .await?;
                Ok(RrCreatedReferral {
                    message: "Referral Added".into(),
                    referral: rr_referral(r)?,
                })
            },
        )
        .await?;
        Ok(RrCreateReferralResponse::Created(Json(created)))
    }
}

impl RrReferralsApi {
    async fn remove_items(
        &self,
        auth: ApiAuth,
        operation_id: &str,
        items: Vec<RrReferralRemoveItem>,
    ) -> Result<Json<Vec<RrReferralRemoveResult>>, RrError> {
        let ctx = self.state.tenant(auth, operation_id).await?;
        check_bulk(items.len())?;
        let queries: Vec<RrReferralQuery> = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                item.query.or(item.referral_query).ok_or_else(|| {
                    AppError::missing(format!("[{i}].query"), "is required (or referralQuery)")
                })
            })
            .collect::<Result<_, _>>()?;
        let outcomes = referrals::remove_many(
            &ctx,
            &self.state.db,
            queries.iter().map(ReferralQuery::from).collect(),
        )
        .await?;
        let out = queries
            .into_iter()
            .zip(outcomes)
            .map(|(query, r)| {
                Ok(RrReferralRemoveResult {
                    result_info: result_info(&r)?,
                    query,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(Json(out))
    }
}

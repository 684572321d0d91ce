//! `/api/members` (list, create), `/api/members/update`, `/api/members/remove` in 003's shapes.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{date_bound, RrError};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::Profile;
use crate::domain::members::{
    self, ItemResult, ListMembers, MemberChanges, MemberDetail, MemberQuery, NewMember,
};
use crate::domain::values::decimal;
use crate::error::AppError;

use crate::api::enums::{ItemStatus, MemberSort, MemberStatus};
use crate::api::wire::{Count, IdText, Line, Offset, Text, Timestamp};
use crate::domain::values::Email;
use crate::web::links;

/// Most items one bulk call takes.
pub const MAX_BULK_ITEMS: usize = 100;

pub struct RrMembersApi {
    pub state: State,
}

/// A member as 003 shows it (plus `promoCode`: the program's template with the member's numeric id).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RrMember {
    pub id: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_identifier: Option<String>,
    pub date_of_birth: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub country_subdivision: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub disabled_flag: bool,
    #[oai(rename = "customOverrideURL")]
    pub custom_override_url: Option<String>,
    pub payout_info: Option<String>,
    pub custom_option1_name: Option<String>,
    pub custom_option1_value: Option<String>,
    pub custom_text1_name: Option<String>,
    pub custom_text1_value: Option<String>,
    pub custom_text2_name: Option<String>,
    pub custom_text2_value: Option<String>,
    pub program_id: Option<String>,
    pub program_title: Option<String>,
    pub program_name: Option<String>,
    pub referral_code: Option<String>,
    /// The tracked share link (`/r/<code>`).
    pub referral_url: Option<String>,
    pub promo_code: Option<String>,
    pub email_shares: i64,
    pub social_shares: i64,
    pub views: i64,
    pub create_dt: Timestamp,
    /// Active, Disabled or Removed.
    pub status: MemberStatus,
    pub referrals: i64,
    pub referrals_pending: i64,
    pub referrals_qualified: i64,
    pub referrals_approved: i64,
    /// Decimal amounts in the program's currency (kept as integer minor units inside).
    pub reward_amount_total: f64,
    pub rewards_pending_amount: f64,
    pub rewards_issued_amount: f64,
}

fn amount(minor: i64, currency: &str) -> f64 {
    decimal(minor, currency).parse().unwrap_or(0.0)
}

pub fn rr_member(base: &str, d: MemberDetail) -> Result<RrMember, AppError> {
    let currency = d
        .program
        .as_ref()
        .map(|p| p.currency.clone())
        .unwrap_or_else(|| "USD".into());
    let promo_code = d.promo_code();
    let display_name = d.display_name();
    let status = MemberStatus::from_stored(d.status())?;
    let referral_url = d
        .referral_code
        .as_deref()
        .map(|c| links::member_links(base, c, None, None).share_url);
    let (m, s, p) = (d.member, d.stats, d.program);
    Ok(RrMember {
        id: m.public_id,
        display_name,
        first_name: m.first_name,
        last_name: m.last_name,
        email: m.email,
        phone: m.phone,
        external_identifier: m.external_id,
        date_of_birth: m.date_of_birth,
        address_line1: m.address_line1,
        address_line2: m.address_line2,
        city: m.city,
        country_subdivision: m.country_subdivision,
        country: m.country,
        postal_code: m.postal_code,
        disabled_flag: m.disabled,
        custom_override_url: m.custom_override_url,
        payout_info: m.payout_info,
        custom_option1_name: m.custom_option1_name,
        custom_option1_value: m.custom_option1_value,
        custom_text1_name: m.custom_text1_name,
        custom_text1_value: m.custom_text1_value,
        custom_text2_name: m.custom_text2_name,
        custom_text2_value: m.custom_text2_value,
        program_id: p.as_ref().map(|p| p.public_id.clone()),
        program_title: p.as_ref().map(|p| p.title.clone()),
        program_name: p.as_ref().map(|p| p.name.clone()),
        referral_code: d.referral_code,
        referral_url,
        promo_code,
        email_shares: m.email_shares,
        social_shares: m.social_shares,
        views: m.views,
        create_dt: m.created_at.into(),
        status,
        referrals: s.referrals,
        referrals_pending: s.pending,
        referrals_qualified: s.qualified,
        referrals_approved: s.approved,
        reward_amount_total: amount(s.reward_total_minor, &currency),
        rewards_pending_amount: amount(s.reward_pending_minor, &currency),
        rewards_issued_amount: amount(s.reward_issued_minor, &currency),
    })
}

/// Member fields that NewMember and the update item both take; absent ones stay as they are.
#[derive(Object, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrMemberFields {
    pub last_name: Option<Line<100>>,
    pub phone: Option<Line<200>>,
    pub external_identifier: Option<Line<200>>,
    pub date_of_birth: Option<Line<200>>,
    pub address_line1: Option<Line<200>>,
    pub address_line2: Option<Line<200>>,
    pub city: Option<Line<200>>,
    pub country_subdivision: Option<Line<200>>,
    pub country: Option<Line<200>>,
    pub postal_code: Option<Line<200>>,
    #[oai(rename = "customOverrideURL")]
    pub custom_override_url: Option<Line<2048>>,
    pub payout_info: Option<Text<2000>>,
    pub custom_option1_name: Option<Line<200>>,
    pub custom_option1_value: Option<Line<200>>,
    pub custom_text1_name: Option<Line<200>>,
    pub custom_text1_value: Option<Line<200>>,
    pub custom_text2_name: Option<Line<200>>,
    pub custom_text2_value: Option<Line<200>>,
}

impl RrMemberFields {
    fn into_profile(self, first_name: Option<String>, email: Option<String>) -> Profile {
        Profile {
            first_name,
            email,
            last_name: self.last_name.map(Into::into),
            phone: self.phone.map(Into::into),
            external_id: self.external_identifier.map(Into::into),
            date_of_birth: self.date_of_birth.map(Into::into),
            address_line1: self.address_line1.map(Into::into),
            address_line2: self.address_line2.map(Into::into),
            city: self.city.map(Into::into),
            country_subdivision: self.country_subdivision.map(Into::into),
            country: self.country.map(Into::into),
            postal_code: self.postal_code.map(Into::into),
            custom_override_url: self.custom_override_url.map(Into::into),
            payout_info: self.payout_info.map(Into::into),
            custom_option1_name: self.custom_option1_name.map(Into::into),
            custom_option1_value: self.custom_option1_value.map(Into::into),
            custom_text1_name: self.custom_text1_name.map(Into::into),
            custom_text1_value: self.custom_text1_value.map(Into::into),
            custom_text2_name: self.custom_text2_name.map(Into::into),
            custom_text2_value: self.custom_text2_value.map(Into::into),
        }
    }
}

/// NewMember (003).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrNewMember {
    /// Program id, name or title; omitted means the org's one default program.
    pub program_id: Option<Line<200>>,
    pub first_name: Line<100>,
    pub email: Email,
    /// Used when free (else 409); generated when omitted.
    pub referral_code: Option<Line<200>>,
    pub disabled_flag: Option<bool>,
    #[oai(flatten)]
    pub fields: RrMemberFields,
}

/// Member fields to change; absent fields stay as they are.
#[derive(Object, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrMemberUpdate {
    pub first_name: Option<Line<100>>,
    pub email: Option<Line<254>>,
    pub disabled_flag: Option<bool>,
    #[oai(flatten)]
    pub fields: RrMemberFields,
}

#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrPrimaryInfo {
    pub member_id: Option<Line<200>>,
    pub referral_code: Option<Line<200>>,
}

#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrSecondaryInfo {
    pub email: Option<Line<254>>,
    pub external_identifier: Option<Line<200>>,
}

#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrTertiaryInfo {
    pub program_id: Option<Line<200>>,
    pub program_name: Option<Line<200>>,
    pub program_title: Option<Line<200>>,
}

/// MemberQuery (003): primaryInfo, or secondaryInfo together with tertiaryInfo.
#[derive(Object, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrMemberQuery {
    pub primary_info: Option<RrPrimaryInfo>,
    pub secondary_info: Option<RrSecondaryInfo>,
    pub tertiary_info: Option<RrTertiaryInfo>,
}

impl From<&RrMemberQuery> for MemberQuery {
    fn from(q: &RrMemberQuery) -> Self {
        let p = q.primary_info.clone().unwrap_or_default();
        let s = q.secondary_info.clone().unwrap_or_default();
        let t = q.tertiary_info.clone().unwrap_or_default();
        MemberQuery {
            member_id: p.member_id.map(Into::into),
            referral_code: p.referral_code.map(Into::into),
            email: s.email.map(Into::into),
            external_id: s.external_identifier.map(Into::into),
            program_id: t.program_id.map(Into::into),
            program_name: t.program_name.map(Into::into),
            program_title: t.program_title.map(Into::into),
        }
    }
}

#[derive(Object)]
pub struct RrMemberUpdateItem {
    pub query: RrMemberQuery,
    pub member: RrMemberUpdate,
}

#[derive(Object)]
pub struct RrMemberRemoveItem {
    pub query: RrMemberQuery,
}

#[derive(Object)]
pub struct RrResultInfo {
    /// Success, NotFound, Ambiguous, InvalidQuery or Failed.
    pub status: ItemStatus,
    pub message: String,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrMemberResult {
    pub query: RrMemberQuery,
    pub result_info: RrResultInfo,
    /// The member after the change (for removals: as it was removed).
    pub member: Option<RrMember>,
}

#[derive(Object)]
pub struct RrMemberList {
    pub members: Vec<RrMember>,
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
}

#[derive(Object)]
pub struct RrCreatedMember {
    pub member: RrMember,
    pub message: Option<String>,
}

#[derive(ApiResponse)]
pub enum RrCreateMemberResponse {
    /// The member, with its referral code.
    #[oai(status = 201)]
    Created(Json<RrCreatedMember>),
}

fn check_bulk(n: usize) -> Result<(), AppError> {
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

//! The 003 member shapes: the member as answered, the bodies of create and update, the query
//! objects (primaryInfo / secondaryInfo / tertiaryInfo) and the per-item results of bulk calls.
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::api::enums::{ItemStatus, MemberStatus};
use crate::api::wire::{Line, Text, Timestamp};
use crate::domain::members::Profile;
use crate::domain::members::{MemberDetail, MemberQuery};
use crate::domain::values::{decimal, Email};
use crate::error::AppError;
use crate::web::links;

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

/// Minor units as the decimal number 003 shows.
pub fn amount(minor: i64, currency: &str) -> f64 {
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
    pub(super) fn into_profile(self, first_name: Option<String>, email: Option<String>) -> Profile {
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

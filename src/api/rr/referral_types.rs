//! The 003 referral shapes: the Referral as answered (REFERENCE-003 §8.2, in the vendor's field
//! order), NewReferral and UpdateReferral, the ReferralQuery object in every key casing clients
//! send (`tertiaryInfo.ProgramId` and `programId`, `fuzzyInfo.Identifier` and `identifier`), and
//! the per-item results of the bulk calls.
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::member_types::RrResultInfo;
pub use super::referral_query::*;
use crate::api::enums::ReferralStatusName;
use crate::api::wire::{Amount, Line, Text, Timestamp};
use crate::domain::referrals::{Details, Referral};
use crate::error::AppError;

/// A referral as 003 shows it.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RrReferral {
    pub id: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub external_identifier: Option<String>,
    pub phone_number: Option<String>,
    /// Decimal in the program's currency (0 when none was given).
    pub amount: f64,
    pub amount_formatted: String,
    pub preferred_contact: Option<String>,
    pub create_date: Timestamp,
    pub update_date: Timestamp,
    /// API or BPM: the surface that created it.
    pub source: String,
    pub program_id: Option<String>,
    pub program_name: Option<String>,
    pub program_title: Option<String>,
    pub referring_member_id: String,
    pub referring_member_name: String,
    pub member_email: Option<String>,
    pub member_referral_code: Option<String>,
    pub member_external_identifier: Option<String>,
    /// Null until approved.
    pub approved_date: Option<Timestamp>,
    /// Null until qualified.
    pub qualified_date: Option<Timestamp>,
    pub status: ReferralStatusName,
    pub company_name: Option<String>,
    pub note: Option<String>,
    pub public_note: Option<String>,
    pub custom_option1_name: Option<String>,
    pub custom_option2_name: Option<String>,
    pub custom_text1_name: Option<String>,
    pub custom_text2_name: Option<String>,
    pub custom_text3_name: Option<String>,
    pub custom_option1_value: Option<String>,
    pub custom_option2_value: Option<String>,
    pub custom_text1_value: Option<String>,
    pub custom_text2_value: Option<String>,
    pub custom_text3_value: Option<String>,
    pub conversion_note: Option<String>,
    #[oai(rename = "conversionIPAddress")]
    pub conversion_ip_address: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub browser_referrer_url: Option<String>,
    /// The client address that created the referral.
    #[oai(rename = "IPAddressSource")]
    pub ip_address_source: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub recruiter_assigned_id: Option<String>,
}

pub fn rr_referral(r: Referral) -> Result<RrReferral, AppError> {
    let amount = r.amount_decimal().parse::<f64>().unwrap_or(0.0);
    let amount_formatted = r.amount_formatted();
    let display_name = r.display_name();
    let full_name = r.full_name();
    let status = ReferralStatusName::from_stored(r.status.as_vendor())?;
    let (p, m, d) = (r.program, r.member, r.details);
    Ok(RrReferral {
        id: r.public_id,
        display_name,
        first_name: r.first_name,
        last_name: r.last_name,
        full_name,
        email: r.email,
        external_identifier: r.external_id,
        phone_number: r.phone,
        amount,
        amount_formatted,
        preferred_contact: d.preferred_contact,
        create_date: r.created_at.into(),
        update_date: r.updated_at.into(),
        source: r.source,
        program_id: p.as_ref().map(|p| p.public_id.clone()),
        program_name: p.as_ref().map(|p| p.name.clone()),
        program_title: p.as_ref().map(|p| p.title.clone()),
        referring_member_id: m.public_id,
        referring_member_name: m.name,
        member_email: m.email,
        member_referral_code: r.member_code,
        member_external_identifier: m.external_id,
        approved_date: r.approved_at.map(Into::into),
        qualified_date: r.qualified_at.map(Into::into),
        status,
        company_name: d.company_name,
        note: d.note,
        public_note: d.public_note,
        custom_option1_name: d.custom_option1_name,
        custom_option2_name: d.custom_option2_name,
        custom_text1_name: d.custom_text1_name,
        custom_text2_name: d.custom_text2_name,
        custom_text3_name: d.custom_text3_name,
        custom_option1_value: d.custom_option1_value,
        custom_option2_value: d.custom_option2_value,
        custom_text1_value: d.custom_text1_value,
        custom_text2_value: d.custom_text2_value,
        custom_text3_value: d.custom_text3_value,
        conversion_note: None,
        conversion_ip_address: None,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        browser_referrer_url: None,
        ip_address_source: r.ip_address,
        address_line1: d.address_line1,
        address_line2: d.address_line2,
        city: d.city,
        region: d.region,
        postal_code: d.postal_code,
        country: d.country,
        recruiter_assigned_id: d.recruiter_assigned_id,
    })
}

/// The descriptive fields NewReferral and UpdateReferral both take.
#[derive(Object, Default)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralFields {
    pub first_name: Option<Line<100>>,
    pub last_name: Option<Line<100>>,
    pub email: Option<Line<254>>,
    pub phone_number: Option<Line<200>>,
    /// email, callMorning, callAfternoon or callEvening.
    pub preferred_contact: Option<Line<50>>,
    /// Your unique id for the customer (order or customer id); one live referral per program.
    pub external_identifier: Option<Line<200>>,
    /// Order amount in the program's currency (major units).
    pub amount: Option<Amount>,
    pub company_name: Option<Line<200>>,
    /// Private note.
    pub note: Option<Text<2000>>,
    pub public_note: Option<Text<2000>>,
    pub custom_option1_name: Option<Line<200>>,
    pub custom_option2_name: Option<Line<200>>,
    pub custom_text1_name: Option<Line<200>>,
    pub custom_text2_name: Option<Line<200>>,
    pub custom_text3_name: Option<Line<200>>,
    pub custom_option1_value: Option<Line<200>>,
    pub custom_option2_value: Option<Line<200>>,
    pub custom_text1_value: Option<Line<200>>,
    pub custom_text2_value: Option<Line<200>>,
    pub custom_text3_value: Option<Line<200>>,
    /// pending, qualified, approved or denied (any letter case).
    pub status: Option<Line<20>>,
    pub address_line1: Option<Line<200>>,
    pub address_line2: Option<Line<200>>,
    pub city: Option<Line<200>>,
    /// Region name or ISO 3166-2 code.
    pub region: Option<Line<200>>,
    pub postal_code: Option<Line<200>>,
    pub country: Option<Line<200>>,
    pub recruiter_assigned_id: Option<Line<200>>,
}

pub(super) fn s<const N: usize>(v: Option<Line<N>>) -> Option<String> {
    v.map(Into::into)
}

impl RrReferralFields {
    pub fn details(&mut self) -> Details {
        Details {
            preferred_contact: s(self.preferred_contact.take()),
            company_name: s(self.company_name.take()),
            note: self.note.take().map(Into::into),
            public_note: self.public_note.take().map(Into::into),
            custom_option1_name: s(self.custom_option1_name.take()),
            custom_option2_name: s(self.custom_option2_name.take()),
            custom_text1_name: s(self.custom_text1_name.take()),
            custom_text2_name: s(self.custom_text2_name.take()),
            custom_text3_name: s(self.custom_text3_name.take()),
            custom_option1_value: s(self.custom_option1_value.take()),
            custom_option2_value: s(self.custom_option2_value.take()),
            custom_text1_value: s(self.custom_text1_value.take()),
            custom_text2_value: s(self.custom_text2_value.take()),
            custom_text3_value: s(self.custom_text3_value.take()),
            address_line1: s(self.address_line1.take()),
            address_line2: s(self.address_line2.take()),
            city: s(self.city.take()),
            region: s(self.region.take()),
            postal_code: s(self.postal_code.take()),
            country: s(self.country.take()),
            recruiter_assigned_id: s(self.recruiter_assigned_id.take()),
            // The BPM surface's fields (seed 001); 003 does not carry them.
            customer_name: None,
            client_id: None,
        }
    }
}

/// NewReferral (003).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrNewReferral {
    /// The code of the member who introduced the referral: a referral code or a promo code.
    pub referral_code: Line<200>,
    #[oai(flatten)]
    pub fields: RrReferralFields,
}

#[derive(Object)]
pub struct RrCreatedReferral {
    /// "Referral Added".
    pub message: String,
    pub referral: RrReferral,
}

#[derive(ApiResponse)]
pub enum RrCreateReferralResponse {
    /// The referral as created.
    #[oai(status = 201)]
    Created(Json<RrCreatedReferral>),
}

#[derive(Object)]
pub struct RrReferralList {
    pub referrals: Vec<RrReferral>,
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
}

/// One item of `/api/referral/update`.
#[derive(Object)]
pub struct RrReferralUpdateItem {
    pub query: RrReferralQuery,
    pub referral: RrReferralFields,
}

/// One item of `/api/referral/remove`: `query`, or `referralQuery` as one client names it.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralRemoveItem {
    pub query: Option<RrReferralQuery>,
    pub referral_query: Option<RrReferralQuery>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralResult {
    pub query: RrReferralQuery,
    pub referral: Option<RrReferral>,
    pub result_info: RrResultInfo,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralRemoveResult {
    pub query: RrReferralQuery,
    pub result_info: RrResultInfo,
}

/// ReferralStatus (003): a status change for one referral.
#[derive(Object, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralStatusChange {
    pub referral_id: Line<200>,
    /// Program id, name or title; when given, the referral must be in it.
    pub program_id: Option<Line<200>>,
    /// pending, qualified, approved or denied (any letter case).
    pub status: Line<20>,
    pub amount: Option<Amount>,
    pub public_note: Option<Text<2000>>,
}

#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RrReferralStatusResult {
    pub referral_id: String,
    pub referral: Option<RrReferral>,
    pub result_info: RrResultInfo,
}

//! Member profile fields as surfaces give them, and their validation.
use super::values;
use crate::error::Result;

/// The 003 profile fields; `None` leaves a field as it is on update.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub date_of_birth: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub country_subdivision: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub custom_override_url: Option<String>,
    pub payout_info: Option<String>,
    pub custom_option1_name: Option<String>,
    pub custom_option1_value: Option<String>,
    pub custom_text1_name: Option<String>,
    pub custom_text1_value: Option<String>,
    pub custom_text2_name: Option<String>,
    pub custom_text2_value: Option<String>,
}

/// Names and contact of a member created on the fly (a referral code for an unknown mentor).
#[derive(Debug, Clone, Default)]
pub struct MemberNames {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

/// Validates profile fields; `email` is lower-cased, lengths bounded.
pub fn parse_profile(p: Profile) -> Result<Profile> {
    let t = |field: &str, v: Option<String>, max: usize| values::opt_text(field, v.as_deref(), max);
    Ok(Profile {
        email: p
            .email
            .as_deref()
            .map(|e| values::email("email", e))
            .transpose()?,
        custom_override_url: p
            .custom_override_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| values::web_url("customOverrideURL", u))
            .transpose()?,
        first_name: t("firstName", p.first_name, 100)?,
        last_name: t("lastName", p.last_name, 100)?,
        phone: t("phone", p.phone, 40)?,
        external_id: t("externalIdentifier", p.external_id, 128)?,
        date_of_birth: t("dateOfBirth", p.date_of_birth, 40)?,
        address_line1: t("addressLine1", p.address_line1, 200)?,
        address_line2: t("addressLine2", p.address_line2, 200)?,
        city: t("city", p.city, 100)?,
        country_subdivision: t("countrySubdivision", p.country_subdivision, 100)?,
        country: t("country", p.country, 100)?,
        postal_code: t("postalCode", p.postal_code, 20)?,
        payout_info: t("payoutInfo", p.payout_info, 500)?,
        custom_option1_name: t("customOption1Name", p.custom_option1_name, 100)?,
        custom_option1_value: t("customOption1Value", p.custom_option1_value, 500)?,
        custom_text1_name: t("customText1Name", p.custom_text1_name, 100)?,
        custom_text1_value: t("customText1Value", p.custom_text1_value, 500)?,
        custom_text2_name: t("customText2Name", p.custom_text2_name, 100)?,
        custom_text2_value: t("customText2Value", p.custom_text2_value, 500)?,
    })
}

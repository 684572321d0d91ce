//! The func surface's documents as the spec declares them: the form of every parameter, an item,
//! an error element, and the JSON document that holds a list, a change, a form or an error.
use poem_openapi::Object;

use super::FuncOut;
use crate::api::enums::FuncErrorType;

/// Every parameter any function takes (all text, as the form sends them).
#[derive(Object, Default)]
#[oai(rename = "FuncForm")]
pub struct FuncForm {
    /// The function: referralprogram, referralprogram.edit, referralprogram.delete,
    /// referralprogram.rule, referralprogram.rule.edit, referralprogram.rule.delete,
    /// referralprogram.rule.condition, referralprogram.rule.condition.edit,
    /// referralprogram.rule.condition.delete.
    pub func: Option<String>,
    /// Response format: bjson (default), json or xml.
    pub out: Option<FuncOut>,
    /// `<key id>:<key>`: the API key, for clients that cannot send an `Authorization` header
    /// (which wins when both are given). Never logged.
    pub authinfo: Option<String>,
    /// Non-empty (usually `ok`) to save; without it `.edit` answers the current values.
    pub sok: Option<String>,
    /// The item: a program, rule or condition id; `.delete` takes several separated by `, `.
    pub elid: Option<String>,
    /// The parent: the program of a rule, the rule of a condition.
    pub plid: Option<String>,
    pub name: Option<String>,
    pub project: Option<String>,
    pub promocode: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub assign_by_default: Option<String>,
    pub url: Option<String>,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub enabled: Option<String>,
    pub recipient: Option<String>,
    pub trigger: Option<String>,
    pub reward_kind: Option<String>,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub currency: Option<String>,
    pub payout_id: Option<String>,
    pub hold_days: Option<String>,
    pub max_per_referral: Option<String>,
    pub max_per_member: Option<String>,
    pub ctype: Option<String>,
    pub orderperiods: Option<String>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<String>,
    pub referral_count: Option<String>,
    pub group: Option<String>,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

/// An error, as the document's `error` element.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct FuncErrorDetail {
    #[oai(rename = "type")]
    pub kind: FuncErrorType,
    /// The parameter at fault, or empty.
    pub object: String,
    /// The value given for it, or empty.
    pub value: String,
    pub msg: String,
}

/// The fields of a program, rule or condition, every value a string, absent when unset
/// (booleans are `on` or absent). Which appear depends on the function.
#[derive(Object, Debug, Default)]
#[oai(rename = "FuncItem")]
pub struct FuncItem {
    /// The item's id (lists only; an `.edit` form names it `elid`).
    pub id: Option<String>,
    /// A rule's program.
    pub plid: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub project: Option<String>,
    pub promocode: Option<String>,
    pub url: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<String>,
    pub assign_by_default: Option<String>,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub currency: Option<String>,
    pub is_active: Option<String>,
    pub enabled: Option<String>,
    pub recipient: Option<String>,
    pub trigger: Option<String>,
    pub reward_kind: Option<String>,
    pub amount: Option<String>,
    pub amount_script_id: Option<String>,
    pub payout_id: Option<String>,
    pub hold_days: Option<String>,
    pub max_per_referral: Option<String>,
    pub max_per_member: Option<String>,
    pub version: Option<String>,
    pub ctype: Option<String>,
    pub orderperiods: Option<String>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<String>,
    pub referral_count: Option<String>,
    pub group: Option<String>,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

/// Every JSON answer: a list (`elem`), a change (`func`, `ok`, `id`), the form of `.edit` without
/// `sok` (`func`, `elid` and the item's fields), or an error (`error` alone).
#[derive(Object, Debug, Default)]
#[oai(rename = "FuncDocument")]
pub struct FuncDocument {
    /// The function called (changes and forms).
    pub func: Option<String>,
    /// `true` when a change succeeded.
    pub ok: Option<bool>,
    /// The item an `.edit` form shows (absent when creating).
    pub elid: Option<String>,
    /// A list's items.
    pub elem: Option<Vec<FuncItem>>,
    /// What went wrong (nothing else is present then).
    pub error: Option<FuncErrorDetail>,
    /// The new or edited item's id after a change; an item's fields in a form.
    #[oai(flatten)]
    pub item: FuncItem,
}

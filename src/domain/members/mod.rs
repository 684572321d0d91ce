//! Members of programs (003): create with a referral code, list, bulk update and remove by query.
//!
//! Removing keeps the row and its history (codes deactivated, tokens revoked, referrals and
//! rewards still attributable); removed members leave every list and query.
//!
//! Invariants: surfaces see members only as `MemberDetail` (a `MemberView` with its program's
//! `MemberProgram`, active code and figures), never as stored rows. Where a member's links lead
//! (`MemberDetail::destination`: the member's override URL, else the program's URL) and the
//! links themselves (`MemberDetail::links`) are decided here and nowhere else.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::links::{self, MemberLinks};
use super::{values, Ctx};
use crate::error::{AppError, Result};
use crate::store::members::{self as store, MemberRow};
use crate::store::programs::{self as program_store, ProgramRow, ProgramTable};
use crate::store::referral_codes as code_store;
use crate::store::scope;

mod bulk;
mod create;
mod list;
mod profile;
mod query;
mod stats;

pub use crate::store::members::Stats;
pub use bulk::{remove_many, update_many, ItemResult, ItemStatus, MemberChanges};
pub use create::{create, NewMember};
pub use list::{list, parse_sort, parse_window, ListMembers, DEFAULT_COUNT, MAX_COUNT};
pub use profile::{parse_profile, MemberNames, Profile};
pub use query::{find_by_text, find_for_access, resolve_promo_code, MemberQuery};
pub use stats::{member_stats, MemberStatsView, TimePeriod};
// For the reward and payout calls (payouts).
pub(in crate::domain) use bulk::exactly_one;
pub(in crate::domain) use query::matching_text;

/// A member as every surface sees it (the stored member less its tenancy columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    /// The numeric id (promo codes and the func surface use it).
    pub id: i64,
    pub public_id: String,
    pub external_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
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
    pub disabled: bool,
    pub removed_at: Option<DateTime<Utc>>,
    pub email_shares: i64,
    pub social_shares: i64,
    pub views: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<MemberRow> for MemberView {
    fn from(m: MemberRow) -> Self {
        MemberView {
            id: m.id,
            public_id: m.public_id,
            external_id: m.external_id,
            first_name: m.first_name,
            last_name: m.last_name,
            email: m.email,
            phone: m.phone,
            date_of_birth: m.date_of_birth,
            address_line1: m.address_line1,
            address_line2: m.address_line2,
            city: m.city,
            country_subdivision: m.country_subdivision,
            country: m.country,
            postal_code: m.postal_code,
            custom_override_url: m.custom_override_url,
            payout_info: m.payout_info,
            custom_option1_name: m.custom_option1_name,
            custom_option1_value: m.custom_option1_value,
            custom_text1_name: m.custom_text1_name,
            custom_text1_value: m.custom_text1_value,
            custom_text2_name: m.custom_text2_name,
            custom_text2_value: m.custom_text2_value,
            disabled: m.disabled,
            removed_at: m.removed_at,
            email_shares: m.email_shares,
            social_shares: m.social_shares,
            views: m.views,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The program a member belongs to, as member views and pages need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProgram {
    pub public_id: String,
    pub name: String,
    pub title: String,
    pub currency: String,
    /// The program's site (where members' links lead unless they have an override).
    pub url: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    /// The promo-code template (`…@ID@…`).
    pub promocode: String,
    /// Origins allowed to frame the member's pages.
    pub embed_origins: Vec<String>,
}

impl From<&ProgramRow> for MemberProgram {
    fn from(p: &ProgramRow) -> Self {
        MemberProgram {
            public_id: p.public_id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            currency: p.currency.clone(),
            url: p.url.clone(),
            member_offer: p.member_offer.clone(),
            referral_offer: p.referral_offer.clone(),
            promocode: p.promocode.clone(),
            embed_origins: program_store::embed_origins(p),
        }
    }
}

/// A member with what its views show: program, active code, promo code, figures.
#[derive(Debug, Clone)]
pub struct MemberDetail {
    pub member: MemberView,
    pub program: Option<MemberProgram>,
    pub referral_code: Option<String>,
    pub stats: Stats,
}

impl MemberDetail {
    pub fn promo_code(&self) -> Option<String> {
        self.program
            .as_ref()
            .map(|p| values::promo_code(&p.promocode, self.member.id))
    }

    pub fn status(&self) -> &'static str {
        if self.member.removed_at.is_some() {
            "Removed"
        } else if self.member.disabled {
            "Disabled"
        } else {
            "Active"
        }
    }

    pub fn display_name(&self) -> String {
        let m = &self.member;
        let name = [m.first_name.as_deref(), m.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            m.email
                .clone()
                .or_else(|| m.external_id.clone())
                .unwrap_or_else(|| m.public_id.clone())
        } else {
            name
        }
    }

    /// Where the member's links lead: their own override URL, else the program's site.
    pub fn destination(&self) -> Option<&str> {
        self.member
            .custom_override_url
            .as_deref()
            .or(self.program.as_ref().and_then(|p| p.url.as_deref()))
    }

    /// The member's share links for `code` (their active code), served from `base`.
    pub fn links(&self, base: &str, code: &str) -> MemberLinks {
        let offer = self
            .program
            .as_ref()
            .and_then(|p| p.referral_offer.as_deref());
        links::member_links(base, code, self.destination(), offer)
    }

    /// Live for share links: not removed and not disabled.
    pub fn is_live(&self) -> bool {
        self.member.removed_at.is_none() && !self.member.disabled
    }
}

/// Loads programs, active codes and figures for a page of members in a few queries.
pub(in crate::domain) async fn details<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: Vec<MemberRow>,
) -> Result<Vec<MemberDetail>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let codes = code_store::active_for_members(ctx, db, &ids).await?;
    let mut stats = store::stats(ctx, db, &ids).await?;
    let mut programs: HashMap<i64, MemberProgram> = Default::default();
    for pid in rows.iter().filter_map(|m| m.program_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = programs.entry(pid) {
            if let Some(p) = scope::find_by_id::<ProgramTable>(ctx, db, pid).await? {
                e.insert(MemberProgram::from(&p));
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| MemberDetail {
            program: m.program_id.and_then(|p| programs.get(&p).cloned()),
            referral_code: codes.get(&m.id).cloned(),
            stats: stats.remove(&m.id).unwrap_or_default(),
            member: m.into(),
        })
        .collect())
}

/// One member's detail.
pub(in crate::domain) async fn detail<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    row: MemberRow,
) -> Result<MemberDetail> {
    details(ctx, db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("member detail vanished".into()))
}

/// A program named in a request body that does not exist is bad input (400), not a 404.
fn program_field(found: Result<ProgramRow>) -> Result<ProgramRow> {
    found.map_err(|e| match e {
        AppError::NotFound(what) => {
            AppError::invalid("programId", format!("no program matches ({what})"))
        }
        other => other,
    })
}

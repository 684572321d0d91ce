//! The referral as every surface sees it (`Referral`): the stored referral less its tenancy
//! columns, with its program, its referring member and the code it came through, loaded for a
//! page of referrals in a fixed number of queries (no N+1).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::status::ReferralStatus;
use crate::domain::values::decimal;
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::members::{self as member_store, MemberRow};
use crate::store::programs::{ProgramRow, ProgramTable};
use crate::store::referral_codes as code_store;
use crate::store::referrals::{self as store, ReferralRow};
use crate::store::scope;

/// Which surface created a referral (the 003 `source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    Bpm,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "API",
            Source::Bpm => "BPM",
        }
    }
}

/// The descriptive 003 fields, kept together as one JSON column (`referral.details`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_option1_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_option2_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text1_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text2_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text3_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_option1_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_option2_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text1_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text2_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_text3_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recruiter_assigned_id: Option<String>,
    /// The customer's name as the BPM surface (seed 001) gave it, whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// The BPM surface's `clientId`: the caller's own id for the registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl Details {
    /// Fields given in `other` replace this one's; absent ones stay.
    pub fn merge(&mut self, other: Details) {
        macro_rules! take {
            ($($f:ident),*) => {$( if other.$f.is_some() { self.$f = other.$f; } )*};
        }
        take!(
            preferred_contact,
            company_name,
            note,
            public_note,
            custom_option1_name,
            custom_option2_name,
            custom_text1_name,
            custom_text2_name,
            custom_text3_name,
            custom_option1_value,
            custom_option2_value,
            custom_text1_value,
            custom_text2_value,
            custom_text3_value,
            address_line1,
            address_line2,
            city,
            region,
            postal_code,
            country,
            recruiter_assigned_id,
            customer_name,
            client_id
        );
    }

    pub(super) fn to_column(&self) -> Option<String> {
        if *self == Details::default() {
            None
        } else {
            serde_json::to_string(self).ok()
        }
    }

    pub(in crate::domain) fn from_column(raw: Option<&str>) -> Details {
        raw.and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralProgram {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralMember {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
}

/// A referral as every surface sees it.
#[derive(Debug, Clone)]
pub struct Referral {
    /// The numeric id (rewards and the BPM surface use it).
    pub id: i64,
    pub public_id: String,
    pub status: ReferralStatus,
    /// API, BPM: the surface that created it.
    pub source: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub phone: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: String,
    /// The TCP peer that created it (velocity checks count by it).
    pub ip_address: Option<String>,
    /// Why it is held for review; `None` when it is not held.
    pub held_reason: Option<String>,
    pub details: Details,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub qualified_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
    pub program: Option<ReferralProgram>,
    pub member: ReferralMember,
    /// The code the referral came through (else the member's active code).
    pub member_code: Option<String>,
}

impl Referral {
    pub fn held(&self) -> bool {
        self.held_reason.is_some()
    }

    pub fn full_name(&self) -> Option<String> {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }

    pub fn display_name(&self) -> String {
        self.full_name()
            .or_else(|| self.email.clone())
            .or_else(|| self.external_id.clone())
            .unwrap_or_else(|| self.public_id.clone())
    }

    /// The amount as a decimal string in the referral's currency ("0.00" when none was given).
    pub fn amount_decimal(&self) -> String {
        decimal(self.amount_minor.unwrap_or(0), &self.currency)
    }

    /// The amount for people: `$12.50`, `€3.00`, else `12.50 CHF`.
    pub fn amount_formatted(&self) -> String {
        let d = self.amount_decimal();
        match self.currency.as_str() {
            "USD" => format!("${d}"),
            "EUR" => format!("€{d}"),
            "GBP" => format!("£{d}"),
            other => format!("{d} {other}"),
        }
    }

    /// What events carry: the referral in its 003 GET field names.
    pub fn payload(&self) -> serde_json::Value {
        let ts = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        let mut v = json!({
            "id": self.public_id,
            "displayName": self.display_name(),
            "firstName": self.first_name,
            "lastName": self.last_name,
            "fullName": self.full_name(),
            "email": self.email,
            "externalIdentifier": self.external_id,
            "phoneNumber": self.phone,
            "amount": self.amount_decimal().parse::<f64>().unwrap_or(0.0),
            "amountFormatted": self.amount_formatted(),
            "createDate": self.created_at.to_rfc3339(),
            "updateDate": self.updated_at.to_rfc3339(),
            "source": self.source,
            "programId": self.program.as_ref().map(|p| p.public_id.clone()),
            "programName": self.program.as_ref().map(|p| p.name.clone()),
            "programTitle": self.program.as_ref().map(|p| p.title.clone()),
            "referringMemberId": self.member.public_id,
            "referringMemberName": self.member.name,
            "memberEmail": self.member.email,
            "memberReferralCode": self.member_code,
            "memberExternalIdentifier": self.member.external_id,
            "approvedDate": ts(self.approved_at),
            "qualifiedDate": ts(self.qualified_at),
            "status": self.status.as_vendor(),
            "held": self.held(),
            "heldReason": self.held_reason,
        });
        if let (Some(obj), Ok(serde_json::Value::Object(d))) =
            (v.as_object_mut(), serde_json::to_value(&self.details))
        {
            obj.extend(d);
        }
        v
    }
}

fn member_name(m: &MemberRow) -> String {
    let name = [m.first_name.as_deref(), m.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        m.email.clone().unwrap_or_else(|| m.public_id.clone())
    } else {
        name
    }
}

/// A referral from its row and what it points at (all already loaded).
pub(super) fn assemble(
    row: ReferralRow,
    program: Option<&ProgramRow>,
    member: Option<&MemberRow>,
    code: Option<String>,
) -> Referral {
    let status = ReferralStatus::parse("status", &row.status).unwrap_or(ReferralStatus::Pending);
    let currency = row
        .currency
        .clone()
        .or_else(|| program.map(|p| p.currency.clone()))
        .unwrap_or_else(|| "USD".into());
    let member = match member {
        Some(m) => ReferralMember {
            id: m.id,
            public_id: m.public_id.clone(),
            name: member_name(m),
            email: m.email.clone(),
            external_id: m.external_id.clone(),
        },
        None => ReferralMember {
            id: row.member_id,
            public_id: String::new(),
            name: String::new(),
            email: None,
            external_id: None,
        },
    };
    Referral {
        id: row.id,
        public_id: row.public_id,
        status,
        source: row.source,
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        external_id: row.external_identifier,
        phone: row.phone_number,
        amount_minor: row.amount_minor,
        currency,
        ip_address: row.ip_address,
        held_reason: row.held_reason,
        details: Details::from_column(row.details.as_deref()),
        created_at: row.created_at,
        updated_at: row.updated_at.unwrap_or(row.created_at),
        qualified_at: row.qualified_at,
        approved_at: row.approved_at,
        removed_at: row.removed_at,
        program: program.map(|p| ReferralProgram {
            id: p.id,
            public_id: p.public_id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
        }),
        member,
        member_code: code,
    }
}

/// Loads programs, members and codes for a page of referrals: at most four queries.
pub(in crate::domain) async fn load_many<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: Vec<ReferralRow>,
) -> Result<Vec<Referral>> {
    let mut program_ids: Vec<i64> = rows.iter().filter_map(|r| r.program_id).collect();
    program_ids.sort_unstable();
    program_ids.dedup();
    let mut member_ids: Vec<i64> = rows.iter().map(|r| r.member_id).collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    let code_ids: Vec<i64> = rows.iter().filter_map(|r| r.referral_code_id).collect();
    let programs: HashMap<i64, ProgramRow> = scope::find_many::<ProgramTable>(ctx, db, program_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let members: HashMap<i64, MemberRow> = member_store::find_many(ctx, db, member_ids.clone())
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let codes: HashMap<i64, String> = store::codes_by_id(ctx, db, code_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    let without_code: Vec<i64> = rows
        .iter()
        .filter(|r| r.referral_code_id.is_none())
        .map(|r| r.member_id)
        .collect();
    let active = if without_code.is_empty() {
        HashMap::new()
    } else {
        code_store::active_for_members(ctx, db, &without_code).await?
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let code = r
                .referral_code_id
                .and_then(|c| codes.get(&c).cloned())
                .or_else(|| active.get(&r.member_id).cloned());
            let program = r.program_id.and_then(|p| programs.get(&p));
            let member = members.get(&r.member_id);
            assemble(r, program, member, code)
        })
        .collect())
}

pub(in crate::domain) async fn load_one<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    row: ReferralRow,
) -> Result<Referral> {
    load_many(ctx, db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("referral view vanished".into()))
}

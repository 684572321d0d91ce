//! Program input as any surface receives it, validated once here into stored fields.
use chrono::{DateTime, Utc};

use super::ProgramView;
use crate::domain::values;
use crate::error::{AppError, Result};
use crate::store::programs::ProgramFields;

const MAX_EMBED_ORIGINS: usize = 20;
/// Referrals from one IP within the velocity window before the next is held.
pub const DEFAULT_VELOCITY_LIMIT: i32 = 3;

/// Unvalidated program input, as any surface receives it.
#[derive(Debug, Clone, Default)]
pub struct ProgramInput {
    pub name: String,
    pub title: Option<String>,
    pub program_type: Option<String>,
    pub project: Option<String>,
    pub promocode: String,
    pub url: Option<String>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub assign_by_default: bool,
    pub account_group: Option<String>,
    pub account_group_restrict: Option<String>,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    pub is_active: Option<bool>,
    pub currency: Option<String>,
    pub embed_origins: Vec<String>,
    /// Referrals from one IP within 72 hours before one is held (≥ 1; default 3).
    pub velocity_limit: Option<i64>,
    /// A script of kind fraud (`scr_…`) run on every new referral; `None` for none.
    pub fraud_script_id: Option<String>,
}

impl ProgramInput {
    /// The input that reproduces a stored program (the func surface edits by overlaying on it).
    pub fn from_view(v: &ProgramView) -> ProgramInput {
        ProgramInput {
            name: v.name.clone(),
            title: Some(v.title.clone()),
            program_type: Some(v.program_type.clone()),
            project: Some(v.project.clone()),
            promocode: v.promocode.clone(),
            url: v.url.clone(),
            start_date: v.start_date,
            end_date: v.end_date,
            assign_by_default: v.assign_by_default,
            account_group: v.account_group.clone(),
            account_group_restrict: v.account_group_restrict.clone(),
            member_offer: v.member_offer.clone(),
            referral_offer: v.referral_offer.clone(),
            is_active: Some(v.is_active),
            currency: Some(v.currency.clone()),
            embed_origins: v.embed_origins.clone(),
            velocity_limit: Some(i64::from(v.velocity_limit)),
            fraud_script_id: v.fraud_script_id.clone(),
        }
    }
}

pub fn parse(input: ProgramInput) -> Result<ProgramFields> {
    let name = values::text("name", &input.name, 100)?;
    if let (Some(start), Some(end)) = (input.start_date, input.end_date) {
        if end < start {
            return Err(AppError::invalid(
                "end_date",
                "must not be before start_date",
            ));
        }
    }
    if input.embed_origins.len() > MAX_EMBED_ORIGINS {
        return Err(AppError::invalid(
            "embed_origins",
            format!("at most {MAX_EMBED_ORIGINS} origins"),
        ));
    }
    let embed_origins = input
        .embed_origins
        .iter()
        .enumerate()
        .map(|(i, o)| values::origin(&format!("embed_origins[{i}]"), o))
        .collect::<Result<Vec<_>>>()?;
    let velocity_limit = match input.velocity_limit {
        None => DEFAULT_VELOCITY_LIMIT,
        Some(n) if (1..=1_000_000).contains(&n) => n as i32,
        Some(n) => {
            return Err(AppError::invalid(
                "velocity_limit",
                format!("must be between 1 and 1000000, found {n}"),
            ))
        }
    };
    Ok(ProgramFields {
        velocity_limit,
        // Resolved against the org's scripts by the caller (it needs the database).
        fraud_script_id: None,
        title: values::opt_text("title", input.title.as_deref(), 200)?
            .unwrap_or_else(|| name.clone()),
        program_type: values::opt_text("type", input.program_type.as_deref(), 50)?
            .unwrap_or_else(|| "referral".into()),
        project: values::opt_text("project", input.project.as_deref(), 100)?.unwrap_or_default(),
        promocode: values::promo_template("promocode", &input.promocode)?,
        url: input
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| values::web_url("url", u))
            .transpose()?,
        start_date: input.start_date,
        end_date: input.end_date,
        assign_by_default: input.assign_by_default,
        account_group: values::opt_text("account_group", input.account_group.as_deref(), 100)?,
        account_group_restrict: values::opt_text(
            "account_group_restrict",
            input.account_group_restrict.as_deref(),
            100,
        )?,
        member_offer: values::opt_text("member_offer", input.member_offer.as_deref(), 2000)?,
        referral_offer: values::opt_text("referral_offer", input.referral_offer.as_deref(), 2000)?,
        is_active: input.is_active.unwrap_or(true),
        currency: values::currency("currency", input.currency.as_deref())?,
        embed_origins,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProgramInput {
        ProgramInput {
            name: "Spring".into(),
            promocode: "SPRING-@ID@".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_fill_title_type_currency_and_activity() {
        let f = parse(input()).unwrap();
        assert_eq!(
            (
                f.title.as_str(),
                f.program_type.as_str(),
                f.currency.as_str(),
                f.is_active
            ),
            ("Spring", "referral", "USD", true)
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |i: ProgramInput| match parse(i).unwrap_err() {
            AppError::Invalid { field, .. } | AppError::Missing { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(
            field(ProgramInput {
                promocode: "SPRING".into(),
                ..input()
            }),
            "promocode"
        );
        assert_eq!(
            field(ProgramInput {
                name: " ".into(),
                ..input()
            }),
            "name"
        );
        let start = crate::domain::clock::now();
        assert_eq!(
            field(ProgramInput {
                start_date: Some(start),
                end_date: Some(start - chrono::Duration::days(1)),
                ..input()
            }),
            "end_date"
        );
        assert_eq!(
            field(ProgramInput {
                currency: Some("EURO".into()),
                ..input()
            }),
            "currency"
        );
        assert_eq!(
            field(ProgramInput {
                url: Some("ftp://x".into()),
                ..input()
            }),
            "url"
        );
        assert_eq!(
            field(ProgramInput {
                embed_origins: vec!["https://a.com".into(), "https://a.com/x".into()],
                ..input()
            }),
            "embed_origins[1]"
        );
    }
}

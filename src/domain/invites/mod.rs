//! Invite feeds (seed 003 §7): a member's contacts, queued for invite emails from that member.
//!
//! Rules kept here, for each contact in order:
//! - its address is checked (a bad one is a 400 naming it; nothing is queued);
//! - an address on the org's unsubscribe list is skipped (`unsubscribed`);
//! - an address the same member invited within the window (`VOUCH_INVITES__WINDOW_DAYS`, default
//!   60, the days 003 keeps potential invites), or earlier in the same feed, is skipped
//!   (`alreadyInvited`);
//! - once the org has queued its daily cap (`VOUCH_INVITES__DAILY_CAP`, default 1,000, counted
//!   per UTC day), the rest is skipped (`dailyCapReached`);
//! - everything else is queued, and the outbox worker (`send`) mails it.
//!
//! The decisions and the queued rows are one transaction under the org's invite lock
//! (`store::orgs::lock_for_update`), so racing feeds cannot break the window or the cap.
//! The member must be live and have an active code: the invite carries their share link.
pub mod send;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::members::{self, MemberQuery};
use super::referrals::identity;
use super::values::Email;
use super::{ids, Ctx, PageReq};
use crate::error::{AppError, Result};
use crate::store::invites::{self as store, NewInvite};
use crate::store::{orgs, unsubscribes, Db, Page};

/// Contacts one feed may carry.
pub const MAX_CONTACTS: usize = 1000;

/// Operator settings of invite feeds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default)]
pub struct InviteConfig {
    /// A member's second invite to one address within this many days is skipped.
    pub window_days: u32,
    /// Invites one org may queue per UTC day.
    pub daily_cap: u32,
}

impl Default for InviteConfig {
    fn default() -> Self {
        InviteConfig {
            window_days: 60,
            daily_cap: 1000,
        }
    }
}

/// One contact as given.
#[derive(Debug, Clone)]
pub struct Contact {
    pub first_name: String,
    pub email: String,
    pub last_name: Option<String>,
    pub contact_type: Option<String>,
}

/// Why a contact was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Unsubscribed,
    AlreadyInvited,
    DailyCapReached,
}

/// What became of one contact.
#[derive(Debug, Clone)]
pub struct ContactOutcome {
    /// The address as kept (lower-case).
    pub email: String,
    /// `None`: queued, with `invite_id`.
    pub skipped: Option<SkipReason>,
    pub invite_id: Option<String>,
}

/// Queues invites from the member `query` names to `contacts`; `field` prefixes the names of
/// bad contacts (`[2].email` for a feed, `email` for one contact).
pub async fn feed(
    ctx: &Ctx,
    db: &Db,
    config: InviteConfig,
    query: &MemberQuery,
    contacts: Vec<Contact>,
    field: impl Fn(usize, &str) -> String,
) -> Result<Vec<ContactOutcome>> {
    if contacts.len() > MAX_CONTACTS {
        return Err(AppError::invalid(
            "contacts",
            format!(
                "at most {MAX_CONTACTS} contacts per feed, got {}",
                contacts.len()
            ),
        ));
    }
    let mut parsed = Vec::with_capacity(contacts.len());
    for (i, c) in contacts.into_iter().enumerate() {
        let email = Email::parse(&c.email).map_err(|m| AppError::invalid(field(i, "email"), m))?;
        if c.first_name.trim().is_empty() {
            return Err(AppError::invalid(
                field(i, "firstName"),
                "must not be empty",
            ));
        }
        let key = identity::mailbox(&email);
        parsed.push((c, email, key));
    }
    let member = members::find_for_access(ctx, db, query).await?;
    if !member.is_live() || member.referral_code.is_none() {
        return Err(AppError::conflict(format!(
            "member `{}` is disabled or has no active referral code; invites carry its share link",
            member.member.public_id
        )));
    }
    let member_id = member.member.id;
    let now = super::clock::now();
    let keys: Vec<String> = parsed.iter().map(|(_, _, k)| k.clone()).collect();
    let txn = db.write(ctx).await?;
    orgs::lock_for_update(ctx, &txn).await?;
    let unsubscribed: HashSet<String> = unsubscribes::listed_among(ctx, &*txn, &keys)
        .await?
        .into_iter()
        .collect();
    let window = Duration::days(i64::from(config.window_days));
    let mut invited: HashSet<String> =
        store::invited_since(ctx, &*txn, member_id, keys, now - window)
            .await?
            .into_iter()
            .collect();
    let mut today = store::count_since(ctx, &*txn, start_of_day(now)).await?;
    let mut queued = Vec::new();
    let mut outcomes = Vec::with_capacity(parsed.len());
    for (c, email, key) in parsed {
        let skipped = if unsubscribed.contains(&key) {
            Some(SkipReason::Unsubscribed)
        } else if invited.contains(&key) {
            Some(SkipReason::AlreadyInvited)
        } else if today >= u64::from(config.daily_cap) {
            Some(SkipReason::DailyCapReached)
        } else {
            None
        };
        let invite_id = skipped.is_none().then(|| ids::new_public_id("inv"));
        if let Some(id) = &invite_id {
            today += 1;
            invited.insert(key.clone());
            queued.push(NewInvite {
                public_id: id.clone(),
                member_id,
                email: email.as_str().to_string(),
                email_key: key,
                first_name: c.first_name.trim().to_string(),
                last_name: c
                    .last_name
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                contact_type: c
                    .contact_type
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            });
        }
        outcomes.push(ContactOutcome {
            email: email.as_str().to_string(),
            skipped,
            invite_id,
        });
    }
    let any = !queued.is_empty();
    store::insert_many(ctx, &txn, queued).await?;
    txn.commit().await?;
    if any {
        db.wake_invite_worker();
    }
    Ok(outcomes)
}

fn start_of_day(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(t)
}

/// An invite as listed.
#[derive(Debug, Clone)]
pub struct InviteView {
    pub id: String,
    pub member_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub contact_type: Option<String>,
    /// `queued`, `sent`, `skipped` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// The org's invites, newest first; only one member's when `query` names one.
pub async fn list(
    ctx: &Ctx,
    db: &Db,
    query: Option<&MemberQuery>,
    page: PageReq,
) -> Result<Page<InviteView>> {
    let member = match query {
        Some(q) => Some(members::find_for_access(ctx, db, q).await?),
        None => None,
    };
    let rows = store::list(
        ctx,
        db.conn(),
        member.as_ref().map(|m| m.member.id),
        page.offset(),
        page.limit,
    )
    .await?;
    let member_ids = send::member_public_ids(ctx, db, &rows.items).await?;
    Ok(Page {
        total: rows.total,
        items: rows
            .items
            .into_iter()
            .map(|r| InviteView {
                member_id: member_ids.get(&r.member_id).cloned().unwrap_or_default(),
                id: r.public_id,
                email: r.email,
                first_name: r.first_name,
                last_name: r.last_name,
                contact_type: r.contact_type,
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
                created_at: r.created_at,
                sent_at: r.sent_at,
                next_attempt_at: r.next_attempt_at,
            })
            .collect(),
    })
}

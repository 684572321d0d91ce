//! Invite feeds on the 003 surface: `POST /api/invitefeeds` (a JSON array of contacts) and
//! `POST /api/invitefeed` (one contact), each from the member the query names; and the native
//! list of queued invites, `GET /api/v1/invites`. The rules are `domain::invites`'.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::RrError;
use crate::api::native::Pagination;
use crate::api::wire::{IdText, Line, Name, PageLimit, PageNumber, Timestamp};
use crate::api::{ApiAuth, ApiError, ApiTags, State};
use crate::domain::invites::{self, Contact, ContactOutcome, InviteView, SkipReason};
use crate::domain::members::MemberQuery;

pub struct RrInvitesApi {
    pub state: State,
}

/// 003's contact.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RrContact {
    pub first_name: Name,
    pub email: Line<254>,
    pub last_name: Option<Name>,
    /// The contact type identifier (kept with the invite).
    pub contact_type: Option<Name>,
}

impl From<RrContact> for Contact {
    fn from(c: RrContact) -> Self {
        Contact {
            first_name: c.first_name.into(),
            email: c.email.into(),
            last_name: c.last_name.map(Into::into),
            contact_type: c.contact_type.map(Into::into),
        }
    }
}

/// What became of a contact.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RrInviteStatus {
    /// An invite email is queued.
    Queued,
    /// Not mailed; `reason` says why.
    Skipped,
}

/// Why a contact was skipped.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "camelCase")]
pub enum RrSkipReason {
    /// The address is on the org's unsubscribe list.
    Unsubscribed,
    /// The member invited this address within the window (or earlier in this feed).
    AlreadyInvited,
    /// The org has queued its invites for today (UTC).
    DailyCapReached,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RrContactResult {
    /// The address, lower-case.
    pub email: String,
    pub status: RrInviteStatus,
    /// Set when `status` is `Skipped`.
    pub reason: Option<RrSkipReason>,
    /// The queued invite (`inv_…`), when `status` is `Queued`.
    pub invite_id: Option<String>,
}

/// One result per contact, in the order given.
#[derive(Object, Debug)]
pub struct RrInviteFeedResult {
    pub queued: u64,
    pub skipped: u64,
    pub results: Vec<RrContactResult>,
}

fn answer(outcomes: Vec<ContactOutcome>) -> RrInviteFeedResult {
    let results: Vec<RrContactResult> = outcomes
        .into_iter()
        .map(|o| RrContactResult {
            email: o.email,
            status: match o.skipped {
                None => RrInviteStatus::Queued,
                Some(_) => RrInviteStatus::Skipped,
            },
            reason: o.skipped.map(|r| match r {
                SkipReason::Unsubscribed => RrSkipReason::Unsubscribed,
                SkipReason::AlreadyInvited => RrSkipReason::AlreadyInvited,
                SkipReason::DailyCapReached => RrSkipReason::DailyCapReached,
            }),
            invite_id: o.invite_id,
        })
        .collect();
    let queued = results
        .iter()
        .filter(|r| r.status == RrInviteStatus::Queued)
        .count() as u64;
    RrInviteFeedResult {
        skipped: results.len() as u64 - queued,
        queued,
        results,
    }
}

/// The member a feed is from: exactly one of these query parameters.
fn member_query(
    member_id: Option<IdText>,
    referral_code: Option<IdText>,
    email_address: Option<Line<254>>,
    external_id: Option<IdText>,
) -> MemberQuery {
    MemberQuery {
        member_id: member_id.map(Into::into),
        referral_code: referral_code.map(Into::into),
        email: email_address.map(Into::into),
        external_id: external_id.map(Into::into),
        ..Default::default()
    }
}

/// A queued invite.
#[derive(Object, Debug)]
pub struct Invite {
    /// `inv_…`.
    pub id: String,
    /// The member it is from (`mem_…`).
    pub member_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub contact_type: Option<String>,
    pub status: InviteStatus,
    pub attempts: i32,
    /// Why the last attempt failed, or why it was skipped.
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    /// When the next attempt is due (`queued` only).
    pub next_attempt_at: Option<Timestamp>,
}

/// Where an invite stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum InviteStatus {
    Queued,
    Sent,
    /// Unsubscribed after it was queued: not mailed.
    Skipped,
    Failed,
}

impl From<InviteView> for Invite {
    fn from(v: InviteView) -> Self {
        Invite {
            id: v.id,
            member_id: v.member_id,
            email: v.email,
            first_name: v.first_name,
            last_name: v.last_name,
            contact_type: v.contact_type,
            status: match v.status.as_str() {
                "sent" => InviteStatus::Sent,
                "skipped" => InviteStatus::Skipped,
                "failed" => InviteStatus::Failed,
                _ => InviteStatus::Queued,
            },
            attempts: v.attempts,
            last_error: v.last_error,
            created_at: v.created_at.into(),
            sent_at: v.sent_at.map(Into::into),
            next_attempt_at: v.next_attempt_at.map(Into::into),
        }
    }
}

#[derive(Object, Debug)]
pub struct InviteList {
    pub data: Vec<Invite>,
    pub pagination: Pagination,
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrInvitesApi {
    /// Queue invites from a member to a set of contacts
    ///
    /// The body is a JSON array of contacts (up to 1,000); the member is named by exactly one of
    /// `memberId`, `referralCode`, `emailAddress` or `externalId`. Each contact is queued for an
    /// invite email carrying the member's share link and an unsubscribe link, unless it is on
    /// the unsubscribe list, the member invited it within the last 60 days (the operator's
    /// `VOUCH_INVITES__WINDOW_DAYS`), or the org reached its daily cap
    /// (`VOUCH_INVITES__DAILY_CAP`, default 1,000 per UTC day); the answer says which.
    #[oai(
        path = "/api/invitefeeds",
        method = "post",
        operation_id = "rrInviteFeeds"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn feeds(
        &self,
        auth: ApiAuth,
        /// The member's id (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// The member's referral code.
        #[oai(name = "referralCode")]
        referral_code: Query<Option<IdText>>,
        /// The member's email address.
        #[oai(name = "emailAddress")]
        email_address: Query<Option<Line<254>>>,
        /// The member's external identifier.
        #[oai(name = "externalId")]
        external_id: Query<Option<IdText>>,
        body: Json<Vec<RrContact>>,
    ) -> Result<Json<RrInviteFeedResult>, RrError> {
        let ctx = self.state.tenant(auth, "rrInviteFeeds").await?;
        let query = member_query(member_id.0, referral_code.0, email_address.0, external_id.0);
        let contacts = body.0.into_iter().map(Into::into).collect();
        let outcomes = invites::feed(
            &ctx,
            &self.state.db,
            self.state.invites,
            &query,
            contacts,
            |i, f| format!("[{i}].{f}"),
        )
        .await?;
        Ok(Json(answer(outcomes)))
    }

    /// Queue an invite from a member to one contact
    ///
    /// As `POST /api/invitefeeds`, with one contact as the body.
    #[oai(
        path = "/api/invitefeed",
        method = "post",
        operation_id = "rrInviteFeed"
    )]
    async fn feed(
        &self,
        auth: ApiAuth,
        /// The member's id (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// The member's referral code.
        #[oai(name = "referralCode")]
        referral_code: Query<Option<IdText>>,
        /// The member's email address.
        #[oai(name = "emailAddress")]
        email_address: Query<Option<Line<254>>>,
        /// The member's external identifier.
        #[oai(name = "externalId")]
        external_id: Query<Option<IdText>>,
        body: Json<RrContact>,
    ) -> Result<Json<RrInviteFeedResult>, RrError> {
        let ctx = self.state.tenant(auth, "rrInviteFeed").await?;
        let query = member_query(member_id.0, referral_code.0, email_address.0, external_id.0);
        let outcomes = invites::feed(
            &ctx,
            &self.state.db,
            self.state.invites,
            &query,
            vec![body.0.into()],
            |_, f| f.to_string(),
        )
        .await?;
        Ok(Json(answer(outcomes)))
    }

    /// List queued and sent invites, newest first
    #[oai(path = "/api/v1/invites", method = "get", operation_id = "listInvites")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Only the invites from this member (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// Page number, from 1.
        page: Query<Option<PageNumber>>,
        /// Page size, 1–100 (default 20).
        limit: Query<Option<PageLimit>>,
    ) -> Result<Json<InviteList>, ApiError> {
        let ctx = self.state.tenant(auth, "listInvites").await?;
        let req = crate::api::wire::page_req(page.0, limit.0)?;
        let query = member_id.0.map(|m| member_query(Some(m), None, None, None));
        let rows = invites::list(&ctx, &self.state.db, query.as_ref(), req).await?;
        Ok(Json(InviteList {
            data: rows.items.into_iter().map(Into::into).collect(),
            pagination: Pagination::new(req, rows.total),
        }))
    }
}

//! The invite outbox worker: mails queued invites, each with the member's share link and an
//! unsubscribe link, and retries what the mail server refuses.
//!
//! Invariants:
//! - The unsubscribe list is checked again when the mail goes out: an address unsubscribed
//!   after it was queued is `skipped`, never mailed.
//! - An invite is mailed at least once while `queued`; the lease (`LEASE`, past the mailer's
//!   15 s timeout) lets another worker take over from one that died mid-send.
//! - Attempts follow `SCHEDULE` (the first at once); after the last the invite is `failed`.
//!   A member disabled or removed meanwhile, or without an active code, fails it at once.
//! - Fairness as every worker (`crate::jobs`): 4 mails at once, 2 of them for one org.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::super::{members, unsubscribes, Ctx};
use crate::error::Result;
use crate::mail::{escape_html, Mailer, Outgoing};
use crate::store::invites::{self as store, InviteRow};
use crate::store::{orgs, unsubscribes as unsubscribe_store, Db};

/// Delay before each attempt: at once, then 1 min, 5 min, 30 min, 2 h and 6 h.
pub const SCHEDULE: [Duration; 6] = [
    Duration::ZERO,
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(6 * 3600),
];
const LEASE: Duration = Duration::from_secs(60);

/// Starts the outbox worker; `base` is the server's public URL (links in the mails).
pub fn spawn(db: Db, mailer: Arc<Mailer>, base: String) -> tokio::task::JoinHandle<()> {
    let limits = crate::jobs::Limits {
        concurrency: 4,
        per_org: 2,
        poll: Duration::from_secs(1),
        // Inside `LEASE`: two short transactions and the mail server's 15 s.
        run_timeout: Duration::from_secs(45),
    };
    crate::jobs::spawn(Arc::new(Outbox { db, mailer, base }), limits)
}

struct Outbox {
    db: Db,
    mailer: Arc<Mailer>,
    base: String,
}

impl crate::jobs::Job for InviteRow {
    fn org_id(&self) -> i64 {
        self.org_id
    }
    fn id(&self) -> i64 {
        self.id
    }
}

#[async_trait::async_trait]
impl crate::jobs::Queue for Outbox {
    type Job = InviteRow;
    const NAME: &'static str = "invites";

    async fn claim(&self, limit: usize, busy: &[i64]) -> Result<Vec<InviteRow>> {
        if !store::any_due(self.db.conn(), super::super::clock::now()).await? {
            return Ok(vec![]);
        }
        let txn = self.db.write_admin().await?;
        crate::store::leases::relaxed_durability(&txn).await?;
        // The lease starts once the writer is ours.
        let now = super::super::clock::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let claimed = store::claim(&txn, now, lease, limit as u64, busy).await?;
        txn.commit().await?;
        Ok(claimed)
    }

    async fn release(&self, ids: Vec<i64>) -> Result<()> {
        let txn = self.db.write_admin().await?;
        crate::store::leases::relaxed_durability(&txn).await?;
        store::release(&txn, ids).await?;
        txn.commit().await
    }

    async fn run(&self, invite: InviteRow) -> Result<()> {
        let (status, next, error) = match self.send(&invite).await {
            Ok(Sent::Mailed) => ("sent", None, None),
            Ok(Sent::Skipped(why)) => ("skipped", None, Some(why)),
            Ok(Sent::Failed(why)) => ("failed", None, Some(why)),
            Err(e) => {
                // `attempts` already counts this one (the claim counted it).
                let attempt = usize::try_from(invite.attempts).unwrap_or(usize::MAX);
                let why = e.to_string();
                match SCHEDULE.get(attempt) {
                    Some(delay) => {
                        let at = super::super::clock::now()
                            + chrono::Duration::from_std(*delay).unwrap_or_default();
                        ("queued", Some(at), Some(why))
                    }
                    None => ("failed", None, Some(why)),
                }
            }
        };
        tracing::info!(invite = %invite.public_id, status, "invite attempt");
        let txn = self.db.write_admin().await?;
        crate::store::leases::relaxed_durability(&txn).await?;
        store::record(&txn, invite.id, status, next, error).await?;
        txn.commit().await
    }

    async fn woken(&self) {
        self.db.invites_queued().await
    }
}

/// How an attempt ended, when it did not fail in a way worth retrying.
enum Sent {
    Mailed,
    Skipped(String),
    Failed(String),
}

impl Outbox {
    async fn send(&self, invite: &InviteRow) -> Result<Sent> {
        let db = &self.db;
        let Some(org) = orgs::find_by_id(db.conn(), invite.org_id).await? else {
            return Ok(Sent::Failed("the org is gone".into()));
        };
        if org.disabled_at.is_some() {
            return Ok(Sent::Failed("the org is disabled".into()));
        }
        let ctx = Ctx::system(org.id, org.public_id, "invites".into());
        if unsubscribe_store::contains(&ctx, db.conn(), &invite.email_key).await? {
            return Ok(Sent::Skipped(
                "unsubscribed before the invite went out".into(),
            ));
        }
        let Some(row) = store::member_of(&ctx, db.conn(), invite).await? else {
            return Ok(Sent::Failed("the member is gone".into()));
        };
        let member = members::detail(&ctx, db.conn(), row).await?;
        let Some(code) = member.referral_code.clone().filter(|_| member.is_live()) else {
            return Ok(Sent::Failed(
                "the member is disabled, removed or has no active code".into(),
            ));
        };
        let share_url = member.links(&self.base, &code).share_url;
        let program = member
            .program
            .as_ref()
            .map(|p| p.title.clone())
            .filter(|t| !t.is_empty())
            .or_else(|| member.program.as_ref().map(|p| p.name.clone()))
            .unwrap_or_else(|| "our referral program".into());
        let offer = member
            .program
            .as_ref()
            .and_then(|p| p.referral_offer.clone());
        // The token is committed before the mail server talks: no transaction is held then.
        let txn = db.write(&ctx).await?;
        let token = unsubscribes::new_link_token(&ctx, &txn, &invite.email).await?;
        txn.commit().await?;
        let unsubscribe_url = format!("{}/unsubscribe/{token}", self.base);
        let from = member.display_name();
        let first = &invite.first_name;
        let offer_line = offer
            .as_deref()
            .map(|o| format!("{o}\n\n"))
            .unwrap_or_default();
        let text = format!(
            "Hello {first},\n\n{from} invites you to {program}.\n\n{offer_line}\
             Join with {from}'s link: {share_url}\n\n\
             You got this email because {from} shared your address with us. \
             To receive no more invites: {unsubscribe_url}\n"
        );
        let html = format!(
            "<p>Hello {f},</p><p>{m} invites you to {p}.</p>{o}\
             <p>Join with {m}'s link: <a href=\"{s}\">{s}</a></p>\
             <p style=\"font-size:small\">You got this email because {m} shared your address \
             with us. <a href=\"{u}\">Unsubscribe</a></p>",
            f = escape_html(first),
            m = escape_html(&from),
            p = escape_html(&program),
            o = offer
                .as_deref()
                .map(|o| format!("<p>{}</p>", escape_html(o)))
                .unwrap_or_default(),
            s = escape_html(&share_url),
            u = escape_html(&unsubscribe_url),
        );
        self.mailer
            .send(&Outgoing {
                to: invite.email.clone(),
                subject: format!("{from} invites you to {program}"),
                text,
                html,
                unsubscribe_url,
            })
            .await?;
        Ok(Sent::Mailed)
    }
}

/// The public ids of the members of these invites.
pub(super) async fn member_public_ids(
    ctx: &Ctx,
    db: &Db,
    rows: &[InviteRow],
) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.member_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::member_public_ids(ctx, db.conn(), ids)
        .await?
        .into_iter()
        .collect())
}

//! Invites queued by invite feeds, and the outbox worker's claims on them.
//!
//! Invariants:
//! - A feed decides which contacts to queue inside one write transaction that holds the org's
//!   lock (`orgs::lock_for_update`), so two feeds racing cannot both queue one contact for one
//!   member, nor together pass the org's daily cap.
//! - `status = 'queued'` is written into the SQL, never bound, so the partial index
//!   `ix_invite_due` serves the worker's scans.
use chrono::{DateTime, Utc};
use entities::{invite, member};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::scope::scoped;
use super::{Page, WriteTxn};
use crate::domain::Ctx;
use crate::error::Result;

pub use entities::invite::Model as InviteRow;

/// Which of these mailbox keys the member invited at or after `since` (queued or sent).
pub async fn invited_since<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    keys: Vec<String>,
    since: DateTime<Utc>,
) -> Result<Vec<String>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for chunk in keys.chunks(100) {
        let rows = scoped::<invite::Entity>(ctx)
            .filter(invite::Column::MemberId.eq(member_id))
            .filter(invite::Column::EmailKey.is_in(chunk.to_vec()))
            .filter(invite::Column::CreatedAt.gte(since))
            .filter(invite::Column::Status.is_in(["queued", "sent"]))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|r| r.email_key));
    }
    Ok(out)
}

/// Invites the org queued at or after `since`.
pub async fn count_since<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    since: DateTime<Utc>,
) -> Result<u64> {
    scoped::<invite::Entity>(ctx)
        .filter(invite::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// A contact to queue.
pub struct NewInvite {
    pub public_id: String,
    pub member_id: i64,
    pub email: String,
    pub email_key: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub contact_type: Option<String>,
}

/// Queues invites, due now.
pub async fn insert_many(ctx: &Ctx, txn: &WriteTxn, rows: Vec<NewInvite>) -> Result<()> {
    let now = crate::domain::clock::now();
    let models: Vec<invite::ActiveModel> = rows
        .into_iter()
        .map(|r| invite::ActiveModel {
            public_id: Set(r.public_id),
            org_id: Set(ctx.org_id),
            member_id: Set(r.member_id),
            email: Set(r.email),
            email_key: Set(r.email_key),
            first_name: Set(r.first_name),
            last_name: Set(r.last_name),
            contact_type: Set(r.contact_type),
            status: Set("queued".into()),
            attempts: Set(0),
            next_attempt_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    // 15 values a row: 500 rows stay far below either database's parameter limit.
    for chunk in models.chunks(500) {
        invite::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The org's invites, newest first, optionally of one member.
pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: Option<i64>,
    offset: u64,
    limit: u64,
) -> Result<Page<InviteRow>> {
    let mut q = scoped::<invite::Entity>(ctx);
    if let Some(m) = member_id {
        q = q.filter(invite::Column::MemberId.eq(m));
    }
    q.order_by_desc(invite::Column::Id)
        .page(db, offset, limit)
        .await
}

/// The table as a leased queue (`super::leases`).
fn table() -> super::leases::Table<invite::Entity> {
    use invite::Column as I;
    super::leases::Table {
        entity: invite::Entity,
        due_sql: "invite.status = 'queued'",
        id: I::Id,
        org_id: I::OrgId,
        next_attempt_at: I::NextAttemptAt,
        locked_until: I::LockedUntil,
    }
}

/// Is any invite due now and not leased? (A read: an idle worker's poll takes no writer.)
pub async fn any_due<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<bool> {
    table().any_due(db, now).await
}

/// Leases up to `limit` due invites of orgs not in `busy`, any org's, oldest due first, and
/// counts the attempt (so a send that never records its end still uses up the schedule).
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
    busy: &[i64],
) -> Result<Vec<InviteRow>> {
    use invite::Column as I;
    let due = table().due_ids(db.get_database_backend(), now, limit, busy);
    Ok(invite::Entity::update_many()
        .col_expr(I::LockedUntil, Expr::value(lease_until))
        .col_expr(I::Attempts, Expr::col(I::Attempts).add(1))
        .col_expr(I::UpdatedAt, Expr::value(now))
        .filter(I::Id.in_subquery(due))
        .exec_with_returning(db)
        .await?)
}

/// Records the attempt `claim` counted: `status` `sent`, `queued` again (with
/// `next_attempt_at`), `skipped` or `failed`; the lease ends.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    id: i64,
    status: &str,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<String>,
) -> Result<()> {
    use invite::Column as I;
    let now = crate::domain::clock::now();
    invite::Entity::update_many()
        .col_expr(I::Status, Expr::value(status))
        .col_expr(I::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(I::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(I::LastError, Expr::value(error))
        .col_expr(I::SentAt, Expr::value((status == "sent").then_some(now)))
        .col_expr(I::UpdatedAt, Expr::value(now))
        .filter(I::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The member an invite is from (any state: the worker decides what a removed one means).
pub async fn member_of<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    invite: &InviteRow,
) -> Result<Option<super::members::MemberRow>> {
    super::scope::find_by_id::<member::Entity>(ctx, db, invite.member_id).await
}

/// Gives claimed invites back unsent: the lease ends and the attempt is not counted.
pub async fn release<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<()> {
    invite::Entity::update_many()
        .col_expr(
            invite::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            invite::Column::Attempts,
            Expr::col(invite::Column::Attempts).sub(1),
        )
        .filter(invite::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// (numeric id, public id) of the org's members with these ids.
pub async fn member_public_ids<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let rows = scoped::<member::Entity>(ctx)
            .filter(member::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|m| (m.id, m.public_id)));
    }
    Ok(out)
}

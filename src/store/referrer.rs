//! What the rewards engine reads about a referrer inside a write transaction, in one statement:
//! the member row (`read`; `tally` leaves it out for a caller that has it), the count of their
//! live referrals (`member_referral_count`, kept by triggers, created by the first live
//! referral, so a missing row is 0; locked on PostgreSQL when asked) and every purchase of their referrals.
//!
//! Why one statement: on SQLite each statement is a round trip to sqlx's worker thread while the
//! writer lock is held, and a referral's transaction is bounded by those round trips, not by CPU
//! (see README, Performance). The member row is the left side of a `LEFT JOIN` on the purchases,
//! so a member without purchases still answers one row.
//!
//! Counts decided by rules must be read under the member's lock on PostgreSQL, the member's
//! count row (SQLite's writer lock serialises every writer). A transaction that has inserted a
//! live referral of the member already holds it: the trigger that counted the referral wrote
//! the row. Any other (a status change, a purchase) asks for `lock`.
use chrono::{DateTime, Utc};
use entities::{member, referral_action};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    Select, Statement,
};

use super::members::MemberRow;
use super::scope::scoped;
use crate::domain::Ctx;
use crate::error::Result;

/// A purchase as rules and simulations see it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OrderRow {
    pub id: i64,
    pub referral_id: i64,
    pub member_id: i64,
    pub amount_minor: i64,
    pub items: i64,
    pub created_at: DateTime<Utc>,
}

/// What to read besides the member row and its live referral count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    /// Lock the member's count row first (PostgreSQL; SQLite's writer lock already serialises
    /// writers). Not needed after inserting a live referral of the member in the same
    /// transaction (the module's doc).
    pub lock: bool,
    /// Read every purchase of the member's referrals.
    pub orders: bool,
}

/// The referrer as one transaction sees it.
#[derive(Debug, Clone)]
pub struct Referrer {
    pub member: MemberRow,
    pub tally: Tally,
}

/// A referrer's count and purchases (`tally` reads them without the member row).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Live (not removed) referrals the member has brought.
    pub live_referrals: i64,
    /// Purchases of all the member's referrals, oldest first (empty when not asked).
    pub orders: Vec<OrderRow>,
}

impl Tally {
    /// The tally the result rows of `statement` carry (the count on each, a purchase or none
    /// per row); `None` when there were no rows (the org has no such member).
    fn of<'a>(mut rows: impl Iterator<Item = &'a TallyRow>, member_id: i64) -> Option<Tally> {
        let first = rows.next()?;
        let orders = std::iter::once(first)
            .chain(rows)
            .filter_map(|r| r.order(member_id))
            .collect();
        Some(Tally {
            live_referrals: first.live_referrals,
            orders,
        })
    }
}

/// The count and one purchase (or none) per result row.
#[derive(Debug, FromQueryResult)]
struct TallyRow {
    live_referrals: i64,
    order_id: Option<i64>,
    order_referral_id: Option<i64>,
    order_amount_minor: Option<i64>,
    order_items: Option<i64>,
    order_created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    #[sea_orm(nested)]
    member: MemberRow,
    #[sea_orm(nested)]
    tally: TallyRow,
}

impl TallyRow {
    fn order(&self, member_id: i64) -> Option<OrderRow> {
        Some(OrderRow {
            id: self.order_id?,
            referral_id: self.order_referral_id?,
            member_id,
            amount_minor: self.order_amount_minor?,
            items: self.order_items?,
            created_at: self.order_created_at?,
        })
    }
}

/// The org's member `member_id` with what `reading` asks for, in one statement (two on
/// PostgreSQL with `lock`); `None` when the org has no such member.
pub async fn read<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    reading: Reading,
) -> Result<Option<Referrer>> {
    let q = statement(ctx, db, member_id, reading, true).await?;
    let rows = q.into_model::<Row>().all(db).await?;
    let Some(tally) = Tally::of(rows.iter().map(|r| &r.tally), member_id) else {
        return Ok(None);
    };
    Ok(rows.into_iter().next().map(|first| Referrer {
        member: first.member,
        tally,
    }))
}

/// `read` without the member row, for a caller that has it already (referral creation read
/// it with the code): the member's 30-odd columns cost PostgreSQL a wider projection and us
/// their decoding on the hottest write path.
pub async fn tally<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    reading: Reading,
) -> Result<Option<Tally>> {
    let q = statement(ctx, db, member_id, reading, false).await?;
    let rows = q.into_model::<TallyRow>().all(db).await?;
    Ok(Tally::of(rows.iter(), member_id))
}

/// The select `read` and `tally` run (after the lock, when asked): the org's member row
/// (`member_columns`, else only its id), its live count and one row per purchase.
async fn statement<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    reading: Reading,
    member_columns: bool,
) -> Result<Select<member::Entity>> {
    // Kept in `member_referral_count` by triggers on `referral` (migrations 7 and 10), one row
    // per member who ever had a live referral.
    let live = Expr::cust(
        "COALESCE((SELECT member_referral_count.live FROM member_referral_count \
         WHERE member_referral_count.member_id = member.id), 0)",
    );
    let mut q = scoped::<member::Entity>(ctx)
        .filter(member::Column::Id.eq(member_id))
        .into_select();
    if !member_columns {
        q = q.select_only().column(member::Column::Id);
    }
    q = q.expr_as(live, "live_referrals");
    // Without `orders` the join matches nothing (`AND false`): one statement shape either way.
    let on = Expr::col((referral_action::Entity, referral_action::Column::MemberId))
        .equals((member::Entity, member::Column::Id))
        .and(Expr::col((referral_action::Entity, referral_action::Column::OrgId)).eq(ctx.org_id))
        .and(Expr::val(reading.orders));
    QuerySelect::query(&mut q).left_join(referral_action::Entity, on);
    q = q
        .column_as(referral_action::Column::Id, "order_id")
        .column_as(referral_action::Column::ReferralId, "order_referral_id")
        .column_as(referral_action::Column::AmountMinor, "order_amount_minor")
        .column_as(referral_action::Column::Items, "order_items")
        .column_as(referral_action::Column::CreatedAt, "order_created_at")
        .order_by_asc(referral_action::Column::CreatedAt)
        .order_by_asc(referral_action::Column::Id);
    // PostgreSQL: the lock is its own statement first. Under READ COMMITTED a statement sees
    // the snapshot taken when it began, before it waited for the lock, so counts read in the
    // locking statement would miss what the previous holder committed (two "tenth referral"
    // rewards under concurrency); the next statement's snapshot includes it.
    // The lock is the member's count row (the row a referral's insert updates, see the
    // migration), reached through the org's member.
    if reading.lock && db.get_database_backend() == DbBackend::Postgres {
        let lock = || {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT member_referral_count.live FROM member_referral_count \
                 JOIN member ON member.id = member_referral_count.member_id \
                 WHERE member.org_id = $1 AND member_referral_count.member_id = $2 \
                 FOR NO KEY UPDATE OF member_referral_count",
                [ctx.org_id.into(), member_id.into()],
            )
        };
        if db.query_one_raw(lock()).await?.is_none() {
            // A member without live referrals has no row yet: lock one into being (a
            // concurrent creator's row is waited for by the unique key, then locked).
            let create = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO member_referral_count (member_id, live) \
                 SELECT id, 0 FROM member WHERE org_id = $1 AND id = $2 \
                 ON CONFLICT (member_id) DO NOTHING",
                [ctx.org_id.into(), member_id.into()],
            );
            db.execute_raw(create).await?;
            db.query_one_raw(lock()).await?;
        }
    }
    Ok(q)
}

/// Every purchase of these members' referrals, oldest first (simulation replays them).
pub async fn orders_of_members<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_ids: Vec<i64>,
) -> Result<Vec<OrderRow>> {
    if member_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(scoped::<referral_action::Entity>(ctx)
        .filter(referral_action::Column::MemberId.is_in(member_ids))
        .order_by_asc(referral_action::Column::CreatedAt)
        .order_by_asc(referral_action::Column::Id)
        .into_select()
        .select_only()
        .columns([
            referral_action::Column::Id,
            referral_action::Column::ReferralId,
            referral_action::Column::MemberId,
            referral_action::Column::AmountMinor,
            referral_action::Column::Items,
            referral_action::Column::CreatedAt,
        ])
        .into_model::<OrderRow>()
        .all(db)
        .await?)
}

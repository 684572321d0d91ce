//! What the leased queue tables (webhook deliveries, invites) share: the select of the rows due
//! now and not leased, oldest due first, that a worker may claim.
//!
//! The due condition is SQL written out (`status = 'pending'`, …), never a bound value, so that
//! each table's partial index on `next_attempt_at` serves it.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{DbBackend, EntityTrait};

/// A queue table's columns: id, org, when due, leased until.
pub(crate) struct Columns<C> {
    pub id: C,
    pub org_id: C,
    pub next_attempt_at: C,
    pub locked_until: C,
}

/// The ids of up to `limit` rows due at `now` and not leased, of orgs not in `busy`, locked with
/// `SKIP LOCKED` on PostgreSQL (so racing workers take different rows).
pub(crate) fn due_ids<E: EntityTrait>(
    backend: DbBackend,
    entity: E,
    due_sql: &'static str,
    cols: Columns<E::Column>,
    now: DateTime<Utc>,
    limit: u64,
    busy: &[i64],
) -> SelectStatement {
    let mut due = Query::select();
    due.column(cols.id)
        .from(entity)
        .and_where(Expr::cust(due_sql))
        .and_where(Expr::col(cols.next_attempt_at).lte(now))
        .and_where(
            Expr::col(cols.locked_until)
                .is_null()
                .or(Expr::col(cols.locked_until).lte(now)),
        )
        .order_by(cols.next_attempt_at, sea_orm::Order::Asc)
        .limit(limit);
    if !busy.is_empty() {
        due.and_where(Expr::col(cols.org_id).is_not_in(busy.iter().copied()));
    }
    if backend == DbBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    due
}

/// Lets this transaction's commit return before PostgreSQL has flushed it to disk
/// (`synchronous_commit = off`, this transaction only). For the workers' claims and attempt
/// records only: a crash can lose the last such commits, which at worst sends a delivery or an
/// invite again (at least once, by design; receivers deduplicate by `webhook-id`), and never
/// touches money or a tenant's data. The commit still comes after every earlier one; on SQLite
/// nothing changes. With it the worker is not bound by one WAL flush per delivery.
pub async fn relaxed_durability(txn: &super::WriteTxn) -> crate::error::Result<()> {
    use sea_orm::ConnectionTrait;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
            .await?;
    }
    Ok(())
}

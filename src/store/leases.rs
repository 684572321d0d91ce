//! What the leased queue tables (webhook deliveries, invites) share: the select of the rows due
//! now and not leased, oldest due first, that a worker may claim.
//!
//! The due condition is SQL written out (`status = 'pending'`, …), never a bound value, so that
//! each table's partial index on `next_attempt_at` serves it.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};

/// A queue table: the entity, the SQL of "due" (its partial index's condition) and its columns
/// (id, org, when due, leased until).
pub(crate) struct Table<E: EntityTrait> {
    pub entity: E,
    pub due_sql: &'static str,
    pub id: E::Column,
    pub org_id: E::Column,
    pub next_attempt_at: E::Column,
    pub locked_until: E::Column,
}

impl<E: EntityTrait> Table<E> {
    /// The rows due at `now` and not leased, of orgs not in `busy`, oldest due first.
    fn due(&self, now: DateTime<Utc>, limit: u64, busy: &[i64]) -> SelectStatement {
        let mut due = Query::select();
        due.column(self.id)
            .from(self.entity)
            .and_where(Expr::cust(self.due_sql))
            .and_where(Expr::col(self.next_attempt_at).lte(now))
            .and_where(
                Expr::col(self.locked_until)
                    .is_null()
                    .or(Expr::col(self.locked_until).lte(now)),
            )
            .order_by(self.next_attempt_at, sea_orm::Order::Asc)
            .limit(limit);
        if !busy.is_empty() {
            due.and_where(Expr::col(self.org_id).is_not_in(busy.iter().copied()));
        }
        due
    }

    /// The ids of up to `limit` due rows (see `due`) to claim, locked with `SKIP LOCKED` on
    /// PostgreSQL (so racing workers take different rows).
    pub(crate) fn due_ids(
        &self,
        backend: DbBackend,
        now: DateTime<Utc>,
        limit: u64,
        busy: &[i64],
    ) -> SelectStatement {
        let mut due = self.due(now, limit, busy);
        if backend == DbBackend::Postgres {
            due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        due
    }

    /// Is any row due now and not leased? (A read, so an idle worker's poll never takes the
    /// writer.)
    pub(crate) async fn any_due<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> crate::error::Result<bool> {
        Ok(db.query_one(&self.due(now, 1, &[])).await?.is_some())
    }
}

/// Lets this transaction's commit return before PostgreSQL has flushed it to disk
/// (`synchronous_commit = off`, this transaction only). For the workers' claims and attempt
/// records only: a crash can lose the last such commits, which at worst sends a delivery or an
/// invite again (at least once, by design; receivers deduplicate by `webhook-id`), and never
/// touches money or a tenant's data. The commit still comes after every earlier one; on SQLite
/// nothing changes. With it the worker is not bound by one WAL flush per delivery.
pub async fn relaxed_durability(txn: &super::WriteTxn) -> crate::error::Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
            .await?;
    }
    Ok(())
}

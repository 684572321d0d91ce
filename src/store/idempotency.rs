//! `Idempotency-Key` records: one row per (org, key), claimed by an insert that does nothing on
//! conflict, completed with the answer, deleted when the request failed.
use chrono::{DateTime, Utc};
use entities::idempotency_key;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::scope::{self, scoped};
use crate::domain::Ctx;
use crate::error::Result;

pub use entities::idempotency_key::Entity as IdempotencyTable;
pub use entities::idempotency_key::Model as IdempotencyRow;

/// Inserts an in-flight claim unless the key exists; answers whether this call inserted it.
pub async fn try_claim<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    key: &str,
    operation: &str,
    request_hash: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let am = idempotency_key::ActiveModel {
        org_id: Set(ctx.org_id),
        key: Set(key.to_string()),
        operation: Set(operation.to_string()),
        request_hash: Set(request_hash.to_string()),
        state: Set("in_flight".into()),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(at),
        completed_at: Set(None),
        ..Default::default()
    };
    let res = IdempotencyTable::insert(am)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::OrgId, idempotency_key::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(res == 1)
}

pub async fn find<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    key: &str,
) -> Result<Option<IdempotencyRow>> {
    scoped::<IdempotencyTable>(ctx)
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await
}

/// Takes over an in-flight claim started before `stale_before` (its request crashed); answers
/// whether this call took it.
pub async fn take_over<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    id: i64,
    operation: &str,
    request_hash: &str,
    stale_before: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let res = scope::update::<IdempotencyTable>(ctx)
        .col_expr(idempotency_key::Column::CreatedAt, Expr::value(at))
        .col_expr(idempotency_key::Column::Operation, Expr::value(operation))
        .col_expr(
            idempotency_key::Column::RequestHash,
            Expr::value(request_hash),
        )
        .filter(idempotency_key::Column::Id.eq(id))
        .filter(idempotency_key::Column::State.eq("in_flight"))
        .filter(idempotency_key::Column::CreatedAt.lt(stale_before))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Stores the answer of a claimed key.
pub async fn complete<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    key: &str,
    status: u16,
    body: String,
    at: DateTime<Utc>,
) -> Result<()> {
    scope::update::<IdempotencyTable>(ctx)
        .col_expr(idempotency_key::Column::State, Expr::value("done"))
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            Expr::value(status as i32),
        )
        .col_expr(idempotency_key::Column::ResponseBody, Expr::value(body))
        .col_expr(idempotency_key::Column::CompletedAt, Expr::value(Some(at)))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets an in-flight key (its request failed), so the client may retry with it.
pub async fn release<C: ConnectionTrait>(ctx: &Ctx, db: &C, key: &str) -> Result<()> {
    scope::delete::<IdempotencyTable>(ctx)
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::State.eq("in_flight"))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the org's records created before `before`.
pub async fn purge<C: ConnectionTrait>(ctx: &Ctx, db: &C, before: DateTime<Utc>) -> Result<u64> {
    Ok(scope::delete::<IdempotencyTable>(ctx)
        .filter(idempotency_key::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

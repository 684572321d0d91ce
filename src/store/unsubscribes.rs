//! The email unsubscribe list and the tokens of unsubscribe links. Adding an address twice is
//! one row (a unique index on (org, mailbox key)), so two clicks racing record one unsubscribe.
use entities::{email_unsubscribe, unsubscribe_token};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::scope::scoped;
use crate::domain::Ctx;
use crate::error::Result;

/// Is this mailbox key on the org's list?
pub async fn contains<C: ConnectionTrait>(ctx: &Ctx, db: &C, email_key: &str) -> Result<bool> {
    Ok(scoped::<email_unsubscribe::Entity>(ctx)
        .filter(email_unsubscribe::Column::EmailKey.eq(email_key))
        .one(db)
        .await?
        .is_some())
}

/// Which of these mailbox keys are on the org's list.
pub async fn listed_among<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    keys: &[String],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(100) {
        let rows = scoped::<email_unsubscribe::Entity>(ctx)
            .filter(email_unsubscribe::Column::EmailKey.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|r| r.email_key));
    }
    Ok(out)
}

/// Adds an address; `false` when it was on the list already.
pub async fn add<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    email: &str,
    email_key: &str,
    source: &str,
) -> Result<bool> {
    let row = email_unsubscribe::ActiveModel {
        org_id: Set(ctx.org_id),
        email: Set(email.to_string()),
        email_key: Set(email_key.to_string()),
        source: Set(source.to_string()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    };
    let conflict = OnConflict::new().do_nothing().to_owned();
    Ok(super::insert_unless_conflict(db, row, conflict)
        .await?
        .is_some())
}

/// Takes an address off the list; `false` when it was not on it.
pub async fn remove<C: ConnectionTrait>(ctx: &Ctx, db: &C, email_key: &str) -> Result<bool> {
    let done = super::scope::delete::<email_unsubscribe::Entity>(ctx)
        .filter(email_unsubscribe::Column::EmailKey.eq(email_key))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The org's listed addresses as they were given, oldest first, `limit` from `offset`; only
/// the one with this mailbox key when given.
pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    email_key: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<super::Page<String>> {
    let mut q = scoped::<email_unsubscribe::Entity>(ctx);
    if let Some(key) = email_key {
        q = q.filter(email_unsubscribe::Column::EmailKey.eq(key));
    }
    let page = q
        .order_by_asc(email_unsubscribe::Column::Id)
        .page(db, offset, limit)
        .await?;
    Ok(super::Page {
        items: page.items.into_iter().map(|r| r.email).collect(),
        total: page.total,
    })
}

/// Records the token (its hash) of one mail's unsubscribe link.
pub async fn insert_token<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    token_hash: &str,
    email: &str,
) -> Result<()> {
    let row = unsubscribe_token::ActiveModel {
        org_id: Set(ctx.org_id),
        token_hash: Set(token_hash.to_string()),
        email: Set(email.to_string()),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    };
    sea_orm::ActiveModelTrait::insert(row, db).await?;
    Ok(())
}

/// The link token with this hash, in any org: the link is public and the token names the org.
pub async fn find_token_any_org<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<(i64, String)>> {
    Ok(unsubscribe_token::Entity::find()
        .filter(unsubscribe_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(|t| (t.org_id, t.email)))
}

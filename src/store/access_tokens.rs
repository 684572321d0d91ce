//! Member access tokens (hashes only). Lookup by hash is unscoped: the token names its org.
use chrono::{DateTime, Utc};
use entities::access_token;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::scope;
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::access_token::Entity as AccessTokenTable;
pub use entities::access_token::Model as AccessTokenRow;

pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_id: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<AccessTokenRow> {
    Ok(access_token::ActiveModel {
        public_id: Set(ids::new_public_id("tok")),
        org_id: Set(ctx.org_id),
        member_id: Set(member_id),
        token_hash: Set(token_hash.to_string()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn find_by_hash<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<AccessTokenRow>> {
    Ok(access_token::Entity::find()
        .filter(access_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Revokes live (unrevoked, unexpired) tokens of the org: one (by public id) or all of a
/// member. Answers how many.
pub async fn revoke<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    public_id: Option<&str>,
    member_id: Option<i64>,
) -> Result<u64> {
    let mut q = scope::update::<access_token::Entity>(ctx)
        .col_expr(
            access_token::Column::RevokedAt,
            Expr::value(Some(crate::domain::clock::now())),
        )
        .filter(access_token::Column::RevokedAt.is_null())
        .filter(access_token::Column::ExpiresAt.gt(crate::domain::clock::now()));
    if let Some(id) = public_id {
        q = q.filter(access_token::Column::PublicId.eq(id));
    }
    if let Some(m) = member_id {
        q = q.filter(access_token::Column::MemberId.eq(m));
    }
    Ok(q.exec(db).await?.rows_affected)
}

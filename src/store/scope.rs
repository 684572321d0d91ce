//! Org-scoped queries shared by every org-owned entity: find by numeric or public id, get or
//! 404, page with total, scoped updates and deletes.
//!
//! Invariant: the only way to start a tenant query is `scoped::<E>(ctx)` (or `scoped_ids`,
//! `update`/`delete` here), and each adds `org_id = ctx.org_id` before anything else, so no
//! caller can forget it.
//! `Scoped` keeps its `Select` private: it can be narrowed (`filter`, `order_by_*`), and handed
//! out only with the org filter already in (`into_select`, for tuple selects and locks). An
//! entity takes part by naming its columns in an `OrgOwned` (and `HasPublicId`) impl below.
use entities::{
    access_token, api_key, email_unsubscribe, event, idempotency_key, invite, member, payout,
    payout_transaction, program, referral, referral_action, referral_code, reward, reward_rule,
    rule_condition, script, script_version, webhook, webhook_delivery,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, DeleteMany, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, UpdateMany,
};

use super::Page;
use crate::domain::Ctx;
use crate::error::{AppError, Result};

/// An entity whose rows belong to one org.
pub trait OrgOwned: EntityTrait<Model: Sync> {
    /// The numeric primary key.
    const ID: Self::Column;
    /// The owning org.
    const ORG_ID: Self::Column;
}

/// An org-owned entity with an opaque public id (`prog_…`, `mem_…`, …).
pub trait HasPublicId: OrgOwned {
    const PUBLIC_ID: Self::Column;
    /// What a 404 calls a row of it.
    const NOUN: &'static str;
}

macro_rules! org_owned {
    ($($m:ident),* $(,)?) => {$(
        impl OrgOwned for $m::Entity {
            const ID: $m::Column = $m::Column::Id;
            const ORG_ID: $m::Column = $m::Column::OrgId;
        }
    )*};
}

macro_rules! has_public_id {
    ($($m:ident => $noun:literal),* $(,)?) => {$(
        impl HasPublicId for $m::Entity {
            const PUBLIC_ID: $m::Column = $m::Column::PublicId;
            const NOUN: &'static str = $noun;
        }
    )*};
}

org_owned!(
    access_token,
    api_key,
    email_unsubscribe,
    event,
    idempotency_key,
    invite,
    member,
    payout,
    payout_transaction,
    program,
    referral,
    referral_action,
    referral_code,
    reward,
    reward_rule,
    rule_condition,
    script,
    script_version,
    webhook,
    webhook_delivery,
);

has_public_id!(
    access_token => "access token",
    api_key => "API key",
    invite => "invite",
    member => "member",
    payout => "payout",
    payout_transaction => "payout transaction",
    program => "program",
    referral => "referral",
    referral_action => "referral action",
    reward => "reward",
    referral_code => "referral code record",
    reward_rule => "rule",
    rule_condition => "condition",
    script => "script",
    webhook => "webhook",
    webhook_delivery => "webhook delivery",
);

/// A select over one org's rows of `E`.
#[derive(Debug, Clone)]
pub struct Scoped<E: EntityTrait>(Select<E>);

/// Starts a query over the context's org's rows of `E`.
pub fn scoped<E: OrgOwned>(ctx: &Ctx) -> Scoped<E> {
    Scoped(E::find().filter(E::ORG_ID.eq(ctx.org_id)))
}

/// The ids of the context's org's rows of `E`, as a bare statement to narrow with `and_where`
/// (for sub-queries such as counts). Built without the entity's column list, which `scoped`
/// assembles and a sub-query that reads only ids would throw away: on the referral insert,
/// the hottest write path, that list was a measurable part of the request.
pub fn scoped_ids<E: OrgOwned>(ctx: &Ctx) -> SelectStatement {
    let mut q = Query::select();
    q.column((E::default(), E::ID))
        .from(E::default())
        .and_where(Expr::col((E::default(), E::ORG_ID)).eq(ctx.org_id));
    q
}

impl<E: OrgOwned> QueryFilter for Scoped<E> {
    type QueryStatement = SelectStatement;

    fn query(&mut self) -> &mut SelectStatement {
        QueryFilter::query(&mut self.0)
    }
}

impl<E: OrgOwned> QueryOrder for Scoped<E> {
    type QueryStatement = SelectStatement;

    fn query(&mut self) -> &mut SelectStatement {
        QueryOrder::query(&mut self.0)
    }
}

impl<E: OrgOwned> Scoped<E> {
    /// The select, org filter included (for tuple selects, locks and the like).
    pub fn into_select(self) -> Select<E> {
        self.0
    }

    pub async fn one<C: ConnectionTrait>(self, db: &C) -> Result<Option<E::Model>> {
        Ok(self.0.one(db).await?)
    }

    pub async fn all<C: ConnectionTrait>(self, db: &C) -> Result<Vec<E::Model>> {
        Ok(self.0.all(db).await?)
    }

    pub async fn count<C: ConnectionTrait>(self, db: &C) -> Result<u64> {
        Ok(self.0.count(db).await?)
    }

    /// `limit` rows from `offset` in the order given so far, with the total matching count.
    pub async fn page<C: ConnectionTrait>(
        self,
        db: &C,
        offset: u64,
        limit: u64,
    ) -> Result<Page<E::Model>> {
        let total = self.0.clone().count(db).await?;
        let items = self.0.offset(offset).limit(limit).all(db).await?;
        Ok(Page { items, total })
    }
}

/// The org's row with this numeric id.
pub async fn find_by_id<E: OrgOwned>(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<E::Model>> {
    scoped::<E>(ctx).filter(E::ID.eq(id)).one(db).await
}

/// The org's rows with these numeric ids (any order).
pub async fn find_many<E: OrgOwned>(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> Result<Vec<E::Model>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    scoped::<E>(ctx).filter(E::ID.is_in(ids)).all(db).await
}

/// The org's row with this public id; another org's is not found.
pub async fn find_by_public_id<E: HasPublicId>(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    public_id: &str,
) -> Result<Option<E::Model>> {
    scoped::<E>(ctx)
        .filter(E::PUBLIC_ID.eq(public_id))
        .one(db)
        .await
}

/// The org's row with this public id, or a 404 naming the entity.
pub async fn get<E: HasPublicId>(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    public_id: &str,
) -> Result<E::Model> {
    find_by_public_id::<E>(ctx, db, public_id)
        .await?
        .ok_or_else(|| AppError::not_found(E::NOUN))
}

/// An update of the org's rows of `E` (narrow it further with `filter`).
pub fn update<E: OrgOwned>(ctx: &Ctx) -> UpdateMany<E> {
    E::update_many().filter(E::ORG_ID.eq(ctx.org_id))
}

/// A delete of the org's rows of `E` (narrow it further with `filter`).
pub fn delete<E: OrgOwned>(ctx: &Ctx) -> DeleteMany<E> {
    E::delete_many().filter(E::ORG_ID.eq(ctx.org_id))
}

/// Deletes the org's row with this numeric id; answers how many rows went (0 or 1). The raw
/// error lets a caller tell a foreign-key refusal apart.
pub async fn delete_by_id<E: OrgOwned>(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    id: i64,
) -> std::result::Result<u64, DbErr> {
    Ok(delete::<E>(ctx)
        .filter(E::ID.eq(id))
        .exec(db)
        .await?
        .rows_affected)
}

//! Members (referrers). Scoped by the context's org in every query.
use chrono::{DateTime, Utc};
use entities::member;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TryInsertResult};

use super::scope::{self, scoped};

use crate::domain::members::{MemberNames, Profile};
use crate::domain::{ids, Ctx};
use crate::error::Result;

/// The table, for the generic finders in `store::scope`.
pub use entities::member::Entity as MemberTable;
pub use entities::member::Model as MemberRow;

pub async fn find_by_external_id<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    external_id: &str,
) -> Result<Option<MemberRow>> {
    scoped::<member::Entity>(ctx)
        .filter(member::Column::ExternalId.eq(external_id))
        .one(db)
        .await
}

pub async fn find_many<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    ids: Vec<i64>,
) -> Result<Vec<MemberRow>> {
    scope::find_many::<member::Entity>(ctx, db, ids).await
}

/// Inserts a member with this external id unless one exists; answers the member and whether
/// this call created it. Safe under concurrency: the unique index decides, not a prior read.
pub async fn ensure_external<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    external_id: &str,
    names: &MemberNames,
) -> Result<(MemberRow, bool)> {
    let now = crate::domain::clock::now();
    let am = member::ActiveModel {
        public_id: Set(ids::new_public_id("mem")),
        org_id: Set(ctx.org_id),
        external_id: Set(Some(external_id.to_string())),
        first_name: Set(names.first_name.clone()),
        last_name: Set(names.last_name.clone()),
        email: Set(names.email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // One statement when the member is new (RETURNING gives the row); a read only when the
    // insert did nothing because the member exists.
    let outcome = member::Entity::insert(am)
        .on_conflict_do_nothing_on([member::Column::OrgId, member::Column::ExternalId])
        .exec_with_returning_many(db)
        .await?;
    if let TryInsertResult::Inserted(rows) = outcome {
        if let Some(row) = rows.into_iter().next() {
            return Ok((row, true));
        }
    }
    let row = find_by_external_id(ctx, db, external_id)
        .await?
        .ok_or_else(|| crate::error::AppError::Internal("member vanished after upsert".into()))?;
    Ok((row, false))
}

fn apply_profile(am: &mut member::ActiveModel, p: Profile) {
    macro_rules! set_some {
        ($($field:ident),*) => { $( if let Some(v) = p.$field { am.$field = Set(Some(v)); } )* };
    }
    set_some!(
        first_name,
        last_name,
        email,
        phone,
        external_id,
        date_of_birth,
        address_line1,
        address_line2,
        city,
        country_subdivision,
        country,
        postal_code,
        custom_override_url,
        payout_info,
        custom_option1_name,
        custom_option1_value,
        custom_text1_name,
        custom_text1_value,
        custom_text2_name,
        custom_text2_value
    );
    am.updated_at = Set(crate::domain::clock::now());
}

/// Inserts a program member; the raw error lets the caller tell a duplicate email apart.
pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    profile: Profile,
    disabled: bool,
) -> std::result::Result<MemberRow, sea_orm::DbErr> {
    let mut am = member::ActiveModel {
        public_id: Set(ids::new_public_id("mem")),
        org_id: Set(ctx.org_id),
        program_id: Set(Some(program_id)),
        disabled: Set(disabled),
        email_shares: Set(0),
        social_shares: Set(0),
        views: Set(0),
        created_at: Set(crate::domain::clock::now()),
        ..Default::default()
    };
    apply_profile(&mut am, profile);
    sea_orm::ActiveModelTrait::insert(am, db).await
}

pub async fn update_profile<C: ConnectionTrait>(
    db: &C,
    row: MemberRow,
    profile: Profile,
    disabled: Option<bool>,
) -> std::result::Result<MemberRow, sea_orm::DbErr> {
    let mut am: member::ActiveModel = row.into();
    apply_profile(&mut am, profile);
    if let Some(d) = disabled {
        am.disabled = Set(d);
    }
    sea_orm::ActiveModelTrait::update(am, db).await
}

pub async fn mark_removed<C: ConnectionTrait>(db: &C, row: MemberRow) -> Result<MemberRow> {
    let mut am: member::ActiveModel = row.into();
    am.removed_at = Set(Some(crate::domain::clock::now()));
    am.updated_at = Set(crate::domain::clock::now());
    Ok(sea_orm::ActiveModelTrait::update(am, db).await?)
}

/// Members not removed, matching an exact field (and a program when given).
pub async fn find_live_by<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    column: member::Column,
    value: &str,
    program_ids: Option<Vec<i64>>,
) -> Result<Vec<MemberRow>> {
    let mut q = scoped::<member::Entity>(ctx)
        .filter(member::Column::RemovedAt.is_null())
        .filter(column.eq(value));
    if let Some(p) = program_ids {
        q = q.filter(member::Column::ProgramId.is_in(p));
    }
    q.all(db).await
}

pub use entities::member::Column as MemberColumn;

/// How a member list is ordered (003 sort values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    CreatedDesc,
    CreatedAsc,
    NameAsc,
    NameDesc,
    LeadsAsc,
    LeadsDesc,
    RewardsIssuedAsc,
    RewardsIssuedDesc,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub program_id: Option<i64>,
    /// Exact match on public id, email, external id, or (via `code_member_id`) referral code.
    pub query: Option<String>,
    pub code_member_id: Option<i64>,
    pub show_disabled: bool,
    pub date_from: Option<chrono::DateTime<Utc>>,
    pub date_to: Option<chrono::DateTime<Utc>>,
}

pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    filter: &ListFilter,
    sort: Sort,
    offset: u64,
    limit: u64,
) -> Result<super::Page<MemberRow>> {
    use sea_orm::sea_query::{Condition, Expr, Order};
    use sea_orm::QueryOrder;
    let mut q = scoped::<member::Entity>(ctx)
        .filter(member::Column::RemovedAt.is_null())
        .filter(member::Column::ProgramId.is_not_null());
    if let Some(p) = filter.program_id {
        q = q.filter(member::Column::ProgramId.eq(p));
    }
    if !filter.show_disabled {
        q = q.filter(member::Column::Disabled.eq(false));
    }
    if let Some(from) = filter.date_from {
        q = q.filter(member::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.date_to {
        q = q.filter(member::Column::CreatedAt.lte(to));
    }
    if let Some(text) = &filter.query {
        let mut any = Condition::any()
            .add(member::Column::PublicId.eq(text.as_str()))
            .add(member::Column::Email.eq(text.to_lowercase()))
            .add(member::Column::ExternalId.eq(text.as_str()));
        if let Some(id) = filter.code_member_id {
            any = any.add(member::Column::Id.eq(id));
        }
        q = q.filter(any);
    }
    let leads =
        "(SELECT COUNT(*) FROM referral r WHERE r.member_id = member.id AND r.removed_at IS NULL)";
    let issued = "(SELECT COALESCE(SUM(w.amount_minor), 0) FROM reward w WHERE w.member_id = member.id AND w.status = 'Issued' AND w.removed_at IS NULL)";
    q = match sort {
        Sort::CreatedDesc => q.order_by_desc(member::Column::CreatedAt),
        Sort::CreatedAsc => q.order_by_asc(member::Column::CreatedAt),
        Sort::NameAsc => q
            .order_by_asc(member::Column::FirstName)
            .order_by_asc(member::Column::LastName),
        Sort::NameDesc => q
            .order_by_desc(member::Column::FirstName)
            .order_by_desc(member::Column::LastName),
        Sort::LeadsAsc => q.order_by(Expr::cust(leads), Order::Asc),
        Sort::LeadsDesc => q.order_by(Expr::cust(leads), Order::Desc),
        Sort::RewardsIssuedAsc => q.order_by(Expr::cust(issued), Order::Asc),
        Sort::RewardsIssuedDesc => q.order_by(Expr::cust(issued), Order::Desc),
    };
    q.order_by_desc(member::Column::Id)
        .page(db, offset, limit)
        .await
}

/// Counts one share-link view.
pub async fn add_view<C: ConnectionTrait>(ctx: &Ctx, db: &C, member_id: i64) -> Result<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    scope::update::<member::Entity>(ctx)
        .col_expr(
            member::Column::Views,
            Expr::col(member::Column::Views).add(1),
        )
        .filter(member::Column::Id.eq(member_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Referral and reward figures of a member, read from the referral and reward tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub referrals: i64,
    pub pending: i64,
    pub qualified: i64,
    pub approved: i64,
    pub rewards: i64,
    pub reward_total_minor: i64,
    pub reward_pending_minor: i64,
    pub reward_issued_minor: i64,
    /// When the member's newest live referral in the window was created.
    pub last_referral_at: Option<DateTime<Utc>>,
}

/// Live referrals and rewards of these members over their whole life.
pub async fn stats<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Stats>> {
    stats_in(ctx, db, member_ids, None).await
}

/// Live referrals and rewards of these members created within `window` (from, to), if given.
/// Removed referrals and removed or cancelled rewards never count.
pub async fn stats_in<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    member_ids: &[i64],
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<std::collections::HashMap<i64, Stats>> {
    use entities::{referral, reward};
    use sea_orm::sea_query::Expr;
    use sea_orm::QuerySelect;
    let mut out: std::collections::HashMap<i64, Stats> = member_ids
        .iter()
        .map(|id| (*id, Stats::default()))
        .collect();
    if member_ids.is_empty() {
        return Ok(out);
    }
    let mut referrals = scoped::<referral::Entity>(ctx)
        .filter(referral::Column::MemberId.is_in(member_ids.to_vec()))
        .filter(referral::Column::RemovedAt.is_null());
    let mut rewards = scoped::<reward::Entity>(ctx)
        .filter(reward::Column::MemberId.is_in(member_ids.to_vec()))
        .filter(reward::Column::RemovedAt.is_null())
        .filter(reward::Column::Status.ne("Cancelled"));
    if let Some((from, to)) = window {
        referrals = referrals
            .filter(referral::Column::CreatedAt.gte(from))
            .filter(referral::Column::CreatedAt.lte(to));
        rewards = rewards
            .filter(reward::Column::CreatedAt.gte(from))
            .filter(reward::Column::CreatedAt.lte(to));
    }
    let referrals: Vec<(i64, String, i64, Option<DateTime<Utc>>)> = referrals
        .into_select()
        .select_only()
        .column(referral::Column::MemberId)
        .column(referral::Column::Status)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(referral::Column::CreatedAt.max(), "last")
        .group_by(referral::Column::MemberId)
        .group_by(referral::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (member_id, status, n, last) in referrals {
        let s = out.entry(member_id).or_default();
        s.referrals += n;
        s.last_referral_at = s.last_referral_at.max(last);
        match status.as_str() {
            "pending" => s.pending += n,
            "qualified" => s.qualified += n,
            "approved" => s.approved += n,
            _ => {}
        }
    }
    let rewards: Vec<(i64, String, i64, i64)> = rewards
        .into_select()
        .select_only()
        .column(reward::Column::MemberId)
        .column(reward::Column::Status)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "total",
        )
        .group_by(reward::Column::MemberId)
        .group_by(reward::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (member_id, status, n, total) in rewards {
        let s = out.entry(member_id).or_default();
        s.rewards += n;
        s.reward_total_minor += total;
        match status.as_str() {
            "Pending" | "Held" | "Processing" => s.reward_pending_minor += total,
            "Issued" => s.reward_issued_minor += total,
            _ => {}
        }
    }
    Ok(out)
}

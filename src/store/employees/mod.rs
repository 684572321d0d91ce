//! Employees: members with a staff id (columns of `member`), the org's employee program, and
//! employees' referrals. Every query starts from `scoped` (the context's org) and sees live
//! employees only (`staff_id IS NOT NULL AND removed_at IS NULL`).
//!
//! Filters arrive typed (`domain::employees::Filter`) and become conditions with bound values
//! here; no filter text is ever spliced into SQL.
use chrono::{DateTime, Utc};
use entities::{member, program, referral, referral_code};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::scope::scoped;
use super::{Db, Page, WriteTxn};
use crate::domain::employees::{EmployeeChanges, Filter, FilterField, FilterOp, FilterValue};
use crate::domain::{ids, Ctx};
use crate::error::Result;
use crate::store::members::MemberRow;
use crate::store::programs::ProgramRow;
use crate::store::referrals::ReferralRow;

mod bulk;
pub use bulk::{insert_many, update_many, BATCH};

/// Values per `IN` list when an upload looks rows up. Not larger: with 500 emails SQLite's
/// planner walks the org's program index instead of the email index (measured, 5.1 s against
/// 0.12 s for 100,000 emails in chunks of 100).
pub const LOOKUP_BATCH: usize = 100;

fn set_change(slot: &mut Option<String>, change: &Option<Option<String>>) {
    if let Some(v) = change {
        *slot = v.clone();
    }
}

/// Applies the given changes to a member row.
fn apply(m: &mut MemberRow, c: &EmployeeChanges) {
    for (slot, v) in [
        (&mut m.staff_id, &c.staff_id),
        (&mut m.email, &c.email),
        (&mut m.first_name, &c.first_name),
        (&mut m.last_name, &c.last_name),
    ] {
        if let Some(v) = v {
            *slot = Some(v.clone());
        }
    }
    set_change(&mut m.title, &c.title);
    set_change(&mut m.middle_name, &c.middle_name);
    set_change(&mut m.date_of_birth, &c.date_of_birth);
    set_change(&mut m.branch, &c.branch);
    set_change(&mut m.employee_role, &c.role);
    set_change(&mut m.note, &c.note);
    set_change(&mut m.phone, &c.mobile);
    set_change(&mut m.address_line1, &c.address_line1);
    set_change(&mut m.address_line2, &c.address_line2);
    set_change(&mut m.city, &c.city);
    set_change(&mut m.country_subdivision, &c.state);
    set_change(&mut m.postal_code, &c.zip_code);
    set_change(&mut m.country, &c.country);
    if let Some(v) = c.is_account_officer {
        m.is_account_officer = Some(v);
    }
    if let Some(v) = c.can_refer_customer {
        m.can_refer_customer = Some(v);
    }
    if let Some(v) = c.is_enabled {
        m.disabled = !v;
    }
    m.updated_at = crate::domain::clock::now();
}

/// A new employee's row, not yet inserted (`id` 0 until it is). Defaults: not an account
/// officer, may refer, enabled.
pub fn new_row(ctx: &Ctx, program_id: i64, c: &EmployeeChanges) -> MemberRow {
    let now = crate::domain::clock::now();
    let mut m = MemberRow {
        public_id: ids::new_public_id("mem"),
        org_id: ctx.org_id,
        program_id: Some(program_id),
        is_account_officer: Some(false),
        can_refer_customer: Some(true),
        created_at: now,
        ..Default::default()
    };
    apply(&mut m, c);
    m
}

/// The row as an insert: the columns an employee has (the 003-only ones, always NULL for an
/// employee, are left to their default, which keeps a bulk statement's values down).
fn insertable(m: MemberRow) -> member::ActiveModel {
    member::ActiveModel {
        public_id: Set(m.public_id),
        org_id: Set(m.org_id),
        program_id: Set(m.program_id),
        first_name: Set(m.first_name),
        last_name: Set(m.last_name),
        email: Set(m.email),
        phone: Set(m.phone),
        date_of_birth: Set(m.date_of_birth),
        address_line1: Set(m.address_line1),
        address_line2: Set(m.address_line2),
        city: Set(m.city),
        country_subdivision: Set(m.country_subdivision),
        country: Set(m.country),
        postal_code: Set(m.postal_code),
        disabled: Set(m.disabled),
        email_shares: Set(m.email_shares),
        social_shares: Set(m.social_shares),
        views: Set(m.views),
        staff_id: Set(m.staff_id),
        title: Set(m.title),
        middle_name: Set(m.middle_name),
        branch: Set(m.branch),
        employee_role: Set(m.employee_role),
        note: Set(m.note),
        is_account_officer: Set(m.is_account_officer),
        can_refer_customer: Set(m.can_refer_customer),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        ..Default::default()
    }
}

/// Inserts one employee; the raw error lets the caller tell which unique index refused it.
pub async fn insert<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    c: &EmployeeChanges,
) -> std::result::Result<MemberRow, DbErr> {
    insertable(new_row(ctx, program_id, c)).insert(db).await
}

/// Saves changes to an employee; the raw error lets the caller tell a duplicate apart.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    row: MemberRow,
    c: &EmployeeChanges,
) -> std::result::Result<MemberRow, DbErr> {
    let mut changed = row;
    apply(&mut changed, c);
    member::ActiveModel::from(changed)
        .reset_all()
        .update(db)
        .await
}

fn live_employees(ctx: &Ctx) -> super::scope::Scoped<member::Entity> {
    scoped::<member::Entity>(ctx)
        .filter(member::Column::StaffId.is_not_null())
        .filter(member::Column::RemovedAt.is_null())
}

/// The live employee with this numeric id.
pub async fn find<C: ConnectionTrait>(ctx: &Ctx, db: &C, id: i64) -> Result<Option<MemberRow>> {
    live_employees(ctx)
        .filter(member::Column::Id.eq(id))
        .one(db)
        .await
}

/// Before an upload looks up thousands of staff ids and emails: on SQLite, refresh the query
/// planner's statistics of `member` (a sampled `ANALYZE`, a few milliseconds however large the
/// table). Without them SQLite guesses that an `IN` list of 100 emails costs more than walking
/// the org's program index, and walks every employee of the org once per chunk: measured, 25 s
/// to check 100,000 rows against 100,000 employees, 0.3 ms per chunk with statistics.
/// PostgreSQL: see `refresh_planner_stats_after`.
pub async fn refresh_planner_stats(db: &WriteTxn) -> Result<()> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA analysis_limit = 400").await?;
        db.execute_unprepared("ANALYZE member").await?;
    }
    Ok(())
}

/// After an upload wrote `rows` rows, on PostgreSQL: `ANALYZE member, referral_code`, outside
/// the upload's transaction. Autovacuum would, but only up to a minute later (and never where
/// it is off, as on the dev machine), and until then the planner believes the org holds the
/// few employees and codes it held before. The next upload's lookups then walk the org's rows
/// once per chunk: measured, the email lookups 1.2 s per chunk of 100 (283 s to check 100,000
/// rows), the updated employees' codes 117 ms per chunk (139 s), against under a second for
/// either with fresh statistics. ANALYZE samples at most 30,000 rows per table, so it costs
/// about the same however large the tables; it runs in its own short transaction, so another
/// org's ANALYZE waits for it only that long. Small writes leave it to autovacuum.
pub async fn refresh_planner_stats_after(db: &Db, rows: u64) -> Result<()> {
    let conn = db.conn();
    if rows >= 1_000 && conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_unprepared("ANALYZE member, referral_code")
            .await?;
    }
    Ok(())
}

/// The org's employees (live or removed) with these staff ids.
pub async fn find_by_staff_ids<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    staff_ids: &[String],
) -> Result<Vec<MemberRow>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(LOOKUP_BATCH) {
        out.extend(
            scoped::<member::Entity>(ctx)
                .filter(member::Column::StaffId.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The ids and emails of the org's live members of `program_id` with these emails (the
/// program's email index; only two columns read).
pub async fn find_by_emails<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    program_id: i64,
    emails: &[String],
) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for chunk in emails.chunks(LOOKUP_BATCH) {
        let found: Vec<(i64, Option<String>)> = scoped::<member::Entity>(ctx)
            .filter(member::Column::ProgramId.eq(program_id))
            .filter(member::Column::Email.is_in(chunk.to_vec()))
            .filter(member::Column::RemovedAt.is_null())
            .into_select()
            .select_only()
            .column(member::Column::Id)
            .column(member::Column::Email)
            .into_tuple()
            .all(db)
            .await?;
        out.extend(found.into_iter().filter_map(|(id, e)| e.map(|e| (id, e))));
    }
    Ok(out)
}

/// The member column a filter field reads (referral fields are handled by the caller).
fn member_expr(field: FilterField) -> Expr {
    use member::Column as M;
    let col = match field {
        FilterField::Id => M::Id,
        FilterField::StaffId => M::StaffId,
        FilterField::FirstName => M::FirstName,
        FilterField::LastName => M::LastName,
        FilterField::MiddleName => M::MiddleName,
        FilterField::Title => M::Title,
        FilterField::Branch => M::Branch,
        FilterField::Role => M::EmployeeRole,
        FilterField::Email => M::Email,
        FilterField::Mobile => M::Phone,
        FilterField::IsEnabled => M::Disabled,
        FilterField::IsAccountOfficer => M::IsAccountOfficer,
        FilterField::CanReferCustomer => M::CanReferCustomer,
        FilterField::CreatedAt => M::CreatedAt,
        FilterField::CustomerAccountNumber => {
            return Expr::col((referral::Entity, referral::Column::ExternalIdentifier))
        }
    };
    Expr::col((member::Entity, col))
}

/// `%`, `_` and the escape character itself, escaped for LIKE.
fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `LOWER(e) LIKE LOWER(pattern) ESCAPE '\'`, the pattern bound (sea-query's LIKE cannot
/// lower its pattern, so it is written here, with each backend's placeholder).
fn like(e: Expr, pattern: String, backend: DbBackend) -> Condition {
    let template = match backend {
        DbBackend::Postgres => "LOWER($1) LIKE LOWER($2) ESCAPE '\\'",
        _ => "LOWER(?) LIKE LOWER(?) ESCAPE '\\'",
    };
    Condition::all().add(Expr::cust_with_exprs(template, [e, Expr::val(pattern)]))
}

/// A bound text lowered by the database, as the column is (the same folding on both sides).
fn lower_val(v: &str) -> Expr {
    Expr::from(Func::lower(Expr::val(v.to_string())))
}

/// One filter as a condition. Text compares lower-cased on both sides; `isEnabled` reads the
/// inverted `disabled` flag; the two nullable flags read their defaults when NULL; a bare date
/// given to `equals` / `notequals` on `CreatedAt` means its whole day.
fn condition(f: &Filter, backend: DbBackend) -> Condition {
    let raw = member_expr(f.field);
    let text = || Expr::from(Func::lower(raw.clone()));
    let one = |e: Expr| Condition::all().add(e);
    match (&f.value, f.op) {
        (FilterValue::Null(is_null), _) => {
            if *is_null {
                one(raw.is_null())
            } else {
                one(raw.is_not_null())
            }
        }
        (FilterValue::Bool(b), op) => {
            let (expr, want) = match f.field {
                FilterField::IsEnabled => (raw, !*b),
                FilterField::IsAccountOfficer => {
                    (Expr::from(Func::coalesce([raw, Expr::val(false)])), *b)
                }
                FilterField::CanReferCustomer => {
                    (Expr::from(Func::coalesce([raw, Expr::val(true)])), *b)
                }
                _ => (raw, *b),
            };
            if op == FilterOp::NotEquals {
                one(expr.ne(want))
            } else {
                one(expr.eq(want))
            }
        }
        (FilterValue::Text(v), op) => match op {
            FilterOp::Contains => like(raw, format!("%{}%", like_escaped(v)), backend),
            FilterOp::StartsWith => like(raw, format!("{}%", like_escaped(v)), backend),
            FilterOp::EndsWith => like(raw, format!("%{}", like_escaped(v)), backend),
            // Not equal includes the rows where the field is empty.
            FilterOp::NotEquals => Condition::any()
                .add(text().ne(lower_val(v)))
                .add(raw.is_null()),
            FilterOp::GreaterThan => one(text().gt(lower_val(v))),
            FilterOp::GreaterThanOrEqual => one(text().gte(lower_val(v))),
            FilterOp::LessThan => one(text().lt(lower_val(v))),
            FilterOp::LessThanOrEqual => one(text().lte(lower_val(v))),
            _ => one(text().eq(lower_val(v))),
        },
        (FilterValue::Texts(vs), _) => one(text().is_in(vs.iter().map(|v| lower_val(v)))),
        (FilterValue::Ints(vs), _) => one(raw.is_in(vs.clone())),
        (FilterValue::Int(v), op) => compare(raw, op, *v),
        (FilterValue::Day(start, end), FilterOp::NotEquals) => Condition::any()
            .add(raw.clone().lt(*start))
            .add(raw.gt(*end)),
        (FilterValue::Day(start, end), _) => Condition::all()
            .add(raw.clone().gte(*start))
            .add(raw.lte(*end)),
        (FilterValue::Time(t), op) => compare(raw, op, *t),
    }
}

fn compare<V: Into<sea_orm::Value> + Clone>(e: Expr, op: FilterOp, v: V) -> Condition {
    let expr = match op {
        FilterOp::NotEquals => e.ne(v),
        FilterOp::GreaterThan => e.gt(v),
        FilterOp::GreaterThanOrEqual => e.gte(v),
        FilterOp::LessThan => e.lt(v),
        FilterOp::LessThanOrEqual => e.lte(v),
        _ => e.eq(v),
    };
    Condition::all().add(expr)
}

fn all_of(filters: &[Filter], backend: DbBackend) -> Condition {
    filters
        .iter()
        .fold(Condition::all(), |c, f| c.add(condition(f, backend)))
}

/// What an employee list is narrowed by.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    pub id: Option<i64>,
    /// `Some(true)`: enabled only; `Some(false)`: disabled only.
    pub enabled: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub filters: Vec<Filter>,
}

/// A page of the org's live employees, newest first, with the total.
pub async fn list<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &EmployeeFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<MemberRow>> {
    use member::Column as M;
    let mut q = live_employees(ctx).filter(all_of(&f.filters, db.get_database_backend()));
    if let Some(id) = f.id {
        q = q.filter(M::Id.eq(id));
    }
    if let Some(enabled) = f.enabled {
        q = q.filter(M::Disabled.eq(!enabled));
    }
    if let Some(from) = f.created_from {
        q = q.filter(M::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(M::CreatedAt.lte(to));
    }
    q.order_by_desc(M::CreatedAt)
        .order_by_desc(M::Id)
        .page(db, offset, limit)
        .await
}

/// The org's employee program, if it has one.
pub async fn employee_program<C: ConnectionTrait>(ctx: &Ctx, db: &C) -> Result<Option<ProgramRow>> {
    scoped::<program::Entity>(ctx)
        .filter(program::Column::ForEmployees.eq(true))
        .one(db)
        .await
}

/// Marks a new program row as the org's employee program, unless the org has one already
/// (the partial unique index refuses a second: `None` then).
pub async fn insert_employee_program(
    db: &WriteTxn,
    mut row: program::ActiveModel,
) -> Result<Option<ProgramRow>> {
    db.changes_config();
    row.for_employees = Set(true);
    let conflict = OnConflict::new().do_nothing().to_owned();
    super::insert_unless_conflict(db, row, conflict).await
}

/// What an employee-referral list is narrowed by.
#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub employee_id: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub filters: Vec<Filter>,
}

/// A referral of an employee, with the employee and the code it came with.
pub struct EmployeeReferralRow {
    pub referral: ReferralRow,
    pub employee: MemberRow,
    pub code: Option<String>,
}

/// A page of live referrals credited to the org's employees, newest first, with the total.
pub async fn list_referrals<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    f: &ReferralFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<EmployeeReferralRow>> {
    use referral::Column as R;
    let mut q = scoped::<referral::Entity>(ctx)
        .filter(R::RemovedAt.is_null())
        .filter(all_of(&f.filters, db.get_database_backend()));
    if let Some(id) = f.employee_id {
        q = q.filter(R::MemberId.eq(id));
    }
    if let Some(from) = f.created_from {
        q = q.filter(R::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(R::CreatedAt.lte(to));
    }
    // The join is inner in effect: the staff id filter drops referrals of other members.
    let select = q
        .order_by_desc(R::CreatedAt)
        .order_by_desc(R::Id)
        .into_select()
        .find_also_related(member::Entity)
        .filter(member::Column::StaffId.is_not_null())
        .filter(member::Column::RemovedAt.is_null())
        .filter(member::Column::OrgId.eq(ctx.org_id));
    let total = sea_orm::PaginatorTrait::count(select.clone(), db).await?;
    let pairs = select.offset(offset).limit(limit).all(db).await?;
    let code_ids: Vec<i64> = pairs
        .iter()
        .filter_map(|(r, _)| r.referral_code_id)
        .collect();
    let codes: std::collections::HashMap<i64, String> = if code_ids.is_empty() {
        Default::default()
    } else {
        scoped::<referral_code::Entity>(ctx)
            .filter(referral_code::Column::Id.is_in(code_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.code))
            .collect()
    };
    let items = pairs
        .into_iter()
        .filter_map(|(r, m)| {
            let code = r.referral_code_id.and_then(|id| codes.get(&id).cloned());
            m.map(|employee| EmployeeReferralRow {
                referral: r,
                employee,
                code,
            })
        })
        .collect();
    Ok(Page { items, total })
}

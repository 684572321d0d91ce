//! Writing many employees at once (an upload): multi-row inserts and updates, each statement
//! one chunk of rows, all inside the caller's transaction.
//!
//! A unique conflict fails the whole statement; the caller has checked staff ids and emails
//! first, in the same transaction, so only a concurrent change can cause one.
use entities::member;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use super::{apply, insertable};
use crate::domain::employees::EmployeeChanges;
use crate::domain::Ctx;
use crate::store::members::MemberRow;

/// Rows per multi-row insert in bulk writes (under SQLite's 32,766 bound parameters; fewer,
/// larger statements: 100 rows per statement wrote 100,000 employees' codes in 1.8 s, 500 in
/// 1.3 s).
pub const BATCH: usize = 500;

/// Inserts new employee rows in multi-row statements, each answering only the new ids and
/// public ids (decoding every column of 100,000 returned rows cost more than inserting them);
/// the rows come back with their ids. A unique conflict fails the statement (the caller has
/// checked staff ids and emails first, in the same transaction).
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<MemberRow>,
) -> std::result::Result<Vec<MemberRow>, DbErr> {
    let mut out = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<MemberRow> = rows.by_ref().take(BATCH).collect();
        let ids = crate::store::insert_returning_ids::<member::Entity, _, _>(
            db,
            chunk.iter().cloned().map(insertable),
            None,
        )
        .await?;
        for mut m in chunk {
            m.id = *ids.get(&m.public_id).ok_or_else(|| {
                DbErr::Custom("an inserted employee came back without an id".into())
            })?;
            out.push(m);
        }
    }
    Ok(out)
}

/// The columns an upload may change, in the order `update_many` binds them after the id.
const UPDATED: [&str; 21] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "country_subdivision",
    "country",
    "postal_code",
    "disabled",
    "staff_id",
    "title",
    "middle_name",
    "branch",
    "employee_role",
    "note",
    "is_account_officer",
    "can_refer_customer",
    "updated_at",
];

fn updated_values(m: &MemberRow) -> [Value; 22] {
    [
        m.id.into(),
        m.first_name.clone().into(),
        m.last_name.clone().into(),
        m.email.clone().into(),
        m.phone.clone().into(),
        m.date_of_birth.clone().into(),
        m.address_line1.clone().into(),
        m.address_line2.clone().into(),
        m.city.clone().into(),
        m.country_subdivision.clone().into(),
        m.country.clone().into(),
        m.postal_code.clone().into(),
        m.disabled.into(),
        m.staff_id.clone().into(),
        m.title.clone().into(),
        m.middle_name.clone().into(),
        m.branch.clone().into(),
        m.employee_role.clone().into(),
        m.note.clone().into(),
        m.is_account_officer.into(),
        m.can_refer_customer.into(),
        m.updated_at.into(),
    ]
}

/// Applies each row's changes and saves them in multi-row `UPDATE … FROM (VALUES …)`
/// statements (one statement per `BATCH` rows, where saving row by row cost a round trip and
/// every column of `member` per row); answers the rows as saved. The statement is the same on
/// both databases: a `VALUES` list names its columns `column1`, `column2`, … on each, and the
/// org is part of the `WHERE`, so a row of another org is never touched (and the count check
/// below fails the upload).
pub async fn update_many<C: ConnectionTrait>(
    ctx: &Ctx,
    db: &C,
    rows: &[(MemberRow, EmployeeChanges)],
) -> std::result::Result<Vec<MemberRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BATCH) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 22 + 1);
        let mut tuples = Vec::with_capacity(chunk.len());
        let mut saved = Vec::with_capacity(chunk.len());
        for (row, changes) in chunk {
            let mut m = row.clone();
            apply(&mut m, changes);
            let first = values.len();
            values.extend(updated_values(&m));
            let marks: Vec<String> = (first..values.len()).map(|i| mark(backend, i)).collect();
            tuples.push(format!("({})", marks.join(", ")));
            saved.push(m);
        }
        let sets: Vec<String> = UPDATED
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = v.column{}", i + 2))
            .collect();
        values.push(ctx.org_id.into());
        let sql = format!(
            "UPDATE member SET {} FROM (VALUES {}) AS v WHERE member.id = v.column1 \
             AND member.org_id = {}",
            sets.join(", "),
            tuples.join(", "),
            mark(backend, values.len() - 1),
        );
        let done = db
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(DbErr::Custom(format!(
                "an upload updated {} of {} employees",
                done.rows_affected(),
                chunk.len()
            )));
        }
        out.extend(saved);
    }
    Ok(out)
}

/// The placeholder of the `index`-th (from 0) bound value.
fn mark(backend: DbBackend, index: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${}", index + 1),
        _ => "?".to_string(),
    }
}

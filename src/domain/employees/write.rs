//! Creating and updating employees, one at a time or many (an upload), each in one write
//! transaction with its events.
//!
//! An upload upserts by staffId: rows are checked first (each error names its row, column
//! and reason; a staffId or email seen earlier in the same upload is an error on the later
//! row), then every valid row is applied in one transaction — new employees and their codes
//! in multi-row statements — or, for a dry run, nothing is written at all.
use std::collections::HashMap;

use serde_json::json;

use super::{check, employee_program, EmployeeChanges, EmployeeFields, EmployeeView};
use crate::domain::{referral_codes, Ctx};
use crate::error::{AppError, Result};
use crate::store::employees as store;
use crate::store::members::MemberRow;
use crate::store::referral_codes as code_store;
use crate::store::{events, unique_violation, Db, WriteTxn};

/// Records `MemberAdd` or `MemberUpdate` of an employee (every write path here).
async fn record(ctx: &Ctx, txn: &WriteTxn, event_type: &str, v: &EmployeeView) -> Result<()> {
    let payload = json!({
        "id": v.id,
        "staffId": v.staff_id,
        "email": v.email,
        "referralCode": v.referral_code,
        "isEnabled": v.is_enabled,
    });
    events::record(ctx, txn, event_type, &v.id.to_string(), payload).await
}

/// Explains which uniqueness rule an employee insert or update ran into.
fn conflict(err: sea_orm::DbErr, c: &EmployeeChanges) -> AppError {
    match unique_violation(&err) {
        Some(msg) if msg.contains("staff") => AppError::conflict(format!(
            "staffId: `{}` is already an employee of this org",
            c.staff_id.as_deref().unwrap_or_default()
        )),
        Some(_) => AppError::conflict(format!(
            "email: `{}` is already an employee of this org",
            c.email.as_deref().unwrap_or_default()
        )),
        None => err.into(),
    }
}

/// A bulk statement of an upload ran into a unique index: the rows were checked in the same
/// transaction, so another request changed them meanwhile.
fn raced(err: sea_orm::DbErr) -> AppError {
    match unique_violation(&err) {
        Some(_) => AppError::conflict(
            "another request changed the same employees; nothing was applied, retry the upload",
        ),
        None => err.into(),
    }
}

/// Creates an employee in the org's employee program, with a `REF-…` code.
pub async fn create(ctx: &Ctx, db: &Db, fields: EmployeeFields) -> Result<EmployeeView> {
    let changes = check(fields, true)?;
    let txn = db.write(ctx).await?;
    let program = employee_program(ctx, &txn).await?;
    let member = store::insert(ctx, &txn, program.id, &changes)
        .await
        .map_err(|e| conflict(e, &changes))?;
    let code = referral_codes::issue(ctx, &txn, &member, None, "referralCode").await?;
    let view = EmployeeView::of(member, Some(code.code));
    record(ctx, &txn, "MemberAdd", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes the given fields of an employee; the referral code never changes.
pub async fn update(ctx: &Ctx, db: &Db, id: i64, fields: EmployeeFields) -> Result<EmployeeView> {
    let changes = check(fields, false)?;
    let txn = db.write(ctx).await?;
    let row = store::find(ctx, &txn, id)
        .await?
        .ok_or_else(|| AppError::not_found(super::EMPLOYEE))?;
    let row = store::update(&txn, row, &changes)
        .await
        .map_err(|e| conflict(e, &changes))?;
    let code = code_store::find_active_for_member(ctx, &txn, row.id)
        .await?
        .map(|c| c.code.code);
    let view = EmployeeView::of(row, code);
    record(ctx, &txn, "MemberUpdate", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// One row of an upload: its number (spreadsheet numbering for files, the header being row
/// 1; position from 1 for a JSON list), and its fields.
#[derive(Debug, Clone)]
pub struct UpsertRow {
    pub row: u32,
    pub fields: EmployeeFields,
}

/// Why a row was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertRowError {
    pub row: u32,
    /// The field at fault (`staffId`, `email`, …), or `row` for the row as a whole.
    pub column: String,
    pub reason: String,
}

/// What an upload did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertOutcome {
    pub created: u64,
    pub updated: u64,
    pub errors: Vec<UpsertRowError>,
    pub dry_run: bool,
    /// Checking the rows and reading what they touch (staff ids, emails).
    pub validate_time: std::time::Duration,
    /// Writing them, commit included.
    pub write_time: std::time::Duration,
}

/// Told how many rows have been written so far, of how many (for a progress bar).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

impl UpsertOutcome {
    /// The seed's message.
    pub fn message(&self) -> String {
        format!(
            "Upload complete. Created: {}, Updated: {}, Errors: {}.",
            self.created,
            self.updated,
            self.errors.len()
        )
    }
}

fn row_error(row: u32, err: AppError) -> UpsertRowError {
    let (column, reason) = match err {
        AppError::Invalid { field, message }
        | AppError::Missing { field, message }
        | AppError::Unprocessable { field, message, .. } => (field, message),
        other => ("row".to_string(), other.public_message()),
    };
    UpsertRowError {
        row,
        column,
        reason,
    }
}

/// Checks every row and drops the bad ones, recording why.
fn checked_rows(
    rows: Vec<UpsertRow>,
    errors: &mut Vec<UpsertRowError>,
) -> Vec<(u32, EmployeeChanges)> {
    let mut seen_staff: HashMap<String, u32> = HashMap::new();
    let mut seen_email: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for UpsertRow { row, fields } in rows {
        let changes = match check(fields, true) {
            Ok(c) => c,
            Err(e) => {
                errors.push(row_error(row, e));
                continue;
            }
        };
        let staff = changes.staff_id.clone().unwrap_or_default();
        let email = changes.email.clone().unwrap_or_default();
        if let Some(first) = seen_staff.get(&staff) {
            errors.push(UpsertRowError {
                row,
                column: "staffId".into(),
                reason: format!("`{staff}` appears again (first on row {first})"),
            });
            continue;
        }
        if let Some(first) = seen_email.get(&email) {
            errors.push(UpsertRowError {
                row,
                column: "email".into(),
                reason: format!("`{email}` appears again (first on row {first})"),
            });
            continue;
        }
        seen_staff.insert(staff, row);
        seen_email.insert(email, row);
        out.push((row, changes));
    }
    out
}

/// Upserts employees by staffId: every valid row applied in one transaction (or, with
/// `dry_run`, none); the others reported.
/// `errors` are rows the caller could not read (a spreadsheet cell), reported with the rest.
pub async fn upsert_many(
    ctx: &Ctx,
    db: &Db,
    rows: Vec<UpsertRow>,
    errors: Vec<UpsertRowError>,
    dry_run: bool,
    progress: Option<Progress<'_>>,
) -> Result<UpsertOutcome> {
    let started = std::time::Instant::now();
    let mut errors = errors;
    let valid = checked_rows(rows, &mut errors);
    let txn = db.write(ctx).await?;
    // A dry run must not create the employee program either: without one, no email is taken.
    let program = if dry_run {
        store::employee_program(ctx, &txn).await?
    } else {
        Some(employee_program(ctx, &txn).await?)
    };
    store::refresh_planner_stats(&txn).await?;
    let staff_ids: Vec<String> = valid
        .iter()
        .filter_map(|(_, c)| c.staff_id.clone())
        .collect();
    let existing: HashMap<String, MemberRow> = store::find_by_staff_ids(ctx, &txn, &staff_ids)
        .await?
        .into_iter()
        .filter_map(|m| m.staff_id.clone().map(|s| (s, m)))
        .collect();
    let emails: Vec<String> = valid.iter().filter_map(|(_, c)| c.email.clone()).collect();
    let email_owner: HashMap<String, i64> = match &program {
        Some(p) => store::find_by_emails(ctx, &txn, p.id, &emails)
            .await?
            .into_iter()
            .map(|(id, e)| (e, id))
            .collect(),
        None => HashMap::new(),
    };

    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (row, changes) in valid {
        let staff = changes.staff_id.clone().unwrap_or_default();
        let email = changes.email.clone().unwrap_or_default();
        let current = existing.get(&staff);
        if let Some(m) = current.filter(|m| m.removed_at.is_some()) {
            errors.push(UpsertRowError {
                row,
                column: "staffId".into(),
                reason: format!("`{staff}` belongs to removed member {}", m.id),
            });
            continue;
        }
        if let Some(owner) = email_owner.get(&email) {
            if current.map(|m| m.id) != Some(*owner) {
                errors.push(UpsertRowError {
                    row,
                    column: "email".into(),
                    reason: format!("`{email}` is already another employee's email"),
                });
                continue;
            }
        }
        match current {
            Some(m) => updates.push((m.clone(), changes)),
            None => creates.push(changes),
        }
    }
    errors.sort_by_key(|e| e.row);
    let mut outcome = UpsertOutcome {
        created: creates.len() as u64,
        updated: updates.len() as u64,
        errors,
        dry_run,
        validate_time: started.elapsed(),
        write_time: Default::default(),
    };
    let Some(program) = program.filter(|_| !dry_run) else {
        txn.rollback().await?;
        return Ok(outcome);
    };

    let writing = std::time::Instant::now();
    // Where the write time goes, logged per upload (members, codes, events, commit).
    let mut spent = [std::time::Duration::ZERO; 4];
    let mut clock = std::time::Instant::now();
    let mut lap = |slot: usize| {
        let now = std::time::Instant::now();
        spent[slot] += now - clock;
        clock = now;
    };
    let total = outcome.created + outcome.updated;
    let mut written = 0;
    // In chunks, so a progress bar moves; one transaction all the same.
    for chunk in creates.chunks(store::BATCH) {
        let new_rows: Vec<_> = chunk
            .iter()
            .map(|c| store::new_row(ctx, program.id, c))
            .collect();
        let inserted = store::insert_many(&txn, new_rows).await.map_err(raced)?;
        lap(0);
        let codes = referral_codes::issue_many(ctx, &txn, &inserted).await?;
        lap(1);
        for m in inserted {
            let code = codes.get(&m.id).map(|c| c.code.clone());
            let view = EmployeeView::of(m, code);
            record(ctx, &txn, "MemberAdd", &view).await?;
        }
        lap(2);
        written += chunk.len() as u64;
        if let Some(p) = progress {
            p(written, total);
        }
    }
    // The codes of the updated, for their MemberUpdate events (codes never change here).
    let mut update_codes = HashMap::with_capacity(updates.len());
    for chunk in updates.chunks(store::LOOKUP_BATCH) {
        let ids: Vec<i64> = chunk.iter().map(|(m, _)| m.id).collect();
        update_codes.extend(code_store::active_for_members(ctx, &txn, &ids).await?);
    }
    for chunk in updates.chunks(store::BATCH) {
        let saved = store::update_many(ctx, &txn, chunk).await.map_err(raced)?;
        for row in saved {
            let code = update_codes.remove(&row.id);
            let view = EmployeeView::of(row, code);
            record(ctx, &txn, "MemberUpdate", &view).await?;
        }
        written += chunk.len() as u64;
        if let Some(p) = progress {
            p(written, total);
        }
    }
    lap(0);
    txn.commit().await?;
    lap(3);
    store::refresh_planner_stats_after(db, total).await?;
    tracing::info!(
        created = outcome.created,
        updated = outcome.updated,
        members_ms = spent[0].as_millis() as u64,
        codes_ms = spent[1].as_millis() as u64,
        events_ms = spent[2].as_millis() as u64,
        commit_ms = spent[3].as_millis() as u64,
        "employee upload written"
    );
    if let Some(p) = progress {
        p(total, total);
    }
    outcome.write_time = writing.elapsed();
    Ok(outcome)
}

//! The org's employee program: the program employees belong to and their referrals count in,
//! so the org's rules and rewards apply to them like any other referral. Created on first use
//! (named `employees`, or `employees-<random>` if that name is taken) and then configured like
//! any program (rules, currency, pages) through the native API.
use crate::domain::programs::{self, ProgramInput};
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::employees as store;
use crate::store::programs::{self as program_store, ProgramRow};
use crate::store::WriteTxn;

fn input(name: String) -> ProgramInput {
    ProgramInput {
        name,
        title: Some("Employee referrals".into()),
        promocode: "EMP-@ID@".into(),
        ..Default::default()
    }
}

/// The org's employee program, created inside `txn` if the org has none. Two requests racing
/// to create it both end with the one the partial unique index let in.
pub async fn employee_program(ctx: &Ctx, txn: &WriteTxn) -> Result<ProgramRow> {
    if let Some(p) = store::employee_program(ctx, txn).await? {
        return Ok(p);
    }
    let suffix = crate::domain::ids::new_public_id("x");
    for name in [
        "employees".to_string(),
        format!("employees-{}", &suffix[2..8]),
    ] {
        let fields = programs::parse(input(name))?;
        let row = program_store::new_row(ctx, fields);
        if let Some(p) = store::insert_employee_program(txn, row).await? {
            return Ok(p);
        }
        // Refused: another request made the employee program, or the name is taken.
        if let Some(p) = store::employee_program(ctx, txn).await? {
            return Ok(p);
        }
    }
    Err(AppError::Internal(
        "could not name the employee program".into(),
    ))
}

//! Schema helpers shared by the migrations.
//!
//! Frozen: shipped migrations call these, so changing one would change what an old migration
//! creates on a fresh database. Need something different? Add a new helper.

use sea_orm_migration::prelude::*;

/// A restrictive foreign key `fk_<table>_<column>` from `table.column` to `to.id`.
pub(crate) fn fk(
    table: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

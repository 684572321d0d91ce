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

/// Runs each SQL statement in turn on the migration's connection (raw SQL the builders cannot
/// express: triggers, functions, table locks).
pub(crate) async fn run_sql(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for sql in statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
}

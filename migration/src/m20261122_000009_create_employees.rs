//! Employees (seeds 000/001) and the email unsubscribe list.
//!
//! An employee is a member with a staff id: the employee profile lives in columns of `member`
//! (all NULL for partners and customers), so attribution, rules, rewards and the partner pages
//! treat employees as the members they are, with no join. `staff_id` is unique per org (an
//! index, so two uploads racing cannot both create one staff id).
//!
//! A program may be marked `for_employees`; at most one per org (a partial unique index), so
//! the employee program "created on first use" is created once however many requests race.
//!
//! `email_unsubscribe` holds the addresses an org must not mail, one row per (org, mailbox
//! identity) — the same normalised key referrals use for "same customer". Every mail carries
//! an unsubscribe link with a random token, stored hashed in `unsubscribe_token` (a token is a
//! credential: it unsubscribes its address).
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, run_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    let mut col = col;
    manager
        .alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
        .await
}

async fn drop(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: &'static str,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(col).to_owned())
        .await
}

const TEXT_COLUMNS: [&str; 6] = [
    "staff_id",
    "title",
    "middle_name",
    "branch",
    "employee_role",
    "note",
];
const FLAG_COLUMNS: [&str; 2] = ["is_account_officer", "can_refer_customer"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for c in TEXT_COLUMNS {
            add(manager, "member", string_null(c)).await?;
        }
        for c in FLAG_COLUMNS {
            add(manager, "member", boolean_null(c)).await?;
        }
        add(
            manager,
            "program",
            boolean("for_employees").default(false).to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("email_unsubscribe")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string("email"))
                    .col(string("email_key"))
                    .col(string("source"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("email_unsubscribe", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("unsubscribe_token")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string_uniq("token_hash"))
                    .col(string("email"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("unsubscribe_token", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_member_staff ON member (org_id, staff_id)",
                "CREATE UNIQUE INDEX ux_program_employees ON program (org_id) WHERE for_employees",
                "CREATE UNIQUE INDEX ux_email_unsubscribe ON email_unsubscribe (org_id, email_key)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(
            manager,
            &[
                "DROP INDEX ux_member_staff",
                "DROP INDEX ux_program_employees",
                "DROP TABLE email_unsubscribe",
                "DROP TABLE unsubscribe_token",
            ],
        )
        .await?;
        drop(manager, "program", "for_employees").await?;
        for c in FLAG_COLUMNS.iter().chain(TEXT_COLUMNS.iter()) {
            drop(manager, "member", c).await?;
        }
        Ok(())
    }
}

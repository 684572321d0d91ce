//! Invites from invite feeds (seed 003 §7): one row per contact a member's feed queued for an
//! invite email, sent by the outbox worker (`invites::worker`).
//!
//! A row is written only when the contact is to be mailed; contacts skipped (unsubscribed,
//! invited by the same member within the window, over the org's daily cap) are reported to the
//! caller and not kept. `ix_invite_member_email` answers "did this member invite this address
//! lately"; `ix_invite_org_created` the org's count for the day; the partial index
//! `ix_invite_due` is what the worker scans (`status = 'queued'`, written literally).
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, run_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("invite")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("member_id"))
                    .col(string("email"))
                    .col(string("email_key"))
                    .col(string("first_name"))
                    .col(string_null("last_name"))
                    .col(string_null("contact_type"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("invite", "org_id", "org"))
                    .foreign_key(&mut fk("invite", "member_id", "member"))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &[
                "CREATE INDEX ix_invite_member_email ON invite (org_id, member_id, email_key, created_at)",
                "CREATE INDEX ix_invite_org_created ON invite (org_id, created_at)",
                "CREATE INDEX ix_invite_due ON invite (next_attempt_at) WHERE status = 'queued'",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(manager, &["DROP TABLE invite"]).await
    }
}

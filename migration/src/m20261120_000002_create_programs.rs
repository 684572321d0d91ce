//! Programs, the 003 member fields, member access tokens, and the reward table the partner pages
//! count (rewards themselves arrive with a later issue and add columns in a later migration).
//!
//! Guarantees held by indexes: program names are unique per org; at most one default program per
//! (org, project); a member email is unique within a program among members not removed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// New nullable text columns on `member`, one statement each (SQLite alters one at a time).
const MEMBER_TEXT_COLUMNS: &[&str] = &[
    "phone",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "country_subdivision",
    "country",
    "postal_code",
    "custom_override_url",
    "payout_info",
    "custom_option1_name",
    "custom_option1_value",
    "custom_text1_name",
    "custom_text1_value",
    "custom_text2_name",
    "custom_text2_value",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("program")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("name"))
                    .col(string("title"))
                    .col(string("program_type"))
                    .col(string("project"))
                    .col(string("promocode"))
                    .col(string_null("url"))
                    .col(timestamp_with_time_zone_null("start_date"))
                    .col(timestamp_with_time_zone_null("end_date"))
                    .col(boolean("assign_by_default"))
                    .col(string_null("account_group"))
                    .col(string_null("account_group_restrict"))
                    .col(text_null("member_offer"))
                    .col(text_null("referral_offer"))
                    .col(boolean("is_active"))
                    .col(string("currency"))
                    .col(text("embed_origins"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("program", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_program_org_name ON program (org_id, name)",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_program_one_default ON program (org_id, project) WHERE assign_by_default",
        )
        .await?;

        for column in MEMBER_TEXT_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("member")
                        .add_column(string_null(*column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("member")
                    .add_column(big_integer_null("program_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("member")
                    .add_column(boolean("disabled").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("member")
                    .add_column(timestamp_with_time_zone_null("removed_at"))
                    .to_owned(),
            )
            .await?;
        for counter in ["email_shares", "social_shares", "views"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("member")
                        .add_column(big_integer(counter).default(0))
                        .to_owned(),
                )
                .await?;
        }
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_member_program_email ON member (program_id, email) \
             WHERE removed_at IS NULL AND email IS NOT NULL AND program_id IS NOT NULL",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_member_org_program ON member (org_id, program_id, id)",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("access_token")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("member_id"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("access_token", "org_id", "org"))
                    .foreign_key(&mut fk("access_token", "member_id", "member"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("reward")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("member_id"))
                    .col(big_integer_null("referral_id"))
                    .col(big_integer("amount_minor"))
                    .col(string("currency"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("reward", "org_id", "org"))
                    .foreign_key(&mut fk("reward", "member_id", "member"))
                    .foreign_key(&mut fk("reward", "referral_id", "referral"))
                    .to_owned(),
            )
            .await?;
        conn.execute_unprepared("CREATE INDEX ix_reward_member ON reward (member_id)")
            .await?;
        conn.execute_unprepared("CREATE INDEX ix_referral_member ON referral (member_id)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["reward", "access_token"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ux_member_program_email")
            .await?;
        conn.execute_unprepared("DROP INDEX ix_member_org_program")
            .await?;
        let mut columns: Vec<&str> = MEMBER_TEXT_COLUMNS.to_vec();
        columns.extend([
            "program_id",
            "disabled",
            "removed_at",
            "email_shares",
            "social_shares",
            "views",
        ]);
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("member")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("program").to_owned())
            .await
    }
}

//! Reward rules, their conditions (002 ctypes 0–4, 5 = script) and tenant scripts with versions.
//!
//! Guarantees held by indexes: script names are unique per org; a script's versions are unique;
//! rules and conditions cannot point at a script that is gone (restrictive foreign keys).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("script")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("name"))
                    .col(string("kind"))
                    .col(big_integer("current_version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("script", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("script_version")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("script_id"))
                    .col(big_integer("version"))
                    .col(text("source"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("script_version", "org_id", "org"))
                    .foreign_key(&mut fk("script_version", "script_id", "script"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("reward_rule")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("program_id"))
                    .col(string("name"))
                    .col(boolean("enabled"))
                    .col(string("recipient"))
                    .col(string("trigger"))
                    .col(string("reward_kind"))
                    .col(string_null("amount"))
                    .col(big_integer_null("amount_script_id"))
                    .col(string("currency"))
                    .col(string_null("payout_id"))
                    .col(integer("hold_days"))
                    .col(integer_null("max_per_referral"))
                    .col(integer_null("max_per_member"))
                    .col(timestamp_with_time_zone_null("start_date"))
                    .col(timestamp_with_time_zone_null("end_date"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("reward_rule", "org_id", "org"))
                    .foreign_key(&mut fk("reward_rule", "program_id", "program"))
                    .foreign_key(&mut fk("reward_rule", "amount_script_id", "script"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rule_condition")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("rule_id"))
                    .col(integer("ctype"))
                    .col(integer_null("orderperiods"))
                    .col(string_null("comparison"))
                    .col(string_null("amount_ctype_1"))
                    .col(string_null("amount_ctype_4"))
                    .col(big_integer_null("item_count"))
                    .col(big_integer_null("referral_count"))
                    .col(string_null("group_name"))
                    .col(big_integer_null("script_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("rule_condition", "org_id", "org"))
                    .foreign_key(&mut fk("rule_condition", "rule_id", "reward_rule"))
                    .foreign_key(&mut fk("rule_condition", "script_id", "script"))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE UNIQUE INDEX ux_script_org_name ON script (org_id, name)")
            .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_script_version ON script_version (script_id, version)",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_reward_rule_program ON reward_rule (org_id, program_id, id)",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_rule_condition_rule ON rule_condition (rule_id, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["rule_condition", "reward_rule", "script_version", "script"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Referrals grown to the 003 shape, purchases (referral actions), rewards with their rule and
//! explanation, payout methods and transactions, idempotency keys, and program fraud settings.
//!
//! Guarantees held by indexes (money happens once because the database says so):
//! - one live referral per customer (normalised email, or external id) and program;
//! - one purchase per (org, external id);
//! - one reward per (rule, referral, triggering event);
//! - one idempotency record per (org, key).
//!
//! Columns added to existing tables carry no foreign key: SQLite cannot add one with
//! `ALTER TABLE`; the store only ever writes ids it has just read in the same org.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Referral: who the customer is, what they are worth, where they came from.
        for c in [
            "first_name",
            "last_name",
            "email",
            "email_key",
            "external_identifier",
            "phone_number",
            "currency",
            "ip_address",
            "held_reason",
        ] {
            add(manager, "referral", string_null(c)).await?;
        }
        add(manager, "referral", big_integer_null("program_id")).await?;
        add(manager, "referral", big_integer_null("amount_minor")).await?;
        add(
            manager,
            "referral",
            string("source").default("API").to_owned(),
        )
        .await?;
        // Descriptive 003 fields (notes, custom fields, address, preferred contact) as JSON.
        add(manager, "referral", text_null("details")).await?;
        for c in ["qualified_at", "approved_at", "updated_at", "removed_at"] {
            add(manager, "referral", timestamp_with_time_zone_null(c)).await?;
        }

        // Reward: why it exists (rule, version, trigger, explanation) and how it is paid.
        for c in [
            "program_id",
            "rule_id",
            "rule_version",
            "action_id",
            "payout_id",
            "transaction_id",
        ] {
            add(manager, "reward", big_integer_null(c)).await?;
        }
        add(
            manager,
            "reward",
            string("recipient_type").default("Member").to_owned(),
        )
        .await?;
        add(
            manager,
            "reward",
            string("source").default("Manual").to_owned(),
        )
        .await?;
        for c in ["trigger_key", "description", "held_reason", "note"] {
            add(manager, "reward", string_null(c)).await?;
        }
        add(manager, "reward", text_null("explanation")).await?;
        for c in ["eligibility_date", "issued_at", "updated_at", "removed_at"] {
            add(manager, "reward", timestamp_with_time_zone_null(c)).await?;
        }

        // Program fraud settings: referrals from one IP within 72 h past this are held.
        add(
            manager,
            "program",
            integer("velocity_limit").default(3).to_owned(),
        )
        .await?;
        add(manager, "program", big_integer_null("fraud_script_id")).await?;

        manager
            .create_table(
                Table::create()
                    .table("referral_action")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("referral_id"))
                    .col(big_integer("member_id"))
                    .col(big_integer_null("program_id"))
                    .col(big_integer("amount_minor"))
                    .col(string("currency"))
                    .col(big_integer("items").default(1))
                    .col(string_null("name"))
                    .col(string_null("external_identifier"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("referral_action", "org_id", "org"))
                    .foreign_key(&mut fk("referral_action", "referral_id", "referral"))
                    .foreign_key(&mut fk("referral_action", "member_id", "member"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("payout")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("description"))
                    .col(string("payout_type"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .foreign_key(&mut fk("payout", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("payout_transaction")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("payout_id"))
                    .col(string("recipient_type"))
                    .col(big_integer("member_id"))
                    .col(big_integer_null("referral_id"))
                    .col(big_integer("amount_minor"))
                    .col(string("currency"))
                    .col(big_integer("reward_count"))
                    .col(string("status"))
                    .col(string_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("payout_transaction", "org_id", "org"))
                    .foreign_key(&mut fk("payout_transaction", "payout_id", "payout"))
                    .foreign_key(&mut fk("payout_transaction", "member_id", "member"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string("key"))
                    .col(string("operation"))
                    .col(string("request_hash"))
                    .col(string("state"))
                    .col(integer_null("response_status"))
                    .col(text_null("response_body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .foreign_key(&mut fk("idempotency_key", "org_id", "org"))
                    .to_owned(),
            )
            .await?;

        let conn = manager.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX ux_referral_program_email ON referral (org_id, program_id, email_key) \
             WHERE removed_at IS NULL AND email_key IS NOT NULL",
            "CREATE UNIQUE INDEX ux_referral_program_external ON referral \
             (org_id, program_id, external_identifier) \
             WHERE removed_at IS NULL AND external_identifier IS NOT NULL",
            "CREATE INDEX ix_referral_org_created ON referral (org_id, created_at, id)",
            "CREATE INDEX ix_referral_ip ON referral (org_id, program_id, ip_address, created_at)",
            "CREATE UNIQUE INDEX ux_reward_rule_trigger ON reward (rule_id, referral_id, trigger_key) \
             WHERE rule_id IS NOT NULL",
            "CREATE INDEX ix_reward_org_created ON reward (org_id, created_at, id)",
            "CREATE INDEX ix_reward_referral ON reward (referral_id)",
            "CREATE INDEX ix_reward_transaction ON reward (transaction_id)",
            "CREATE UNIQUE INDEX ux_referral_action_external ON referral_action \
             (org_id, external_identifier) WHERE external_identifier IS NOT NULL",
            "CREATE INDEX ix_referral_action_referral ON referral_action (referral_id, created_at)",
            "CREATE INDEX ix_referral_action_member ON referral_action (member_id, created_at)",
            "CREATE INDEX ix_payout_org ON payout (org_id, id)",
            "CREATE INDEX ix_payout_transaction_org ON payout_transaction (org_id, member_id, id)",
            "CREATE UNIQUE INDEX ux_idempotency_key ON idempotency_key (org_id, key)",
            "CREATE INDEX ix_idempotency_created ON idempotency_key (created_at)",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_key",
            "payout_transaction",
            "payout",
            "referral_action",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Webhook subscriptions and their deliveries (seed 003 §7, DESIGN §6).
//!
//! `webhook` is one subscription: an org listens to one event at one URL with its own signing
//! secret. A rotated secret stays in `previous_secret` until `previous_secret_until`, and both
//! sign deliveries meanwhile. A subscription is never deleted, only marked (`deleted_at`), so its
//! delivery history stays readable; `disabled_at` is set when the receiver answered 410.
//!
//! `webhook_delivery` is one (subscription, event): written in the transaction that wrote the
//! event (`store::write`), so no event is lost between a change and its delivery. The unique
//! index on (webhook_id, event_id) makes the fan-out idempotent. Workers claim due rows
//! (`status = 'pending' AND next_attempt_at <= now`) under a lease (`locked_until`); the partial
//! index `ix_webhook_delivery_due` is what they scan.
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
                    .table("webhook")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("event"))
                    .col(text("target_url"))
                    .col(string("secret"))
                    .col(string_null("previous_secret"))
                    .col(timestamp_with_time_zone_null("previous_secret_until"))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .col(string_null("disabled_reason"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("webhook", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_delivery")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("webhook_id"))
                    .col(big_integer("event_id"))
                    .col(string("event_type"))
                    .col(text("target_url"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone_null("last_attempt_at"))
                    .col(integer_null("last_status_code"))
                    .col(big_integer_null("last_latency_ms"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("webhook_delivery", "org_id", "org"))
                    .foreign_key(&mut fk("webhook_delivery", "webhook_id", "webhook"))
                    .foreign_key(&mut fk("webhook_delivery", "event_id", "event"))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &[
                "CREATE INDEX ix_webhook_org_event ON webhook (org_id, event) \
                 WHERE deleted_at IS NULL",
                "CREATE UNIQUE INDEX ux_webhook_delivery_once \
                 ON webhook_delivery (webhook_id, event_id)",
                "CREATE INDEX ix_webhook_delivery_due ON webhook_delivery (next_attempt_at) \
                 WHERE status = 'pending'",
                "CREATE INDEX ix_webhook_delivery_history \
                 ON webhook_delivery (org_id, event_type, id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(
            manager,
            &["DROP TABLE webhook_delivery", "DROP TABLE webhook"],
        )
        .await
    }
}

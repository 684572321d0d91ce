//! Foundation tables: orgs, keys, members, referral codes, referrals (minimal), events.
//!
//! Two guarantees live here rather than in code, so that no check-then-insert race can break
//! them: a code is unique across the platform (codes are stored upper-cased, so the unique index
//! is case-insensitive by construction), and a (org, member) pair has at most one active code
//! (a partial unique index, supported identically by SQLite and PostgreSQL).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("org")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(string("name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("admin_key")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(string_uniq("key_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_key")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("name"))
                    .col(string("role"))
                    .col(string_uniq("key_hash"))
                    .col(string("key_prefix"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("api_key", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("api_key", "ix_api_key_org", &["org_id", "id"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("member")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string_null("external_id"))
                    .col(string_null("first_name"))
                    .col(string_null("last_name"))
                    .col(string_null("email"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("member", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in both databases, so members without an external id never clash.
        manager
            .create_index(index(
                "member",
                "ux_member_org_external",
                &["org_id", "external_id"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("referral_code")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("member_id"))
                    .col(string("code"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("deactivated_at"))
                    .foreign_key(&mut fk("referral_code", "org_id", "org"))
                    .foreign_key(&mut fk("referral_code", "member_id", "member"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "referral_code",
                "ux_referral_code_code",
                &["code"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "referral_code",
                "ix_referral_code_org",
                &["org_id", "id"],
                false,
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_referral_code_one_active ON referral_code (org_id, member_id) \
                 WHERE status = 'active'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("referral")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(big_integer("member_id"))
                    .col(big_integer_null("referral_code_id"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("referral", "org_id", "org"))
                    .foreign_key(&mut fk("referral", "member_id", "member"))
                    .foreign_key(&mut fk("referral", "referral_code_id", "referral_code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "referral",
                "ix_referral_code",
                &["referral_code_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("event")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("public_id"))
                    .col(big_integer("org_id"))
                    .col(string("event_type"))
                    .col(string("actor"))
                    .col(string("object_id"))
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("event", "org_id", "org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "event",
                "ix_event_org_type",
                &["org_id", "event_type", "id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "event",
            "referral",
            "referral_code",
            "member",
            "api_key",
            "admin_key",
            "org",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

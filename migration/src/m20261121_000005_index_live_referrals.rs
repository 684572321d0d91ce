//! A covering index for a member's live referral count, which every rewarded referral event
//! reads inside its write transaction (`store::referrer`): partial on `removed_at IS NULL` and
//! holding every column the count filters on (SQLite counts a partial index as covering only
//! then), so the count reads index entries only, never the referral rows.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_referral_member_live ON referral (member_id, org_id, removed_at) \
                 WHERE removed_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_referral_member_live")
            .await?;
        Ok(())
    }
}

//! `activity`: the provisioning activity log, one row per SCIM request that writes or fails
//! (and per Bulk operation), per admin action, and per successful read when
//! `SCIMD_ACTIVITY_READS` is on. Identifiers only: never attribute values, secrets or tokens.
//!
//! The indexes serve the queries operators make: a tenant's newest records, one end user's
//! records in a time span (by id, `userName` or `externalId`, case-insensitively — hence the
//! `lower(…)` expression indexes, which SQLite and PostgreSQL both support), one credential's,
//! and retention's prune by time.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    At,
    TenantId,
    CredentialId,
    CredentialKind,
    CredentialLabel,
    Client,
    RequestId,
    Method,
    Route,
    Operation,
    ResourceType,
    ResourceId,
    UserName,
    ExternalId,
    DisplayName,
    Changed,
    Status,
    ScimType,
    Detail,
    Outcome,
    LatencyUs,
    EventSeqs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activity::Table)
                    .col(
                        ColumnDef::new(Activity::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Activity::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // Null when no tenant is known (a 401 for an unknown token).
                    .col(ColumnDef::new(Activity::TenantId).big_integer().null())
                    .col(ColumnDef::new(Activity::CredentialId).string().null())
                    .col(ColumnDef::new(Activity::CredentialKind).string().null())
                    .col(ColumnDef::new(Activity::CredentialLabel).string().null())
                    .col(ColumnDef::new(Activity::Client).string().not_null())
                    .col(ColumnDef::new(Activity::RequestId).string().null())
                    .col(ColumnDef::new(Activity::Method).string().not_null())
                    .col(ColumnDef::new(Activity::Route).string().not_null())
                    .col(ColumnDef::new(Activity::Operation).string().not_null())
                    .col(ColumnDef::new(Activity::ResourceType).string().null())
                    .col(ColumnDef::new(Activity::ResourceId).string().null())
                    .col(ColumnDef::new(Activity::UserName).string().null())
                    .col(ColumnDef::new(Activity::ExternalId).string().null())
                    .col(ColumnDef::new(Activity::DisplayName).string().null())
                    // JSON array of attribute paths (names, never values).
                    .col(ColumnDef::new(Activity::Changed).text().null())
                    .col(ColumnDef::new(Activity::Status).integer().not_null())
                    .col(ColumnDef::new(Activity::ScimType).string().null())
                    .col(ColumnDef::new(Activity::Detail).text().null())
                    // "succeeded" (2xx, 304) or "failed".
                    .col(ColumnDef::new(Activity::Outcome).string().not_null())
                    .col(ColumnDef::new(Activity::LatencyUs).big_integer().not_null())
                    // JSON array of the event seqs the request produced.
                    .col(ColumnDef::new(Activity::EventSeqs).text().null())
                    // No foreign key to `tenants`: its check would cost every recorded request
                    // a lookup (on PostgreSQL, a row lock), and a batch of queued failures
                    // must not fail because a tenant was deleted meanwhile. `tenant delete`
                    // removes the tenant's records itself.
                    .to_owned(),
            )
            .await?;
        // Few indexes: each one is written by every recorded request. The tenant's time range
        // serves every filter but the end user's (and pruning, tenant by tenant); the end user's
        // is served by one index per identifier.
        for (name, columns) in [
            ("activity_by_tenant", vec![Activity::TenantId, Activity::At]),
            (
                "activity_by_resource",
                vec![Activity::TenantId, Activity::ResourceId, Activity::At],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Activity::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let db = manager.get_connection();
        // A user's record has a userName and a group's a displayName, never both: one index
        // serves both names.
        for (name, expression) in [
            ("activity_by_name", "coalesce(user_name, display_name)"),
            ("activity_by_external_id", "external_id"),
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON activity (tenant_id, lower({expression}), at)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activity::Table).to_owned())
            .await
    }
}

//! Webhook delivery: `webhook_endpoints` (where to send, which events, the signing secrets),
//! `webhook_cursors` (per endpoint and tenant: the last seq delivered or given up, when the
//! next attempt is due, and a lease so that one process at a time delivers the pair) and
//! `webhook_attempts` (every attempt, for `scimd webhook attempts`).
//!
//! Times the worker compares in SQL (`next_attempt_at`, `lease_until`) are Unix milliseconds,
//! so that the comparison is a number comparison on SQLite and PostgreSQL alike.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    TenantId,
    Url,
    EventTypes,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    CreatedAt,
    DisabledAt,
    DisabledReason,
    FailingSince,
}

#[derive(DeriveIden)]
enum WebhookCursors {
    Table,
    EndpointId,
    TenantId,
    DeliveredSeq,
    NextAttemptAt,
    Attempts,
    LeaseOwner,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    EndpointId,
    TenantId,
    Seq,
    EventId,
    AttemptedAt,
    StatusCode,
    LatencyMs,
    Error,
    Outcome,
}

fn cascade(
    table: impl IntoIden,
    column: impl IntoIden,
    to: impl IntoIden,
    to_column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(to, to_column)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(
                        ColumnDef::new(WebhookEndpoints::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    // NULL: every tenant, those created later included.
                    .col(ColumnDef::new(WebhookEndpoints::TenantId).big_integer())
                    .col(ColumnDef::new(WebhookEndpoints::Url).text().not_null())
                    // Comma-separated names and `user.*` prefixes; empty admits every type.
                    .col(
                        ColumnDef::new(WebhookEndpoints::EventTypes)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(WebhookEndpoints::Secret).text().not_null())
                    .col(ColumnDef::new(WebhookEndpoints::PreviousSecret).text())
                    .col(
                        ColumnDef::new(WebhookEndpoints::PreviousSecretExpiresAt)
                            .timestamp_with_time_zone(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookEndpoints::DisabledAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(WebhookEndpoints::DisabledReason).text())
                    .col(ColumnDef::new(WebhookEndpoints::FailingSince).timestamp_with_time_zone())
                    .foreign_key(&mut cascade(
                        WebhookEndpoints::Table,
                        WebhookEndpoints::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookCursors::Table)
                    .col(
                        ColumnDef::new(WebhookCursors::EndpointId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookCursors::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookCursors::DeliveredSeq)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(WebhookCursors::NextAttemptAt)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(WebhookCursors::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(WebhookCursors::LeaseOwner).string())
                    .col(
                        ColumnDef::new(WebhookCursors::LeaseUntil)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(WebhookCursors::EndpointId)
                            .col(WebhookCursors::TenantId),
                    )
                    .foreign_key(&mut cascade(
                        WebhookCursors::Table,
                        WebhookCursors::EndpointId,
                        WebhookEndpoints::Table,
                        WebhookEndpoints::Id,
                    ))
                    .foreign_key(&mut cascade(
                        WebhookCursors::Table,
                        WebhookCursors::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(
                        ColumnDef::new(WebhookAttempts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::EndpointId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::Seq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::EventId).string().not_null())
                    .col(
                        ColumnDef::new(WebhookAttempts::AttemptedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::StatusCode).integer())
                    .col(
                        ColumnDef::new(WebhookAttempts::LatencyMs)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::Error).text())
                    .col(ColumnDef::new(WebhookAttempts::Outcome).string().not_null())
                    .foreign_key(&mut cascade(
                        WebhookAttempts::Table,
                        WebhookAttempts::EndpointId,
                        WebhookEndpoints::Table,
                        WebhookEndpoints::Id,
                    ))
                    .foreign_key(&mut cascade(
                        WebhookAttempts::Table,
                        WebhookAttempts::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_attempts_by_endpoint")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::EndpointId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookCursors::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

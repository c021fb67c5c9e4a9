//! The change-event outbox: `events`, one row per committed change with the tenant's `seq`,
//! and `event_counters`, each tenant's last `seq` and how far retention has pruned.
//!
//! The counter row is updated in the transaction of the change, so writers of one tenant take
//! their seqs in commit order (on PostgreSQL the row lock is held to COMMIT; SQLite has one
//! writer). Existing tenants start at 0 with nothing pruned: no events are invented for the
//! data that exists, and a feed reader starts at the first change after the upgrade.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    TenantId,
    Seq,
    Id,
    EventType,
    ResourceType,
    ResourceId,
    OccurredAt,
    Envelope,
}

#[derive(DeriveIden)]
enum EventCounters {
    Table,
    TenantId,
    LastSeq,
    PrunedThrough,
}

fn tenant_key(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventCounters::Table)
                    .col(
                        ColumnDef::new(EventCounters::TenantId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EventCounters::LastSeq)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(EventCounters::PrunedThrough)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .foreign_key(&mut tenant_key(
                        EventCounters::Table,
                        EventCounters::TenantId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO event_counters (tenant_id, last_seq, pruned_through) \
                 SELECT id, 0, 0 FROM tenants",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(ColumnDef::new(Events::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(Events::Seq).big_integer().not_null())
                    .col(ColumnDef::new(Events::Id).string().not_null().unique_key())
                    .col(ColumnDef::new(Events::EventType).string().not_null())
                    .col(ColumnDef::new(Events::ResourceType).string().not_null())
                    .col(ColumnDef::new(Events::ResourceId).string().not_null())
                    .col(
                        ColumnDef::new(Events::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // Text, not JSONB: the envelope is sent byte for byte as stored, so a
                    // webhook signature and a retry cover exactly the same bytes.
                    .col(ColumnDef::new(Events::Envelope).text().not_null())
                    .primary_key(Index::create().col(Events::TenantId).col(Events::Seq))
                    .foreign_key(&mut tenant_key(Events::Table, Events::TenantId))
                    .to_owned(),
            )
            .await?;
        // Retention prunes by time.
        manager
            .create_index(
                Index::create()
                    .name("events_by_time")
                    .table(Events::Table)
                    .col(Events::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EventCounters::Table).to_owned())
            .await
    }
}

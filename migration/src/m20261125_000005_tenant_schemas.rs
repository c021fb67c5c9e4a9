//! Custom schema extensions per tenant (`tenant_schemas`), and `tenants.schema_version`, which
//! every change to a tenant's schemas increments so that each scimd process sees, on the
//! tenant row its authentication reads anyway, when its cached registry is stale.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    SchemaVersion,
}

#[derive(DeriveIden)]
enum TenantSchemas {
    Table,
    TenantId,
    UrnCi,
    Urn,
    ResourceType,
    Required,
    Document,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .add_column(
                        ColumnDef::new(Tenants::SchemaVersion)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TenantSchemas::Table)
                    .col(
                        ColumnDef::new(TenantSchemas::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    // URNs compare case-insensitively; the key is the lower-cased one.
                    .col(ColumnDef::new(TenantSchemas::UrnCi).string().not_null())
                    .col(ColumnDef::new(TenantSchemas::Urn).string().not_null())
                    .col(
                        ColumnDef::new(TenantSchemas::ResourceType)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TenantSchemas::Required).boolean().not_null())
                    // Text, not JSONB: the document reads back byte for byte as stored.
                    .col(ColumnDef::new(TenantSchemas::Document).text().not_null())
                    .col(
                        ColumnDef::new(TenantSchemas::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TenantSchemas::TenantId)
                            .col(TenantSchemas::UrnCi),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantSchemas::Table, TenantSchemas::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TenantSchemas::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .drop_column(Tenants::SchemaVersion)
                    .to_owned(),
            )
            .await
    }
}

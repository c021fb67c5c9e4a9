//! Users and Groups (`resources`) and group membership (`group_members`).
//!
//! Uniqueness of userName / group displayName is a unique index on the lower-cased copy, so
//! concurrent creates race in the database and exactly one wins. `data_ci` is the case-folded
//! search document filters read; `resource_values` indexes the attributes IdPs filter on.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261123_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    TenantId,
    ResourceType,
    NameCi,
    Display,
    ExternalId,
    Active,
    PasswordHash,
    Data,
    DataCi,
    CreatedAt,
    LastModified,
    Version,
}

#[derive(DeriveIden)]
enum ResourceValues {
    Table,
    ResourceId,
    TenantId,
    ResourceType,
    Path,
    Value,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    MemberId,
    TenantId,
    MemberType,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Comparisons and ordering on these columns must be bytewise on both backends, as in
        // SQLite's default BINARY collation and in the in-memory filter evaluator.
        let bytewise = |col: &mut ColumnDef| -> ColumnDef {
            if manager.get_database_backend() == DbBackend::Postgres {
                col.extra("COLLATE \"C\"");
            }
            col.to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .col(
                        ColumnDef::new(Resources::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Resources::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(Resources::ResourceType).string().not_null())
                    .col(bytewise(
                        ColumnDef::new(Resources::NameCi).string().not_null(),
                    ))
                    .col(bytewise(
                        ColumnDef::new(Resources::Display).string().not_null(),
                    ))
                    .col(bytewise(ColumnDef::new(Resources::ExternalId).string()))
                    .col(ColumnDef::new(Resources::Active).boolean())
                    .col(ColumnDef::new(Resources::PasswordHash).string())
                    .col(ColumnDef::new(Resources::Data).json_binary().not_null())
                    .col(ColumnDef::new(Resources::DataCi).json_binary().not_null())
                    .col(
                        ColumnDef::new(Resources::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Resources::LastModified)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Resources::Version).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resources::Table, Resources::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name("ux_resources_name")
                .table(Resources::Table)
                .col(Resources::TenantId)
                .col(Resources::ResourceType)
                .col(Resources::NameCi)
                .unique()
                .to_owned(),
            Index::create()
                .name("ix_resources_external_id")
                .table(Resources::Table)
                .col(Resources::TenantId)
                .col(Resources::ResourceType)
                .col(Resources::ExternalId)
                .to_owned(),
            // Stable paging order: (created, id) within a tenant and type.
            Index::create()
                .name("ix_resources_page")
                .table(Resources::Table)
                .col(Resources::TenantId)
                .col(Resources::ResourceType)
                .col(Resources::CreatedAt)
                .col(Resources::Id)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ResourceValues::Table)
                    .col(
                        ColumnDef::new(ResourceValues::ResourceId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResourceValues::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResourceValues::ResourceType)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResourceValues::Path).string().not_null())
                    .col(bytewise(
                        ColumnDef::new(ResourceValues::Value).string().not_null(),
                    ))
                    .primary_key(
                        Index::create()
                            .col(ResourceValues::ResourceId)
                            .col(ResourceValues::Path)
                            .col(ResourceValues::Value),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceValues::Table, ResourceValues::ResourceId)
                            .to(Resources::Table, Resources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_resource_values_lookup")
                    .table(ResourceValues::Table)
                    .col(ResourceValues::TenantId)
                    .col(ResourceValues::ResourceType)
                    .col(ResourceValues::Path)
                    .col(ResourceValues::Value)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(ColumnDef::new(GroupMembers::GroupId).string().not_null())
                    .col(ColumnDef::new(GroupMembers::MemberId).string().not_null())
                    .col(
                        ColumnDef::new(GroupMembers::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(GroupMembers::MemberType).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(GroupMembers::GroupId)
                            .col(GroupMembers::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(Resources::Table, Resources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupMembers::Table, GroupMembers::MemberId)
                            .to(Resources::Table, Resources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_members_member")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GroupMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ResourceValues::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Resources::Table).to_owned())
            .await
    }
}

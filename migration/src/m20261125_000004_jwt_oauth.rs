//! External JWT issuers a tenant trusts (`jwt_trusts`), OAuth 2.0 clients (`oauth_clients`,
//! secrets as SHA-256 hashes) and the keys scimd signs its own access tokens with
//! (`signing_keys`).
use sea_orm_migration::prelude::*;

use crate::m20261123_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JwtTrusts {
    Table,
    Id,
    TenantId,
    Issuer,
    Audience,
    Algorithm,
    KeyKind,
    KeyMaterial,
    ClaimName,
    ClaimValue,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    Id,
    TenantId,
    Label,
    SecretHash,
    CreatedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Id,
    Purpose,
    Algorithm,
    Secret,
    CreatedAt,
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn tenant_key<T: IntoIden>(table: T, column: T) -> ForeignKeyCreateStatement {
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
                    .table(JwtTrusts::Table)
                    .col(
                        ColumnDef::new(JwtTrusts::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(JwtTrusts::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(JwtTrusts::Issuer).string().not_null())
                    .col(ColumnDef::new(JwtTrusts::Audience).string().not_null())
                    .col(ColumnDef::new(JwtTrusts::Algorithm).string().not_null())
                    .col(ColumnDef::new(JwtTrusts::KeyKind).string().not_null())
                    .col(ColumnDef::new(JwtTrusts::KeyMaterial).text().not_null())
                    // '' when the trust has no claim requirement: NULLs would never collide in
                    // the unique index that makes re-adding a trust rotate its key.
                    .col(ColumnDef::new(JwtTrusts::ClaimName).string().not_null())
                    .col(ColumnDef::new(JwtTrusts::ClaimValue).string().not_null())
                    .col(timestamp(JwtTrusts::CreatedAt))
                    .col(timestamp(JwtTrusts::UpdatedAt))
                    .foreign_key(&mut tenant_key(JwtTrusts::Table, JwtTrusts::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jwt_trusts_issuer")
                    .table(JwtTrusts::Table)
                    .col(JwtTrusts::Issuer)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_jwt_trusts_identity")
                    .table(JwtTrusts::Table)
                    .col(JwtTrusts::TenantId)
                    .col(JwtTrusts::Issuer)
                    .col(JwtTrusts::Audience)
                    .col(JwtTrusts::ClaimName)
                    .col(JwtTrusts::ClaimValue)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthClients::Table)
                    .col(
                        ColumnDef::new(OauthClients::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthClients::Label).string())
                    .col(ColumnDef::new(OauthClients::SecretHash).string().not_null())
                    .col(timestamp(OauthClients::CreatedAt))
                    .col(ColumnDef::new(OauthClients::RevokedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(OauthClients::LastUsedAt).timestamp_with_time_zone())
                    .foreign_key(&mut tenant_key(OauthClients::Table, OauthClients::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oauth_clients_tenant")
                    .table(OauthClients::Table)
                    .col(OauthClients::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(
                        ColumnDef::new(SigningKeys::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    // One current key per purpose: two processes creating the first key race
                    // on this constraint and both end up using the winner's.
                    .col(
                        ColumnDef::new(SigningKeys::Purpose)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(SigningKeys::Algorithm).string().not_null())
                    .col(ColumnDef::new(SigningKeys::Secret).text().not_null())
                    .col(timestamp(SigningKeys::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKeys::Table.into_iden(),
            OauthClients::Table.into_iden(),
            JwtTrusts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

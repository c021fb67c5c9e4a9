//! JWT trusts whose JWKS scimd fetches from a URL and refreshes (`scimd jwt add --jwks-url`):
//! the URL, when the stored key material was last fetched, when a process last claimed a
//! fetch (the conditional UPDATE that lets one process fetch per interval) and why the last
//! fetch failed. All nullable, so existing trusts stay as they are.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JwtTrusts {
    Table,
    JwksUrl,
    FetchedAt,
    FetchAttemptedAt,
    FetchError,
}

fn columns() -> [ColumnDef; 4] {
    [
        ColumnDef::new(JwtTrusts::JwksUrl).text().null().to_owned(),
        ColumnDef::new(JwtTrusts::FetchedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned(),
        ColumnDef::new(JwtTrusts::FetchAttemptedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned(),
        ColumnDef::new(JwtTrusts::FetchError)
            .text()
            .null()
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(JwtTrusts::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            JwtTrusts::FetchError,
            JwtTrusts::FetchAttemptedAt,
            JwtTrusts::FetchedAt,
            JwtTrusts::JwksUrl,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(JwtTrusts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

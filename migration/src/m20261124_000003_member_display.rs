//! `group_members.display`: the member label a client sent (RFC 7643 §2.4 `display`), kept
//! so that what was written reads back; NULL when the client sent none.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    Display,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GroupMembers::Table)
                    .add_column(ColumnDef::new(GroupMembers::Display).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GroupMembers::Table)
                    .drop_column(GroupMembers::Display)
                    .to_owned(),
            )
            .await
    }
}

//! Schema migrations for scimd, portable across SQLite and PostgreSQL.
//! `scimd migrate` and `scimd serve` run [`Migrator`]; an applied migration is never edited.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tenants;
mod m20261123_000002_create_resources;
mod m20261124_000003_member_display;
mod m20261125_000004_jwt_oauth;
mod m20261125_000005_tenant_schemas;
mod m20261203_000006_jwks_url;
mod m20261204_000007_events;
mod m20261204_000008_webhooks;
mod m20261204_000009_activity;
mod m20261206_000010_slim_events;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenants::Migration),
            Box::new(m20261123_000002_create_resources::Migration),
            Box::new(m20261124_000003_member_display::Migration),
            Box::new(m20261125_000004_jwt_oauth::Migration),
            Box::new(m20261125_000005_tenant_schemas::Migration),
            Box::new(m20261203_000006_jwks_url::Migration),
            Box::new(m20261204_000007_events::Migration),
            Box::new(m20261204_000008_webhooks::Migration),
            Box::new(m20261204_000009_activity::Migration),
            Box::new(m20261206_000010_slim_events::Migration),
        ]
    }
}

/// The versions recorded as applied in `seaql_migrations`, oldest first; none when the table
/// does not exist yet. Read without creating anything (unlike `Migrator::get_migration_models`),
/// so that a binary can refuse a schema newer than it knows before it writes.
pub async fn applied_versions(
    db: &sea_orm_migration::sea_orm::DatabaseConnection,
) -> Result<Vec<String>, DbErr> {
    use sea_orm_migration::sea_orm::{EntityTrait, QueryOrder};
    use sea_orm_migration::seaql_migrations;
    if !SchemaManager::new(db).has_table("seaql_migrations").await? {
        return Ok(Vec::new());
    }
    Ok(seaql_migrations::Entity::find()
        .order_by_asc(seaql_migrations::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect())
}

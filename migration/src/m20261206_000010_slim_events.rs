//! Fewer b-trees for every event a write appends: each one is a page the write's commit
//! writes again. `events_by_time` goes (retention now walks each tenant's events in seq order
//! from the oldest, which is also the order it must delete them in), and so does the unique
//! index on `id` (a UUIDv7 that nothing looks events up by), which SQLite drops only by
//! rebuilding the table. Not `WITHOUT ROWID`, though it would spare the primary key's b-tree:
//! a created user's event is about 1 kB, past what such a table keeps in a b-tree cell, and
//! each would then take an overflow page of its own.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_EVENTS: &str = r#"CREATE TABLE "events_slim" ( "tenant_id" integer NOT NULL, "seq" integer NOT NULL, "id" varchar NOT NULL, "event_type" varchar NOT NULL, "resource_type" varchar NOT NULL, "resource_id" varchar NOT NULL, "occurred_at" timestamp_with_timezone_text NOT NULL, "envelope" text NOT NULL, PRIMARY KEY ("tenant_id", "seq"), FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE )"#;

const COLUMNS: &str =
    "tenant_id, seq, id, event_type, resource_type, resource_id, occurred_at, envelope";

/// Replaces SQLite's `events` with the table `ddl` creates as `events_slim`, rows and all.
async fn rebuild(manager: &SchemaManager<'_>, ddl: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared(ddl).await?;
    db.execute_unprepared(&format!(
        "INSERT INTO events_slim ({COLUMNS}) SELECT {COLUMNS} FROM events"
    ))
    .await?;
    db.execute_unprepared("DROP TABLE events").await?;
    db.execute_unprepared("ALTER TABLE events_slim RENAME TO events")
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => rebuild(manager, SQLITE_EVENTS).await?,
            _ => {
                db.execute_unprepared("DROP INDEX IF EXISTS events_by_time")
                    .await?;
                db.execute_unprepared("ALTER TABLE events DROP CONSTRAINT IF EXISTS events_id_key")
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            let before = SQLITE_EVENTS
                .replace(
                    r#""id" varchar NOT NULL,"#,
                    r#""id" varchar NOT NULL UNIQUE,"#,
                )
                .replace(" WITHOUT ROWID", "");
            rebuild(manager, &before).await?;
        } else {
            db.execute_unprepared("ALTER TABLE events ADD CONSTRAINT events_id_key UNIQUE (id)")
                .await?;
        }
        db.execute_unprepared("CREATE INDEX events_by_time ON events (occurred_at)")
            .await?;
        Ok(())
    }
}

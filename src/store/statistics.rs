//! Planner statistics after bulk imports.
//!
//! SQLite never gathers statistics by itself. Without them it guesses that `tenant_id = ? AND
//! resource_type = ?` leaves a handful of rows and pages every filtered list by walking the
//! (created, id) index: seconds at a million users. PostgreSQL's autovacuum does analyze, but
//! only up to a minute later (`autovacuum_naptime`), so a list right after a first large
//! import would be planned for an empty table.
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::StoreError;

/// The tables an import fills.
const TABLES: &str = "resources, resource_values, group_members";

/// Runs `ANALYZE` when `resources` or `group_members` has no statistics yet or has at least
/// doubled since they were gathered, so a load in batches analyzes a few times (log₂ of its
/// growth), not after every batch. `inserted` is the number of resources the import added.
///
/// On SQLite the ANALYZE is a full one: a sampled one (`analysis_limit`) reads only the first
/// rows of each index, which all share one tenant and type, and misleads the planner as badly
/// as none. PostgreSQL samples rows from the whole table.
pub(super) async fn refresh_after_import<C: ConnectionTrait>(
    conn: &C,
    inserted: usize,
) -> Result<(), StoreError> {
    let stale = match conn.get_database_backend() {
        DbBackend::Sqlite => sqlite_is_stale(conn).await?,
        DbBackend::Postgres => postgres_is_stale(conn, inserted).await?,
        _ => false,
    };
    if stale {
        let sql = match conn.get_database_backend() {
            DbBackend::Sqlite => "ANALYZE".to_owned(),
            _ => format!("ANALYZE {TABLES}"),
        };
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

async fn sqlite_is_stale<C: ConnectionTrait>(conn: &C) -> Result<bool, StoreError> {
    let has_stats = scalar(
        conn,
        "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'",
    )
    .await?;
    if has_stats != 1 {
        return Ok(true);
    }
    // The first number of an index's statistics is its table's row count when they were taken.
    // MAX(rowid) stands in for the current count: one B-tree descent instead of a COUNT(*) over
    // the whole table after every import. Deleted rows make it an overestimate, which at worst
    // analyzes a little early.
    let grown = scalar(
        conn,
        "SELECT (n.r > 0 AND n.r >= 2 * IFNULL((SELECT CAST(stat AS INTEGER) \
           FROM sqlite_stat1 WHERE idx = 'ix_resources_page'), 0)) \
         OR (n.m > 0 AND n.m >= 2 * IFNULL((SELECT CAST(stat AS INTEGER) \
           FROM sqlite_stat1 WHERE idx = 'ix_group_members_member'), 0)) \
         FROM (SELECT IFNULL((SELECT MAX(rowid) FROM resources), 0) AS r, \
                      IFNULL((SELECT MAX(rowid) FROM group_members), 0) AS m) AS n",
    )
    .await?;
    Ok(grown != 0)
}

/// `pg_class.reltuples` is the row count the last ANALYZE (or VACUUM) saw, -1 before the
/// first. An import that added at least that many rows has doubled the table.
async fn postgres_is_stale<C: ConnectionTrait>(
    conn: &C,
    inserted: usize,
) -> Result<bool, StoreError> {
    let seen = scalar(
        conn,
        "SELECT CAST(reltuples AS BIGINT) FROM pg_class \
         WHERE oid = to_regclass('resources')",
    )
    .await?;
    Ok(seen <= 0 || i64::try_from(inserted).unwrap_or(i64::MAX) >= seen)
}

async fn scalar<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<i64, StoreError> {
    let stmt = Statement::from_string(conn.get_database_backend(), sql.to_owned());
    let row = conn.query_one_raw(stmt).await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

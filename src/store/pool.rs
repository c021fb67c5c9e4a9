//! The state of the connection pools, for `/metrics`: read from sqlx's own counters, never by
//! asking the database.
use sea_orm::{DatabaseConnection, DbBackend};

use super::Store;

/// One connection pool at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// `writer` and `reader` (SQLite in a file), or `main` when one pool serves both
    /// (PostgreSQL, `sqlite::memory:`).
    pub name: &'static str,
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

impl Store {
    /// Each distinct pool once.
    pub fn pools(&self) -> Vec<PoolState> {
        let writer = state("writer", &self.writer);
        let reader = state("reader", &self.reader);
        match (writer, reader) {
            (Some((writer, w)), Some((reader, r))) if !std::ptr::eq(w, r) => vec![writer, reader],
            (Some((writer, _)), _) => vec![PoolState {
                name: "main",
                ..writer
            }],
            _ => Vec::new(),
        }
    }
}

/// The pool's state, and the address of its shared options: clones of one pool (writer and
/// reader on PostgreSQL) share them, distinct pools do not.
fn state(name: &'static str, conn: &DatabaseConnection) -> Option<(PoolState, *const ())> {
    fn of<DB: sea_orm::sqlx::Database>(
        name: &'static str,
        pool: &sea_orm::sqlx::Pool<DB>,
    ) -> (PoolState, *const ()) {
        let size = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(size);
        let state = PoolState {
            name,
            in_use: size - idle,
            idle,
            max: pool.options().get_max_connections(),
        };
        (state, std::ptr::from_ref(pool.options()).cast())
    }
    match conn.get_database_backend() {
        DbBackend::Sqlite => Some(of(name, conn.get_sqlite_connection_pool())),
        DbBackend::Postgres => Some(of(name, conn.get_postgres_connection_pool())),
        _ => None,
    }
}

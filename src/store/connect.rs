//! Opening the database and applying migrations.
use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

use super::{EventSignal, Store, StoreError};

/// Pool sizes and timeouts; the defaults suit one scimd process.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// PostgreSQL pool size, and the number of SQLite reader connections.
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Whether opening a database may create it. Only `serve` and `migrate` create one: for any
/// other command a mistyped path must fail, not leave a new, empty database behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// As the URL says (`?mode=rwc` creates a missing SQLite file).
    IfMissing,
    /// A missing SQLite file is an error naming its absolute path, whatever the URL's mode.
    Never,
}

impl Store {
    /// Connects to `url` (`sqlite://…`, `sqlite::memory:` or `postgres://…`), creating a
    /// missing SQLite file when the URL allows it, and applies pending migrations.
    pub async fn connect(url: &str, pool: &PoolConfig) -> Result<Self, StoreError> {
        Self::open(url, pool, Create::IfMissing).await
    }

    /// [`Store::connect`], with the choice of creating the database or not. A database that
    /// a newer scimd migrated is refused either way, before anything is written to it.
    pub async fn open(url: &str, pool: &PoolConfig, create: Create) -> Result<Self, StoreError> {
        let store = if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, pool, create).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let conn = Database::connect(options(url, pool, pool.max_connections)).await?;
            Self {
                writer: conn.clone(),
                reader: conn,
                signal: EventSignal::default(),
            }
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL (use sqlite://FILE, sqlite::memory: or postgres://…): {}",
                redact(url)
            )));
        };
        store.refuse_newer_schema().await?;
        Migrator::up(&store.writer, None).await?;
        Ok(store)
    }

    async fn connect_sqlite(
        url: &str,
        pool: &PoolConfig,
        create: Create,
    ) -> Result<Self, StoreError> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if create == Create::Never && !in_memory {
            let file = sqlite_file(url)?;
            if !file.exists() {
                return Err(StoreError::Config(format!(
                    "no database at {}; `scimd migrate` (or `scimd serve`) creates one, or \
                     point --database-url / SCIMD_DATABASE_URL at an existing file",
                    file.display()
                )));
            }
        }
        let mut writer = options(url, pool, 1);
        writer.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            match create {
                // The file was there a moment ago; if it went since, fail rather than create.
                Create::Never => o.create_if_missing(false),
                Create::IfMissing => o,
            }
        });
        if in_memory {
            // An in-memory database lives only as long as its one connection.
            writer
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            let conn = Database::connect(writer).await?;
            return Ok(Self {
                writer: conn.clone(),
                reader: conn,
                signal: EventSignal::default(),
            });
        }
        let writer = Database::connect(writer).await?;
        // The writer created the file and switched it to WAL; readers open it afterwards.
        writer
            .execute_unprepared("PRAGMA journal_mode = WAL")
            .await?;
        let mut reader = options(url, pool, pool.max_connections.max(1));
        reader.map_sqlx_sqlite_opts(|o| {
            o.busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .read_only(true)
                .create_if_missing(false)
        });
        let reader = Database::connect(reader).await?;
        Ok(Self {
            writer,
            reader,
            signal: EventSignal::default(),
        })
    }

    /// Refuses a database that has migrations this binary does not know: an older scimd must
    /// not write to a schema it does not understand (a rolling upgrade runs the new binary
    /// everywhere before the old one writes again).
    async fn refuse_newer_schema(&self) -> Result<(), StoreError> {
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let applied = migration::applied_versions(&self.writer).await?;
        let unknown: Vec<&String> = applied.iter().filter(|v| !known.contains(v)).collect();
        match unknown.last() {
            None => Ok(()),
            Some(newest) => Err(StoreError::Config(format!(
                "the database's schema is at {newest}, written by a newer scimd; this scimd {} \
                 knows schemas up to {}. Run the newer scimd (or restore a backup taken before \
                 the upgrade)",
                env!("CARGO_PKG_VERSION"),
                known.last().map_or("none", String::as_str)
            ))),
        }
    }

    /// Applies pending migrations (also done by `connect`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.writer, None).await?;
        Ok(())
    }

    /// For `/readyz`: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.reader.ping().await?;
        Ok(())
    }

    /// Closes the pools (on SQLite this checkpoints the WAL).
    pub async fn close(self) {
        if let Err(err) = self.reader.close().await {
            tracing::warn!(error = %err, "closing reader pool");
        }
        if let Err(err) = self.writer.close().await {
            tracing::warn!(error = %err, "closing writer pool");
        }
    }
}

/// The file an `sqlite:` URL names, made absolute, as SQLite will open it.
fn sqlite_file(url: &str) -> Result<PathBuf, StoreError> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("bad SQLite URL {}: {e}", redact(url))))?;
    let file = opts.get_filename();
    Ok(std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()))
}

fn options(url: &str, pool: &PoolConfig, max: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max)
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false);
    opts
}

/// The start of an error about opening `url`: which database, and which setting named it.
pub fn cannot_open(url: &str) -> String {
    format!(
        "cannot open {} (--database-url, SCIMD_DATABASE_URL)",
        redact(url)
    )
}

/// The URL without its password, for error messages and logs: the password of the user
/// info, and the value of any query parameter naming one (`?password=`, `sslpassword=`).
/// An unencoded `@`, `?` or `/` in a password must not uncover the rest of it, so the user
/// info ends at the last `@`; that may hide more than the password, never less.
pub fn redact(url: &str) -> String {
    let (mut out, rest) = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => (
                    format!("{}{}:***", &url[..scheme + 3], &userinfo[..colon]),
                    &url[at..],
                ),
                None => (String::new(), url),
            }
        }
        _ => (String::new(), url),
    };
    match rest.split_once('?') {
        None => out.push_str(rest),
        Some((before, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            out.push_str(before);
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(
            super::redact("postgres://app:hunter2@db:5432/scimd"),
            "postgres://app:***@db:5432/scimd"
        );
        assert_eq!(
            super::redact("sqlite://scimd.db?mode=rwc"),
            "sqlite://scimd.db?mode=rwc"
        );
        for (url, redacted) in [
            (
                "postgres://app:p@ss@db/scimd?sslmode=require",
                "postgres://app:***@db/scimd?sslmode=require",
            ),
            (
                "postgres://app:p?ss/x@db/scimd",
                "postgres://app:***@db/scimd",
            ),
        ] {
            assert_eq!(super::redact(url), redacted);
        }
    }

    #[test]
    fn redact_hides_passwords_given_as_query_parameters() {
        assert_eq!(
            super::redact("postgres://app@db/scimd?password=hunter2&sslmode=require"),
            "postgres://app@db/scimd?password=***&sslmode=require"
        );
        assert_eq!(
            super::redact("postgres://db/scimd?user=app&SSLPassword=k3y@x"),
            "postgres://db/scimd?user=app&SSLPassword=***"
        );
        // An `@` in the query looks like the end of user info: more is hidden, not less.
        let redacted = super::redact("postgres://db:5432/scimd?password=k3y@x");
        assert!(!redacted.contains("k3y"), "{redacted}");
    }
}

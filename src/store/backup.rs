//! `scimd backup`: a consistent copy of a live SQLite database.
//!
//! `VACUUM INTO` reads the database in one read transaction, so the copy is a snapshot of a
//! single moment while writers go on (WAL mode lets them), and it is compacted and holds no
//! WAL of its own: the copy is one self-contained file. It is written next to the target and
//! renamed into place, so FILE is never a half-written database.
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{Store, StoreError};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// The copy, as an absolute path.
    pub file: PathBuf,
    pub bytes: u64,
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `file`, which must not exist, and
    /// checks the copy (`PRAGMA quick_check`) before naming it `file`.
    pub async fn backup_into(&self, file: &Path) -> Result<Backup, StoreError> {
        if self.writer.get_database_backend() != DbBackend::Sqlite {
            return Err(StoreError::Config(
                "scimd backup copies SQLite databases; back up PostgreSQL with pg_dump, e.g. \
                 `pg_dump --format=custom --file=scimd.dump \"$SCIMD_DATABASE_URL\"` (restore \
                 with pg_restore)"
                    .to_owned(),
            ));
        }
        let file = std::path::absolute(file)
            .map_err(|e| StoreError::Config(format!("cannot use {}: {e}", file.display())))?;
        if file.exists() {
            return Err(StoreError::Config(format!(
                "{} exists; scimd backup writes a new file and never overwrites one",
                file.display()
            )));
        }
        let partial = partial_name(&file);
        // A leftover from an interrupted backup is ours to replace.
        let _ = std::fs::remove_file(&partial);
        let written = self.vacuum_into(&partial).await.and_then(|()| {
            std::fs::rename(&partial, &file).map_err(|e| {
                StoreError::Config(format!("cannot rename the copy to {}: {e}", file.display()))
            })
        });
        if let Err(err) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
        let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        Ok(Backup { file, bytes })
    }

    async fn vacuum_into(&self, partial: &Path) -> Result<(), StoreError> {
        let target = partial.to_str().ok_or_else(|| {
            StoreError::Config(format!("{} is not valid UTF-8", partial.display()))
        })?;
        // The reader pool: a backup must not hold the one writer connection.
        self.reader
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [target.into()],
            ))
            .await
            .map_err(|e| StoreError::Config(format!("cannot write {}: {e}", partial.display())))?;
        let verdict = quick_check(partial)
            .await
            .map_err(|e| StoreError::Corrupt(format!("cannot check the copy: {e}")))?;
        if verdict != "ok" {
            return Err(StoreError::Corrupt(format!(
                "the copy failed its integrity check: {verdict}"
            )));
        }
        Ok(())
    }
}

/// `PRAGMA quick_check` of the copy, on a connection of its own (read-only: the check must
/// not change what it checks).
async fn quick_check(file: &Path) -> Result<String, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use sea_orm::sqlx::{Connection as _, query_scalar};
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let verdict = query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await;
    conn.close().await.ok();
    verdict
}

/// `FILE.partial`, beside FILE so that the rename stays on one file system.
fn partial_name(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

//! `scimd import --tenant T FILE [--format csv|jsonl|scim] [--dry-run]`: an application's
//! existing accounts (and groups with members) become SCIM resources, so that an IdP's first
//! sync matches them instead of creating duplicates (README: "Importing existing accounts").
//!
//! The file is read whole (`read`), then Users in batches and Groups after them (`batch`):
//! each batch is matched against the tenant in a few indexed lookups, new resources are
//! written with one batched insert, changed ones one replace each, and unchanged ones not at
//! all. A record that fails is reported with its line and never stops the others.

use super::{credentials, open};
use crate::cli::{ImportArgs, ImportFormat};
use crate::scim::schema::ResourceKind;
use crate::store::Store;

mod batch;
mod candidate;
mod members;
mod progress;
mod read;
mod summary;

use batch::Importer;
use summary::{Failure, Summary};

/// Users matched and written per batch: big enough that lookups and inserts are few, small
/// enough that a failed batch retried one by one stays quick.
const BATCH: usize = 1_000;

/// Some records failed; the summary above lists them and the others were imported.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} records {verb} (see the summary above); {rest}")]
pub struct RecordsFailed {
    failed: u64,
    total: u64,
    verb: &'static str,
    rest: &'static str,
}

impl RecordsFailed {
    /// Apart from 1 (nothing was imported: a bad header, an unreadable file, no tenant) and
    /// 2 (clap's usage errors), so a script can tell a partial import.
    pub const EXIT_CODE: u8 = 3;
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    // The file is read before the database is opened: its mistakes show first.
    let text = read::text(&args.file)?;
    let format = read::format(&args.file, args.format, &text);
    let store = open(&args.db).await?;
    let imported = import(&store, &args, format, &text).await;
    store.close().await;
    let mut summary = imported?;
    summary.print(&mut std::io::stdout().lock(), args.dry_run)?;
    let total = summary.total();
    if total.failed == 0 {
        return Ok(());
    }
    let all = total.created + total.updated + total.unchanged + total.failed;
    Err(RecordsFailed {
        failed: total.failed,
        total: all,
        verb: if args.dry_run { "would fail" } else { "failed" },
        rest: if args.dry_run {
            "nothing was written"
        } else {
            "the others were imported"
        },
    }
    .into())
}

async fn import(
    store: &Store,
    args: &ImportArgs,
    format: ImportFormat,
    text: &str,
) -> anyhow::Result<Summary> {
    let tenant = credentials::named(store, &args.tenant).await?;
    let registry = store.schemas().registry(tenant.id).await?;
    let read = read::read(format, text, registry.resource_type(ResourceKind::User))?;
    let (users, groups): (Vec<_>, Vec<_>) = read
        .records
        .iter()
        .partition(|r| r.kind == ResourceKind::User);
    eprintln!(
        "import: {} users and {} groups from {} ({}) into tenant {:?}{}",
        users.len(),
        groups.len(),
        args.file.display(),
        format!("{format:?}").to_lowercase(),
        tenant.name,
        if args.dry_run { ", dry run" } else { "" }
    );
    let mut importer = Importer::new(
        store,
        tenant.id,
        &registry,
        read.header.as_ref(),
        args.dry_run,
        !groups.is_empty(),
        read.records.len() as u64,
    );
    for failure in read.failures {
        importer.summary.fail(failure);
    }
    for batch in users.chunks(BATCH) {
        importer.batch(ResourceKind::User, batch).await?;
    }
    // All at once: a group may name any group of the file, and new ones are created in one
    // transaction so that those names resolve.
    if !groups.is_empty() {
        importer.batch(ResourceKind::Group, &groups).await?;
    }
    Ok(importer.finish())
}

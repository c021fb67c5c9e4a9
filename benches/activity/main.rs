//! The activity log's benchmark (issue 18): `cargo bench --bench activity -- --help`.
//!
//! 1. Write overhead: two servers on loopback, one with the activity log on and one with it off
//!    (`SCIMD_ACTIVITY_RETENTION=0`), each on a fresh database, receive the same single-resource
//!    writes in alternating rounds (so the machine's noise falls on both alike): POST a user,
//!    PATCH it, and Entra's add and remove of one member of a 1,000-member group; then `--bulk`
//!    /Bulk requests of 1,000 new users each, in turn too. The ratio of their p50s is the cost
//!    of writing a record in each change's transaction.
//! 2. Lookup: `--records` activity records (1,000,000 by default) over 30 days, 50,000 end users
//!    and two tenants, then the 7-day history of one end user (by userName, any case) through
//!    `Store::activity().list`, as `GET /admin/v1/activity?tenant=…&user=…&since=7d` runs it,
//!    and a tenant's newest failures.
//!
//! With `--baseline-bin PATH` (a `scimd` built from an older commit), part 1 runs three
//! `scimd serve` processes instead — the baseline, this build with the log off, and this build
//! with it on — so the cost of the change events (this build, log off, against a build before
//! the outbox) and of the log are measured in one run, under the same load.
//!
//! A tool, not a test: `cargo test` does not run it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;
mod lookup;
mod overhead;

use std::time::Duration;

use clap::Parser;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

#[derive(Parser, Debug)]
#[command(about = "Measure the activity log's write overhead and its lookups")]
struct Args {
    /// Rounds of writes per server (each round: a POST, a PATCH, a member add and remove).
    #[arg(long, default_value_t = 400)]
    rounds: usize,
    /// /Bulk requests of 1,000 new users per server, after the rounds (0 skips them).
    #[arg(long, default_value_t = 10)]
    bulk: usize,
    /// Activity records for the lookup (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    records: usize,
    /// Lookups measured.
    #[arg(long, default_value_t = 200)]
    lookups: usize,
    /// `postgres://…/NAME`: databases NAME_on, NAME_off and NAME_lookup are created and
    /// dropped; default: SQLite files under target/bench/.
    #[arg(long)]
    database_url: Option<String>,
    /// A `scimd` binary to measure this build's writes against (e.g. one built from the commit
    /// before the outbox); the servers then run as processes of their own.
    #[arg(long)]
    baseline_bin: Option<std::path::PathBuf>,
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    // The HTTP client needs it; in-process servers would install it themselves.
    scimd::startup::install_crypto_provider();
    common::block_on(run(args));
}

/// A fresh database called `name`: its URL, and how to drop it.
struct Fresh {
    url: String,
    pg: Option<String>,
}

impl Fresh {
    async fn new(args: &Args, name: &str) -> Self {
        match &args.database_url {
            Some(url) => {
                let (server, base) = url.rsplit_once('/').unwrap();
                let db = format!("{base}_{name}");
                on_server(server, format!("DROP DATABASE IF EXISTS \"{db}\"")).await;
                on_server(server, format!("CREATE DATABASE \"{db}\"")).await;
                Self {
                    url: format!("{server}/{db}"),
                    pg: Some(db),
                }
            }
            None => {
                let path = common::bench_file(&format!("scimd-activity-{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    pg: None,
                }
            }
        }
    }

    async fn drop(self) {
        if let Some(db) = self.pg {
            let (server, _) = self.url.rsplit_once('/').unwrap();
            on_server(server, format!("DROP DATABASE \"{db}\" WITH (FORCE)")).await;
        }
    }
}

async fn on_server(server: &str, sql: String) {
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

async fn run(args: Args) {
    let backend = if args.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    overhead::overhead(&args, backend).await;
    if args.records > 0 {
        lookup::lookup(&args, backend).await;
    }
}

/// The median; zero for a row that was not measured (`--bulk 0`).
fn p50(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

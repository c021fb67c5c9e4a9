//! The import benchmark: `cargo bench --bench import -- --help`.
//!
//! Writes a CSV of N users under target/bench/, runs the real `scimd import` (the binary, on
//! a new SQLite file or a new PostgreSQL database), checks the summary, the user count and a
//! sample of users read back through the store, then times a re-run of the same file (every
//! row unchanged) and one where every tenth row changed. This is a tool, not a test: `cargo
//! test` does not run it.

// A measuring tool, not the server: on anything unexpected it should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The benchmarks' shared module; this one starts no server.
#[allow(dead_code)]
mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use scimd::scim::list::plan::{ListQuery, Window};
use scimd::scim::list::response::Page;
use scimd::scim::schema::ResourceKind;
use scimd::store::{Lookup, PoolConfig, Store};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const TENANT: &str = "bench";

#[derive(Parser, Debug)]
#[command(about = "Time `scimd import` of a CSV of N users, then re-runs of it")]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// `postgres://…` naming a database that does not exist yet (it is created and dropped);
    /// default: a new SQLite file under target/bench/.
    #[arg(long)]
    database_url: Option<String>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Row `i` of the file; `changed` gives every tenth user another department.
fn row(out: &mut String, i: usize, changed: bool) {
    let department = match (changed && i.is_multiple_of(10), i % 7) {
        (true, _) => "Reorganised".to_owned(),
        (false, d) => format!("Department {d}"),
    };
    writeln!(
        out,
        "user{i}@example.com,Given{i},Family {i},\"Family {i}, Given{i}\",user{i}@example.com,\
         +1 555 {i:07},Engineer,{department},{},emp-{i:08}",
        !i.is_multiple_of(5)
    )
    .unwrap();
}

const HEADER: &str = "userName,name.givenName,name.familyName,displayName,\
\"emails[type eq \"\"work\"\"].value\",\"phoneNumbers[type eq \"\"mobile\"\"].value\",title,\
department,active,externalId";

fn write_csv(path: &Path, n: usize, changed: bool) {
    let mut text = String::with_capacity(n * 200);
    text.push_str(HEADER);
    text.push('\n');
    for i in 0..n {
        row(&mut text, i, changed);
    }
    std::fs::write(path, text).unwrap();
}

/// Runs the scimd binary on the benchmark's database; its stdout, after checking it succeeded.
fn scimd(url: &str, args: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(args)
        .args(["--database-url", url])
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "scimd {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (stdout, took)
}

fn import(url: &str, file: &Path, expect: &str) -> Duration {
    let (summary, took) = scimd(url, &["import", "--tenant", TENANT, file.to_str().unwrap()]);
    assert!(
        summary.contains(&format!("users:  {expect}")),
        "expected {expect}: {summary}"
    );
    took
}

/// The import's result read back through the store: the count, and a sample of users.
async fn verify(url: &str, n: usize, changed: bool) {
    let store = Store::connect(url, &PoolConfig::default()).await.unwrap();
    let tenant = store.tenants().find(TENANT).await.unwrap().unwrap().id;
    let users = store.tenant(tenant).users().memberships(false);
    let query = ListQuery {
        filter: None,
        sort: None,
        window: Window::Index(Page {
            start_index: 1,
            count: 0,
        }),
    };
    assert_eq!(users.list(&query, false).await.unwrap().total, n as u64);
    let sample: Vec<usize> = [0, 1, 10, n / 3, n / 2, n - 1]
        .into_iter()
        .filter(|&i| i < n)
        .collect();
    let lookup = Lookup {
        names: sample
            .iter()
            .map(|i| format!("USER{i}@example.com"))
            .collect(),
        ..Lookup::default()
    };
    let mut found = users.find(&lookup).await.unwrap();
    found.sort_by_key(|u| u.data["userName"].as_str().unwrap().to_owned());
    assert_eq!(found.len(), sample.len());
    for i in sample {
        let user = found
            .iter()
            .find(|u| u.data["userName"] == format!("user{i}@example.com"))
            .unwrap();
        let department = if changed && i.is_multiple_of(10) {
            "Reorganised".to_owned()
        } else {
            format!("Department {}", i % 7)
        };
        assert_eq!(user.kind, ResourceKind::User);
        let expected = json!({
            "userName": format!("user{i}@example.com"),
            "name": {"givenName": format!("Given{i}"), "familyName": format!("Family {i}")},
            "displayName": format!("Family {i}, Given{i}"),
            "emails": [{"type": "work", "value": format!("user{i}@example.com")}],
            "phoneNumbers": [{"type": "mobile", "value": format!("+1 555 {i:07}")}],
            "title": "Engineer",
            ENTERPRISE: {"department": department},
            "active": !i.is_multiple_of(5),
            "externalId": format!("emp-{i:08}"),
        });
        assert_eq!(
            serde_json::Value::Object(user.data.clone()),
            expected,
            "user {i}"
        );
    }
    store.close().await;
}

/// Runs `sql` on the server's maintenance database (`postgres`).
async fn on_server(url: &str, sql: String) {
    let (server, _) = url.rsplit_once('/').expect("postgres://…/database");
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

fn main() {
    let args = Args::parse();
    common::block_on(run(args));
}

async fn run(args: Args) {
    let n = args.users;
    let (url, backend, pg_name) = match &args.database_url {
        Some(url) => {
            let name = url.rsplit('/').next().unwrap().to_owned();
            on_server(url, format!("CREATE DATABASE \"{name}\"")).await;
            (url.clone(), "PostgreSQL", Some(name))
        }
        None => {
            let path = common::bench_file("scimd-import.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                "SQLite",
                None,
            )
        }
    };
    let file = common::bench_file(&format!("import-{n}.csv"));
    let changed_file = common::bench_file(&format!("import-{n}-changed.csv"));
    write_csv(&file, n, false);
    write_csv(&changed_file, n, true);
    let size = std::fs::metadata(&file).unwrap().len();
    eprintln!("{}: {n} users, {:.1} MB", file.display(), size as f64 / 1e6);
    scimd(&url, &["migrate"]);
    scimd(&url, &["tenant", "create", TENANT]);

    eprintln!("import: {n} new users");
    let first = import(
        &url,
        &file,
        &format!("created {n}, updated 0, unchanged 0, failed 0"),
    );
    verify(&url, n, false).await;
    eprintln!("import again: every row unchanged");
    let again = import(
        &url,
        &file,
        &format!("created 0, updated 0, unchanged {n}, failed 0"),
    );
    let changes = n.div_ceil(10);
    eprintln!("import with {changes} rows changed");
    let changed = import(
        &url,
        &changed_file,
        &format!(
            "created 0, updated {changes}, unchanged {}, failed 0",
            n - changes
        ),
    );
    verify(&url, n, true).await;
    if let Some(name) = pg_name {
        on_server(&url, format!("DROP DATABASE \"{name}\"")).await;
    }

    let rate = |d: Duration, k: usize| k as f64 / d.as_secs_f64();
    println!(
        "\n### {backend}: scimd import of {n} users (CSV, {:.1} MB)\n",
        size as f64 / 1e6
    );
    println!("| run | time | users/s |");
    println!("|---|---|---|");
    println!(
        "| new users (created {n}) | {:.1} s | {:.0} |",
        first.as_secs_f64(),
        rate(first, n)
    );
    println!(
        "| same file again (unchanged {n}) | {:.1} s | {:.0} |",
        again.as_secs_f64(),
        rate(again, n)
    );
    println!(
        "| every tenth row changed (updated {changes}, unchanged {}) | {:.1} s | {:.0} |",
        n - changes,
        changed.as_secs_f64(),
        rate(changed, n)
    );
}

//! The write benchmark of issue 4: `cargo bench --bench writes -- --help`.
//!
//! Starts the real server on loopback on a fresh database and measures, over HTTP:
//! 1. `/Bulk`: N users imported as N/1000 sequential requests of 1,000 POSTs each;
//! 2. membership at scale: a group filled to M members, then single-member adds and removes
//!    in Entra's exact shape (no query string: answered 204) and with
//!    `?excludedAttributes=members` (answered 200), `GET /Groups/{id}?excludedAttributes=members`,
//!    and a few answers that carry every member.
//!
//! Every answer is checked (status, per-operation status, the member count read back), so a
//! broken write cannot look fast. This is a tool, not a test: `cargo test` does not run it.

// A measuring tool, not the server: on anything unexpected it should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TOKEN;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const WARM_UP: usize = 20;
/// PATCHes answered with every member of the big group (each takes most of a second).
const FULL_ANSWERS: usize = 10;

#[derive(Parser, Debug)]
#[command(about = "Measure /Bulk imports and membership changes over HTTP")]
struct Args {
    /// Users imported through /Bulk.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// Operations per /Bulk request (at most the server's maxOperations, 1,000).
    #[arg(long, default_value_t = 1_000)]
    bulk_size: usize,
    /// Members of the big group (taken from the imported users).
    #[arg(long, default_value_t = 100_000)]
    members: usize,
    /// Measured requests per operation (after a warm-up of 20).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// `postgres://…` naming a database that does not exist yet (it is created and dropped);
    /// default: a new SQLite file under target/bench/.
    #[arg(long)]
    database_url: Option<String>,
    /// Run the server with the activity log off (`SCIMD_ACTIVITY_RETENTION=0`), to measure
    /// what the log costs (`cargo bench --bench activity` compares both in one run).
    #[arg(long)]
    no_activity_log: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// Sends a request, asserts the status and returns the body and the time to its last byte.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        status: StatusCode,
    ) -> (Value, Duration) {
        let started = Instant::now();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(serde_json::to_vec(body).unwrap());
        }
        let response = request.send().await.unwrap();
        let got = response.status();
        let bytes = response.bytes().await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(got, status, "{path}: {}", String::from_utf8_lossy(&bytes));
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (value, elapsed)
    }
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

fn stats(mut times: Vec<Duration>) -> Stats {
    times.sort();
    let rank = |q: f64| ((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1;
    Stats {
        p50: times[rank(0.5)],
        p99: times[rank(0.99)],
        mean: times.iter().sum::<Duration>() / times.len() as u32,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn user(prefix: &str, i: usize) -> Value {
    json!({
        "schemas": [USER],
        "userName": format!("{prefix}{i}@example.com"),
        "externalId": uuid::Uuid::new_v4().to_string(),
        "name": {"givenName": "Bench", "familyName": format!("User{i}")},
        "displayName": format!("Bench User{i}"),
        "emails": [{"value": format!("{prefix}{i}@example.com"), "type": "work", "primary": true}],
        "active": true,
    })
}

/// Imports `n` users as /Bulk requests of `size`; returns their ids and each request's time.
async fn bulk_import(
    client: &Client,
    prefix: &str,
    n: usize,
    size: usize,
) -> (Vec<String>, Vec<Duration>) {
    let mut ids = Vec::with_capacity(n);
    let mut times = Vec::new();
    for start in (0..n).step_by(size) {
        let operations: Vec<Value> = (start..(start + size).min(n))
            .map(|i| json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": user(prefix, i)}))
            .collect();
        let body = json!({"schemas": [BULK], "Operations": operations});
        let (answer, took) = client
            .send(Method::POST, "/Bulk", Some(&body), StatusCode::OK)
            .await;
        times.push(took);
        for op in answer["Operations"].as_array().unwrap() {
            assert_eq!(op["status"], "201", "{op}");
            let location = op["location"].as_str().unwrap();
            ids.push(location.rsplit('/').next().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), n);
    (ids, times)
}

fn add_members(ids: &[String]) -> Value {
    let values: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": values}]})
}

/// Entra's removal: the member listed in `value`.
fn remove_listed_member(id: &str) -> Value {
    json!({"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": id}]}
    ]})
}

/// Okta's removal (and Entra's with its `aadOptscim062020` flag): a value filter.
fn remove_member(id: &str) -> Value {
    json!({"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": format!("members[value eq \"{id}\"]")}
    ]})
}

async fn member_count(client: &Client, group: &str) -> u64 {
    let path = format!("/Groups/{group}?attributes=members");
    let (group, _) = client.send(Method::GET, &path, None, StatusCode::OK).await;
    group["members"].as_array().map_or(0, Vec::len) as u64
}

fn sqlite_path() -> PathBuf {
    common::bench_file("scimd-writes.db")
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
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
    assert!(
        args.members <= args.users,
        "--members cannot exceed --users"
    );
    let (url, backend, pg_name) = match &args.database_url {
        Some(url) => {
            let name = url.rsplit('/').next().unwrap().to_owned();
            on_server(url, format!("CREATE DATABASE \"{name}\"")).await;
            (url.clone(), "PostgreSQL", Some(name))
        }
        None => {
            let path = sqlite_path();
            remove_sqlite(&path);
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                "SQLite",
                None,
            )
        }
    };
    let mut settings = common::settings(&url, 4 * 1_048_576);
    settings.api.activity_log = !args.no_activity_log;
    let app = scimd::startup::Application::build(settings).await.unwrap();
    let client = Client {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}/scim/v2", app.port()),
    };
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    eprintln!(
        "bulk: {} users in requests of {}",
        args.users, args.bulk_size
    );
    let started = Instant::now();
    let (ids, bulk_times) = bulk_import(&client, "bulk", args.users, args.bulk_size).await;
    let bulk_total = started.elapsed();
    let bulk = stats(bulk_times);

    // The big group, filled in PATCHes of 1,000 members (what Entra's batches look like).
    eprintln!("membership: a group of {} members", args.members);
    let (group, _) = client
        .send(
            Method::POST,
            "/Groups",
            Some(&json!({"schemas": [GROUP], "displayName": "Everyone"})),
            StatusCode::CREATED,
        )
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    let group_path = format!("/Groups/{group}?excludedAttributes=members");
    let started = Instant::now();
    for chunk in ids[..args.members].chunks(1_000) {
        client
            .send(
                Method::PATCH,
                &group_path,
                Some(&add_members(chunk)),
                StatusCode::OK,
            )
            .await;
    }
    let fill = started.elapsed();
    assert_eq!(member_count(&client, &group).await, args.members as u64);

    // Users that join and leave the big group one at a time, in four shapes. Each phase sends
    // WARM_UP unmeasured requests, then `requests` measured ones, and is checked by reading
    // the member count back.
    let n = WARM_UP + args.requests;
    let (movers, _) = bulk_import(&client, "mover", n, args.bulk_size).await;
    let entra_path = format!("/Groups/{group}");
    let phase = async |path: &str, body: &dyn Fn(&str) -> Value, status: StatusCode| {
        let mut times = Vec::with_capacity(args.requests);
        for (k, id) in movers.iter().enumerate() {
            let (_, took) = client
                .send(Method::PATCH, path, Some(&body(id)), status)
                .await;
            if k >= WARM_UP {
                times.push(took);
            }
        }
        assert_eq!(times.len(), args.requests);
        times
    };
    // Entra's exact shapes: no query string, so the answer is 204 (SCIMD_GROUP_PATCH_RESPONSE).
    let adds_entra = phase(
        &entra_path,
        &|id| add_members(&[id.to_owned()]),
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(
        member_count(&client, &group).await,
        (args.members + n) as u64
    );
    let removes_entra = phase(&entra_path, &remove_listed_member, StatusCode::NO_CONTENT).await;
    assert_eq!(member_count(&client, &group).await, args.members as u64);
    // The same changes answered with the group, members excluded.
    let adds = phase(
        &group_path,
        &|id| add_members(&[id.to_owned()]),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        member_count(&client, &group).await,
        (args.members + n) as u64
    );
    let removes = phase(&group_path, &remove_member, StatusCode::OK).await;
    assert_eq!(member_count(&client, &group).await, args.members as u64);
    // What an answer with every member costs (SCIMD_GROUP_PATCH_RESPONSE=resource, or a
    // client asking for members): a few requests, each one member in and out again.
    let full_path = format!("/Groups/{group}?attributes=displayName,members");
    let mut adds_full = Vec::new();
    for id in movers.iter().take(FULL_ANSWERS) {
        let (body, took) = client
            .send(
                Method::PATCH,
                &full_path,
                Some(&add_members(std::slice::from_ref(id))),
                StatusCode::OK,
            )
            .await;
        assert_eq!(body["members"].as_array().unwrap().len(), args.members + 1);
        adds_full.push(took);
        client
            .send(
                Method::PATCH,
                &entra_path,
                Some(&remove_listed_member(id)),
                StatusCode::NO_CONTENT,
            )
            .await;
    }
    assert_eq!(member_count(&client, &group).await, args.members as u64);
    let mut gets = Vec::with_capacity(args.requests);
    for k in 0..n {
        let (body, took) = client
            .send(Method::GET, &group_path, None, StatusCode::OK)
            .await;
        assert_eq!(body["displayName"], "Everyone");
        if k >= WARM_UP {
            gets.push(took);
        }
    }
    let mut gets_full = Vec::new();
    for _ in 0..5 {
        let (body, took) = client
            .send(
                Method::GET,
                &format!("/Groups/{group}"),
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(
            body["members"].as_array().unwrap().len(),
            args.members,
            "full read"
        );
        gets_full.push(took);
    }
    handle.stop(true).await;
    server.await.unwrap().unwrap();
    if let Some(name) = pg_name {
        on_server(&url, format!("DROP DATABASE \"{name}\"")).await;
    }

    println!("\n### {backend}: writes\n");
    println!(
        "/Bulk: {} users in {} requests of {}: {:.1} s ({:.0} users/s); per request p50 {} ms, p99 {} ms.\n",
        args.users,
        args.users.div_ceil(args.bulk_size),
        args.bulk_size,
        bulk_total.as_secs_f64(),
        args.users as f64 / bulk_total.as_secs_f64(),
        ms(bulk.p50),
        ms(bulk.p99),
    );
    println!(
        "Group filled to {} members by {} PATCHes of 1,000 in {:.1} s.\n",
        args.members,
        args.members.div_ceil(1_000),
        fill.as_secs_f64()
    );
    println!(
        "{} sequential requests per row after {WARM_UP} warm-up.\n",
        args.requests
    );
    println!(
        "| request (group of {} members) | p50 ms | p99 ms | mean ms |",
        args.members
    );
    println!("|---|---:|---:|---:|");
    let row = |name: &str, s: Stats| {
        println!(
            "| {name} | {} | {} | {} |",
            ms(s.p50),
            ms(s.p99),
            ms(s.mean)
        );
    };
    row(
        "PATCH add one member, Entra's shape (no query: 204)",
        stats(adds_entra),
    );
    row(
        "PATCH remove one member by `value` list, Entra's shape (no query: 204)",
        stats(removes_entra),
    );
    row(
        "PATCH add one member, `?excludedAttributes=members` (200)",
        stats(adds),
    );
    row(
        "PATCH remove `members[value eq \"…\"]`, `?excludedAttributes=members` (200)",
        stats(removes),
    );
    row("GET `?excludedAttributes=members`", stats(gets));
    row(
        &format!("PATCH add one member, answer with all members ({FULL_ANSWERS} requests)"),
        stats(adds_full),
    );
    row("GET with all members (5 requests)", stats(gets_full));
}

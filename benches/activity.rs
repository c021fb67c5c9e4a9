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

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use common::TOKEN;
use entity::activity;
use reqwest::{Method, StatusCode};
use sea_orm::Statement;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, Database, DbBackend};
use serde_json::{Value, json};

use scimd::store::activity::{Filter, Outcome};
use scimd::store::{PoolConfig, Store};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

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
    overhead(&args, backend).await;
    if args.records > 0 {
        lookup(&args, backend).await;
    }
}

/// How a measured server runs: in this process, or as a `scimd serve` process of its own.
enum Running {
    InProcess {
        handle: actix_web::dev::ServerHandle,
        server: tokio::task::JoinHandle<std::io::Result<()>>,
    },
    Process(std::process::Child),
}

/// Which server: this build with the log on or off, or the baseline binary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    LogOn,
    LogOff,
    Baseline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::LogOn => "on",
            Self::LogOff => "off",
            Self::Baseline => "baseline",
        }
    }
}

/// One server and what the rounds write to.
struct Target {
    http: reqwest::Client,
    base: String,
    group: String,
    running: Running,
    db: Fresh,
    times: [Vec<Duration>; 5],
}

impl Target {
    async fn start(args: &Args, kind: Kind) -> Self {
        let db = Fresh::new(args, kind.name()).await;
        let (base, running) = match &args.baseline_bin {
            None => {
                let mut settings = common::settings(&db.url, 4 * 1_048_576);
                settings.api.activity_log = kind == Kind::LogOn;
                let app = scimd::startup::Application::build(settings).await.unwrap();
                let base = format!("http://127.0.0.1:{}/scim/v2", app.port());
                let handle = app.handle();
                let server = tokio::spawn(app.run_until_stopped());
                (base, Running::InProcess { handle, server })
            }
            Some(baseline) => {
                let bin = match kind {
                    Kind::Baseline => baseline.clone(),
                    _ => env!("CARGO_BIN_EXE_scimd").into(),
                };
                spawn(&bin, &db.url, kind == Kind::LogOff).await
            }
        };
        let mut target = Self {
            http: reqwest::Client::new(),
            base,
            group: String::new(),
            running,
            db,
            times: Default::default(),
        };
        let members: Vec<Value> = (0..1000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("m{i}"),
                "data": {"schemas": [USER], "userName": format!("member{i}")}})
            })
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": members});
        let (answer, _) = target
            .send(Method::POST, "/Bulk", &body, StatusCode::OK)
            .await;
        let ids: Vec<Value> = answer["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(
                |op| json!({"value": op["location"].as_str().unwrap().rsplit('/').next().unwrap()}),
            )
            .collect();
        let group = json!({"schemas": [GROUP], "displayName": "Everyone", "members": ids});
        let (group, _) = target
            .send(Method::POST, "/Groups", &group, StatusCode::CREATED)
            .await;
        target.group = group["id"].as_str().unwrap().to_owned();
        target
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        status: StatusCode,
    ) -> (Value, Duration) {
        let started = Instant::now();
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/scim+json")
            .header("user-agent", "Azure Active Directory SCIM Client")
            .body(serde_json::to_vec(body).unwrap())
            .send()
            .await
            .unwrap();
        let got = response.status();
        let bytes = response.bytes().await.unwrap();
        let took = started.elapsed();
        assert_eq!(got, status, "{path}: {}", String::from_utf8_lossy(&bytes));
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (value, took)
    }

    /// One round: a new user, a change to it, and its add to and removal from the group.
    async fn round(&mut self, i: usize, measured: bool) {
        let user = json!({"schemas": [USER], "userName": format!("round{i}@example.com"),
            "externalId": format!("ext-{i}"), "name": {"givenName": "Round", "familyName": "User"},
            "emails": [{"value": format!("round{i}@example.com"), "type": "work", "primary": true}],
            "active": true});
        let (created, t0) = self
            .send(Method::POST, "/Users", &user, StatusCode::CREATED)
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let change = json!({"schemas": [PATCH], "Operations": [
            {"op": "Replace", "path": "name.familyName", "value": format!("User{i}")}]});
        let (_, t1) = self
            .send(
                Method::PATCH,
                &format!("/Users/{id}"),
                &change,
                StatusCode::OK,
            )
            .await;
        let group = format!("/Groups/{}", self.group);
        let add = json!({"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]});
        let (_, t2) = self
            .send(Method::PATCH, &group, &add, StatusCode::NO_CONTENT)
            .await;
        let remove = json!({"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": id}]}]});
        let (_, t3) = self
            .send(Method::PATCH, &group, &remove, StatusCode::NO_CONTENT)
            .await;
        if measured {
            for (times, t) in self.times.iter_mut().zip([t0, t1, t2, t3]) {
                times.push(t);
            }
        }
    }

    /// A /Bulk request of 1,000 new users, as `cargo bench --bench writes` sends them.
    async fn bulk(&mut self, n: usize) {
        let operations: Vec<Value> = (0..1000)
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                "data": {"schemas": [USER], "userName": format!("bulk{n}-{i}@example.com"),
                    "externalId": format!("bulk{n}-{i}"), "name": {"givenName": "Bulk", "familyName": "User"},
                    "emails": [{"value": format!("bulk{n}-{i}@example.com"), "type": "work"}]}})
            })
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": operations});
        let (answer, took) = self
            .send(Method::POST, "/Bulk", &body, StatusCode::OK)
            .await;
        assert!(
            answer["Operations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|op| op["status"] == "201"),
            "every POST of the /Bulk request created its user"
        );
        self.times[4].push(took);
    }

    async fn stop(self) -> [Vec<Duration>; 5] {
        match self.running {
            Running::InProcess { handle, server } => {
                handle.stop(true).await;
                server.await.unwrap().unwrap();
            }
            Running::Process(mut child) => {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                child.wait().unwrap();
            }
        }
        self.db.drop().await;
        self.times
    }
}

/// Starts `scimd serve` from `bin` on `url` and a free loopback port, as the in-process servers
/// are configured (4 MB bodies for the setup's /Bulk, no rate limit), and waits until it
/// answers.
async fn spawn(bin: &std::path::Path, url: &str, log_off: bool) -> (String, Running) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = std::process::Command::new(bin);
    command
        .arg("serve")
        .env("SCIMD_DATABASE_URL", url)
        .env("SCIMD_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIMD_BOOTSTRAP_TOKEN", TOKEN)
        .env("SCIMD_MAX_PAYLOAD_BYTES", (4 * 1_048_576).to_string())
        .env("SCIMD_RATE_LIMIT", "0")
        .env("SCIMD_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    if log_off {
        command.env("SCIMD_ACTIVITY_RETENTION", "0");
    }
    let child = command.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}/scim/v2");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = http
            .get(format!("{base}/ServiceProviderConfig"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} did not answer within 30 s",
            bin.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (base, Running::Process(child))
}

/// The median; zero for a row that was not measured (`--bulk 0`).
fn p50(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

async fn overhead(args: &Args, backend: &str) {
    eprintln!("write overhead: {} rounds on each server", args.rounds);
    let mut kinds = vec![Kind::LogOff, Kind::LogOn];
    if args.baseline_bin.is_some() {
        kinds.insert(0, Kind::Baseline);
    }
    let mut targets = Vec::new();
    for kind in &kinds {
        targets.push(Target::start(args, *kind).await);
    }
    const WARM_UP: usize = 20;
    for i in 0..WARM_UP + args.rounds {
        let measured = i >= WARM_UP;
        // Rotate which goes first, so none always follows another's fsync.
        let n = targets.len();
        for k in 0..n {
            targets[(i + k) % n].round(i, measured).await;
        }
    }
    for b in 0..args.bulk {
        let n = targets.len();
        for k in 0..n {
            targets[(b + k) % n].bulk(b).await;
        }
    }
    let mut times = Vec::new();
    for target in targets {
        times.push(target.stop().await.map(p50));
    }
    let names = [
        "POST /Users",
        "PATCH /Users/{id} (one attribute)",
        "PATCH add one member, Entra's shape (204)",
        "PATCH remove one member, Entra's shape (204)",
        "/Bulk of 1,000 POSTs (per request)",
    ];
    let change = |after: Duration, before: Duration| {
        (after.as_secs_f64() / before.as_secs_f64() - 1.0) * 100.0
    };
    let rounds = format!(
        "{} rounds per server after {WARM_UP} warm-up, in turn.\n",
        args.rounds
    );
    if let [baseline, off, on] = times.as_slice() {
        let bin = args.baseline_bin.as_ref().unwrap().display();
        println!("\n### {backend}: the change events' and the activity log's write cost\n");
        println!("{rounds}Baseline: `{bin}`; each server a `scimd serve` process.\n");
        println!(
            "| write | baseline p50 ms | events, log off p50 ms | events + log p50 ms | events vs baseline | log |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        for (k, name) in names.iter().enumerate() {
            let (b, f, o) = (baseline[k], off[k], on[k]);
            if b.is_zero() {
                continue;
            }
            println!(
                "| {name} | {} | {} | {} | {:+.1} % | {:+.1} % |",
                ms(b),
                ms(f),
                ms(o),
                change(f, b),
                change(o, f)
            );
        }
        return;
    }
    let [off, on] = times.as_slice() else {
        unreachable!("two servers without a baseline")
    };
    println!("\n### {backend}: the activity log's write overhead\n");
    println!("{rounds}");
    println!("| write | log off p50 ms | log on p50 ms | overhead |");
    println!("|---|---:|---:|---:|");
    for (k, name) in names.iter().enumerate() {
        let (f, o) = (off[k], on[k]);
        if f.is_zero() {
            continue;
        }
        println!(
            "| {name} | {} | {} | {:+.1} % |",
            ms(f),
            ms(o),
            change(o, f)
        );
    }
}

async fn lookup(args: &Args, backend: &str) {
    let db = Fresh::new(args, "lookup").await;
    let store = Store::connect(&db.url, &PoolConfig::default())
        .await
        .unwrap();
    let a = store.tenants().ensure("acme").await.unwrap();
    let b = store.tenants().ensure("globex").await.unwrap();
    eprintln!("lookup: inserting {} records", args.records);
    let started = Instant::now();
    let now = Utc::now();
    // About 20 records per end user over the 30 days, whatever `--records` is.
    let users = (args.records / 20).clamp(1, 50_000);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..args.records {
        // Spread over 30 days, oldest first, as a log grows.
        let age = chrono::Duration::milliseconds(
            ((args.records - i) as i64 * 30 * 86_400_000) / args.records as i64,
        );
        let user = (i * 7_919) % users;
        // A tenth of the end users are the other tenant's.
        let tenant = if user % 10 == 9 { b.id } else { a.id };
        let failed = i % 20 == 0;
        batch.push(activity::ActiveModel {
            id: NotSet,
            at: Set(now - age),
            tenant_id: Set(Some(tenant.get())),
            credential_id: Set(Some(
                "token:0193f1c2-7a8b-7c3d-9e4f-5a6b7c8d9e0f".to_owned(),
            )),
            credential_kind: Set(Some("token".to_owned())),
            credential_label: Set(Some("Entra ID production".to_owned())),
            client: Set("entra".to_owned()),
            request_id: Set(Some(uuid::Uuid::new_v4().to_string())),
            method: Set("PATCH".to_owned()),
            route: Set("/scim/v2/Users/{id}".to_owned()),
            operation: Set("patch".to_owned()),
            resource_type: Set(Some("User".to_owned())),
            resource_id: Set(Some(format!("0193f1c2-0000-7000-8000-{user:012}"))),
            user_name: Set(Some(format!("User{user}@Example.com"))),
            external_id: Set(Some(format!("ext-{user}"))),
            display_name: Set(None),
            changed: Set(Some(r#"["active"]"#.to_owned())),
            status: Set(if failed { 409 } else { 200 }),
            scim_type: Set(failed.then(|| "uniqueness".to_owned())),
            detail: Set(failed.then(|| "userName is not unique".to_owned())),
            outcome: Set(if failed { "failed" } else { "succeeded" }.to_owned()),
            latency_us: Set(2_000),
            event_seqs: Set(Some(format!("[{i}]"))),
        });
        if batch.len() == 10_000 {
            store
                .activity()
                .write(std::mem::take(&mut batch))
                .await
                .unwrap();
        }
    }
    store.activity().write(batch).await.unwrap();
    let load = started.elapsed();
    analyze(&store, &db.url).await;
    let week_ago = Utc::now() - chrono::Duration::days(7);
    let by_user = |n: usize| Filter {
        tenant: Some(a.id),
        user: Some(format!(
            "user{}@example.com",
            (n * 104_729) % users / 10 * 10
        )),
        from: Some(week_ago),
        limit: 100,
        ..Filter::default()
    };
    let failures = |_| Filter {
        tenant: Some(a.id),
        outcome: Some(Outcome::Failed),
        from: Some(week_ago),
        limit: 100,
        ..Filter::default()
    };
    let newest = |_| Filter {
        tenant: Some(a.id),
        limit: 100,
        ..Filter::default()
    };
    println!(
        "\n### {backend}: activity lookups among {} records\n",
        args.records
    );
    println!(
        "Loaded in {:.1} s. {} lookups each.\n",
        load.as_secs_f64(),
        args.lookups
    );
    println!("| lookup | records found (first) | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (name, make) in [
        (
            "one end user's last 7 days (`user=` by userName, any case)",
            &by_user as &dyn Fn(usize) -> Filter,
        ),
        (
            "a tenant's failures of the last 7 days, newest 100",
            &failures,
        ),
        ("a tenant's newest 100 records", &newest),
    ] {
        let mut times = Vec::with_capacity(args.lookups);
        let mut found = None;
        for n in 0..args.lookups {
            let filter = make(n);
            let started = Instant::now();
            let page = store.activity().list(&filter).await.unwrap();
            times.push(started.elapsed());
            found.get_or_insert(page.entries.len());
            assert!(!page.entries.is_empty(), "{name}: nothing found");
        }
        let plan = store.activity().plan(&make(0)).await.unwrap();
        // PostgreSQL's plan is long: its scans say which index serves the lookup.
        let scans: Vec<&str> = plan
            .split("; ")
            .map(str::trim)
            .filter(|line| line.contains("Scan") || !plan.contains("->"))
            .collect();
        eprintln!("plan of {name}: {}", scans.join("; "));
        let mut sorted = times.clone();
        sorted.sort();
        let p99 = sorted[(sorted.len() * 99).div_ceil(100).max(1) - 1];
        println!(
            "| {name} | {} | {} | {} |",
            found.unwrap_or(0),
            ms(p50(times)),
            ms(p99)
        );
    }
    store.close().await;
    db.drop().await;
}

/// Planner statistics, as a database that has run a while has them.
async fn analyze(store: &Store, url: &str) {
    let _ = store;
    let conn = Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_string(backend, "ANALYZE".to_owned()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

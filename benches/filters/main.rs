//! The list and filter benchmark: `cargo bench --bench filters -- --help`.
//!
//! Loads N users and G groups through the library (`validate::normalize` → `prepare` →
//! `derive` → `Resources::import`, the path a POST takes, minus HTTP), starts the real server
//! on loopback, and measures list requests over HTTP: median and p99 of sequential requests,
//! then requests/s with concurrent clients. Every response is checked against what the
//! deterministic generator put in, so a broken query cannot look fast. A SQLite database is
//! kept under `target/bench/` and reused; PostgreSQL is named with `--database-url`.
//! This is a tool, not a test: `cargo test` does not run it.

// A measuring tool, not the server: on anything unexpected it should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
#[path = "../common/mod.rs"]
mod common;
mod load;
mod people;
mod plans;

use cases::*;
use common::TOKEN;
use load::*;
use people::*;
use plans::explain;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::{StatusCode, Url};
use scimd::scim::list::cursor::Cursor;
use serde_json::Value;

/// Page size of the paging and `sw` queries.
const PAGE: u64 = 100;
/// Requests per query before measuring.
const WARM_UP: u64 = 20;

#[derive(Parser, Debug)]
#[command(about = "Load users and groups, then measure SCIM list queries over HTTP")]
struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    #[arg(long, default_value_t = 10_000)]
    groups: u64,
    /// `postgres://…` (the database is created if missing); default: a SQLite file under
    /// target/bench/, reused when it already holds the data.
    #[arg(long)]
    database_url: Option<String>,
    /// Sequential requests per query (median, p99).
    #[arg(long, default_value_t = 200)]
    requests: u64,
    /// Requests per query in the throughput run.
    #[arg(long, default_value_t = 1_000)]
    throughput_requests: u64,
    /// Concurrent clients in the throughput run.
    #[arg(long, default_value_t = 8)]
    concurrency: u64,
    /// Users per import transaction.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Print each query's SQL and its plan (SQLite: EXPLAIN QUERY PLAN and timings;
    /// PostgreSQL: EXPLAIN ANALYZE) instead of measuring.
    #[arg(long)]
    explain: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

// ---------------------------------------------------------------------------------------
// Measuring.

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn url(&self, path: &str, params: &[(&str, &str)]) -> Url {
        Url::parse_with_params(&format!("{}{path}", self.base), params).unwrap()
    }

    async fn json(&self, url: Url) -> Value {
        let response = self.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Sends `probe`, checks the answer and returns the time to the last byte.
    async fn run(&self, probe: Probe) -> Duration {
        let started = Instant::now();
        let response = self
            .http
            .get(probe.url.clone())
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        let elapsed = started.elapsed();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::OK, "{} → {text}", probe.url);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["totalResults"], probe.total,
            "totalResults of {}",
            probe.url
        );
        let got: Vec<&str> = body["Resources"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|r| r[probe.key].as_str().unwrap_or("<none>"))
            .collect();
        if got != probe.expected {
            let missing: Vec<&String> = probe
                .expected
                .iter()
                .filter(|e| !got.contains(&e.as_str()))
                .take(5)
                .collect();
            let unexpected: Vec<&&str> = got
                .iter()
                .filter(|g| !probe.expected.iter().any(|e| e == *g))
                .take(5)
                .collect();
            panic!(
                "wrong resources from {}: {} returned, {} expected; \
                 first missing {missing:?}, first unexpected {unexpected:?}; \
                 returned {:?}…, expected {:?}…",
                probe.url,
                got.len(),
                probe.expected.len(),
                &got[..got.len().min(3)],
                &probe.expected[..probe.expected.len().min(3)],
            );
        }
        elapsed
    }
}

struct Measured {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

/// The `q`-quantile of sorted `times`, nearest rank.
fn quantile(times: &[Duration], q: f64) -> Duration {
    let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len());
    times[rank - 1]
}

async fn measure(client: &Arc<Client>, case: &Case, args: &Args) -> Measured {
    for k in 0..WARM_UP {
        client.run((case.make)(k)).await;
    }
    let mut times = Vec::with_capacity(args.requests as usize);
    for k in WARM_UP..WARM_UP + args.requests {
        times.push(client.run((case.make)(k)).await);
    }
    times.sort();

    let first = WARM_UP + args.requests;
    let end = first + args.throughput_requests;
    let next = Arc::new(AtomicU64::new(first));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let (client, next, make) = (client.clone(), next.clone(), case.make.clone());
            tokio::spawn(async move {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= end {
                        break;
                    }
                    client.run(make(k)).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    Measured {
        p50: quantile(&times, 0.5),
        p99: quantile(&times, 0.99),
        per_second: args.throughput_requests as f64 / elapsed.as_secs_f64(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args = Args::parse();
    if let Ok(filter) = std::env::var("RUST_LOG") {
        let sink = scimd::telemetry::subscriber(
            &filter,
            scimd::telemetry::LogFormat::Text,
            std::io::stderr,
        )
        .unwrap();
        tracing::subscriber::set_global_default(sink).unwrap();
    }
    common::block_on(run(args));
}

async fn run(args: Args) {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}?mode=rwc", sqlite_path(&args).display()),
    };
    let backend = if url.starts_with("postgres") {
        create_database(&url).await;
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let loaded = prepare_database(&url, &args).await;
    let size = database_size(&url, &args).await;
    let expected = Arc::new(Expected::compute(args.users, args.groups, PAGE as usize));

    let app = common::server(&url, 1_048_576).await;
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}/scim/v2", app.port()),
    });
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    let cases = cases(&client, &args, expected).await;
    if args.explain {
        explain(&url, &cases).await;
        handle.stop(true).await;
        return;
    }
    let mut rows = Vec::new();
    for case in &cases {
        eprintln!("measuring {}", case.name);
        let m = measure(&client, case, &args).await;
        rows.push(format!(
            "| {} | {} | {} | {:.0} |",
            case.name,
            ms(m.p50),
            ms(m.p99),
            m.per_second
        ));
    }
    let count = count_all_users(&url, 21).await;
    handle.stop(true).await;
    server.await.unwrap().unwrap();

    println!(
        "\n### {backend}: {} users, {} groups\n",
        args.users, args.groups
    );
    match loaded {
        Some(l) => println!(
            "Load: users {:.0} s ({:.0}/s), groups {:.1} s ({} memberships); database {:.2} GB.",
            l.users_time.as_secs_f64(),
            args.users as f64 / l.users_time.as_secs_f64(),
            l.groups_time.as_secs_f64(),
            l.memberships,
            size as f64 / 1e9
        ),
        None => println!(
            "Load: reused the loaded database; {:.2} GB.",
            size as f64 / 1e9
        ),
    }
    println!(
        "`COUNT(*)` over all users, run directly: p50 {} ms.\n",
        ms(count)
    );
    println!(
        "{} sequential requests per query after {WARM_UP} warm-up; req/s from {} requests with {} concurrent clients.\n",
        args.requests, args.throughput_requests, args.concurrency
    );
    println!("| query | p50 ms | p99 ms | req/s |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
}

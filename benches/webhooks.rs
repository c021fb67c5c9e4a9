//! The webhook benchmark of issue 17: `cargo bench --bench webhooks -- --help`.
//!
//! Starts the real server and a receiver on loopback and measures:
//! 1. commit-to-receipt latency (the envelope's `occurredAt` to the receiver's clock) while
//!    users are created at a steady rate (500/s by default), one event each;
//! 2. the catch-up rate: a backlog of N events (created through `/Bulk`) replayed to the
//!    endpoint, from the replay to the last receipt.
//!
//! This is a tool, not a test: `cargo test` does not run it.

// A measuring tool, not the server: on anything unexpected it should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use clap::Parser;
use common::TOKEN;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

#[derive(Parser, Debug)]
#[command(about = "Measure webhook delivery: latency at a steady rate, catch-up through a backlog")]
struct Args {
    /// Events per second in the latency phase.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Length of the latency phase, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Events in the backlog of the catch-up phase.
    #[arg(long, default_value_t = 10_000)]
    backlog: usize,
    /// An existing, empty database (`postgres://…`); default: a new SQLite file under
    /// target/bench/.
    #[arg(long)]
    database_url: Option<String>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// (seq, occurredAt, received at) of every POST the receiver got.
type Receipts = Mutex<Vec<(i64, DateTime<Utc>, DateTime<Utc>)>>;
type Got = Arc<Receipts>;

async fn receive(body: web::Bytes, got: web::Data<Receipts>) -> HttpResponse {
    let at = Utc::now();
    let event: Value = serde_json::from_slice(&body).unwrap();
    let occurred: DateTime<Utc> = event["occurredAt"].as_str().unwrap().parse().unwrap();
    got.lock()
        .unwrap()
        .push((event["seq"].as_i64().unwrap(), occurred, at));
    HttpResponse::NoContent().finish()
}

fn receiver(got: &Got) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let data = web::Data::from(Arc::clone(got));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    port
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn wait_for(got: &Got, n: usize, within: Duration) -> Instant {
    let deadline = Instant::now() + within;
    loop {
        if got.lock().unwrap().len() >= n {
            return Instant::now();
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} events arrived",
            got.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn main() {
    let args = Args::parse();
    common::block_on(run(args));
}

async fn run(args: Args) {
    let url = args.database_url.clone().unwrap_or_else(|| {
        let path = common::bench_file("webhooks.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let mut settings = common::settings(&url, 4 * 1_048_576);
    settings.background.delivery.allow_private = true;
    let app = scimd::startup::Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}/scim/v2", app.port());
    let store = app.store().clone();
    tokio::spawn(app.run_until_stopped());
    scimd::startup::install_crypto_provider();
    let http = reqwest::Client::new();

    let got: Got = Arc::default();
    let port = receiver(&got);
    let tenant = store.tenants().find("default").await.unwrap().unwrap();
    let (endpoint, _) = store
        .webhooks()
        .add(&format!("http://127.0.0.1:{port}/hook"), Some(&tenant), "")
        .await
        .unwrap();

    // 1. Latency at a steady rate.
    let total = (args.rate * args.seconds) as usize;
    eprintln!("latency: {total} users at {}/s", args.rate);
    let every = Duration::from_secs_f64(1.0 / args.rate as f64);
    let started = Instant::now();
    let mut sent = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + every * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (http, base) = (http.clone(), base.clone());
        sent.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/Users"))
                .bearer_auth(TOKEN)
                .json(&json!({"schemas": [USER], "userName": format!("steady{i}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }));
    }
    for task in sent {
        task.await.unwrap();
    }
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    wait_for(&got, total, Duration::from_secs(120)).await;
    let mut latencies: Vec<f64> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, occurred, at)| (*at - *occurred).num_microseconds().unwrap() as f64 / 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);

    // 2. Catch-up through a backlog.
    eprintln!("catch-up: a backlog of {} events", args.backlog);
    store
        .webhooks()
        .disable(&endpoint.id, "benchmark: building a backlog")
        .await
        .unwrap();
    let first = store.events().last_seq(tenant.id).await.unwrap() + 1;
    for chunk in 0..args.backlog.div_ceil(1000) {
        let ops: Vec<Value> = (0..1000.min(args.backlog - chunk * 1000))
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                "data": {"schemas": [USER], "userName": format!("backlog{chunk}-{i}")}})
            })
            .collect();
        let r = http
            .post(format!("{base}/Bulk"))
            .bearer_auth(TOKEN)
            .json(&json!({"schemas": [BULK], "Operations": ops}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let (catch_up, _) = store
        .webhooks()
        .add(&format!("http://127.0.0.1:{port}/hook"), Some(&tenant), "")
        .await
        .unwrap();
    got.lock().unwrap().clear();
    let started = Instant::now();
    store
        .webhooks()
        .replay(&catch_up.id, &tenant, first)
        .await
        .unwrap();
    let done = wait_for(&got, args.backlog, Duration::from_secs(600)).await;
    let rate = args.backlog as f64 / (done - started).as_secs_f64();

    println!("backend: {}", store.backend());
    println!(
        "latency at {:.0} events/s ({} events): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        achieved,
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "catch-up: {} events in {:.1} s = {rate:.0} events/s",
        args.backlog,
        (done - started).as_secs_f64()
    );
}

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

#[path = "../common/mod.rs"]
mod common;
mod load;
mod people;
mod plans;

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

/// One request and what its answer must be.
struct Probe {
    url: Url,
    total: u64,
    /// The attribute that names each returned resource: `userName` or `displayName`.
    key: &'static str,
    /// What `key` must be in each returned resource, in order: the page is exactly these.
    expected: Vec<String>,
}

/// Users `indices` (generator indices), by userName.
fn user_names(indices: impl IntoIterator<Item = u64>) -> Vec<String> {
    indices.into_iter().map(user_name).collect()
}

type MakeProbe = Arc<dyn Fn(u64) -> Probe + Send + Sync>;

struct Case {
    name: String,
    make: MakeProbe,
}

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

/// Ids of the users `pool` names, looked up once over HTTP (not timed).
async fn user_ids(client: &Client, pool: &[u64]) -> Vec<String> {
    let mut ids = Vec::with_capacity(pool.len());
    for &i in pool {
        let filter = format!("userName eq \"{}\"", user_name(i));
        let url = client.url(
            "/Users",
            &[("filter", &filter), ("attributes", "id,userName")],
        );
        let body = client.json(url).await;
        assert_eq!(body["totalResults"], 1, "{filter}");
        let found = &body["Resources"][0];
        assert_eq!(found["userName"], user_name(i), "{filter}");
        ids.push(found["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// The queries of the issue, each with its expected answer.
async fn cases(client: &Arc<Client>, args: &Args, expected: Arc<Expected>) -> Vec<Case> {
    let users = args.users;
    let total_requests = WARM_UP + args.requests + args.throughput_requests;
    let user = move |k: u64, stream: u64| draw(k, stream) % users;
    let c = client.clone();
    // A filter that only user `i` matches.
    let one = move |filter: String, i: u64| Probe {
        url: c.url("/Users", &[("filter", &filter)]),
        total: 1,
        key: "userName",
        expected: vec![user_name(i)],
    };
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name: &str, make: MakeProbe| {
        cases.push(Case {
            name: name.to_owned(),
            make,
        })
    };

    let probe = one.clone();
    add(
        "`userName eq`",
        Arc::new(move |k| {
            let i = user(k, 100);
            probe(format!("userName eq \"{}\"", user_name(i)), i)
        }),
    );
    let probe = one.clone();
    add(
        "`externalId eq`",
        Arc::new(move |k| {
            let i = user(k, 101);
            probe(format!("externalId eq \"{}\"", external_id(i, 6)), i)
        }),
    );
    let probe = one;
    add(
        "`emails[type eq \"work\"].value eq`",
        Arc::new(move |k| {
            let i = user(k, 102);
            let filter = format!("emails[type eq \"work\"].value eq \"{}\"", work_email(i));
            probe(filter, i)
        }),
    );

    let (c, e) = (client.clone(), expected.clone());
    add(
        "`name.familyName sw` (3 letters), count=100",
        Arc::new(move |k| {
            let family = person(user(k, 103)).family;
            let start = prefix(family);
            let (total, first) = e.starting_with(&start, PAGE as usize);
            let filter = format!("name.familyName sw \"{start}\"");
            Probe {
                url: c.url("/Users", &[("filter", &filter), ("count", "100")]),
                total,
                key: "userName",
                expected: user_names(first),
            }
        }),
    );

    let (c, e) = (client.clone(), expected.clone());
    add(
        "`userName eq A or (name.familyName eq F and name.givenName eq G)`, count=100",
        Arc::new(move |k| {
            let (a, b) = (user(k, 104), person(user(k, 105)));
            let filter = format!(
                "userName eq \"{}\" or (name.familyName eq \"{}\" and name.givenName eq \"{}\")",
                user_name(a),
                SURNAMES[b.family],
                GIVEN_NAMES[b.given]
            );
            let mut matching = e.named(b.given, b.family).to_vec();
            if let Err(at) = matching.binary_search(&a) {
                matching.insert(at, a);
            }
            let total = matching.len() as u64;
            matching.truncate(PAGE as usize);
            Probe {
                url: c.url("/Users", &[("filter", &filter), ("count", "100")]),
                total,
                key: "userName",
                expected: user_names(matching),
            }
        }),
    );

    // Users that belong to at least one group, found through random groups.
    let pool: Vec<u64> = (0..total_requests)
        .map(|k| {
            (0..1_000)
                .map(|j| group_members(draw(k * 1_000 + j, 106) % args.groups.max(1), users))
                .find(|m| !m.is_empty())
                .map(|m| m[pick(k, 107, m.len())])
                .expect("some group has members")
        })
        .collect();
    let ids = Arc::new(user_ids(client, &pool).await);
    let c = client.clone();
    add(
        "`GET /Groups?filter=members[value eq \"…\"]`, excludedAttributes=members",
        Arc::new(move |k| {
            let filter = format!("members[value eq \"{}\"]", ids[k as usize]);
            let groups = &expected.groups_of[pool[k as usize] as usize];
            Probe {
                url: c.url(
                    "/Groups",
                    &[("filter", &filter), ("excludedAttributes", "members")],
                ),
                total: groups.len() as u64,
                key: "displayName",
                expected: groups.iter().map(|&g| group_name(g.into())).collect(),
            }
        }),
    );

    // Paging, no filter: first and deep pages by index and by cursor. Users come back in the
    // order they were loaded, so page rows are generator indices.
    let deep = (users * 9 / 10).max(2);
    let first_page = user_names(0..PAGE.min(users));
    let deep_page = user_names(deep - 1..(deep - 1 + PAGE).min(users));
    let before = client
        .json(client.url(
            "/Users",
            &[
                ("startIndex", &(deep - 1).to_string()),
                ("count", "1"),
                ("attributes", "meta,userName"),
            ],
        ))
        .await;
    let row = &before["Resources"][0];
    assert_eq!(row["userName"], user_name(deep - 2), "row {}", deep - 1);
    let created = chrono::DateTime::parse_from_rfc3339(row["meta"]["created"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let cursor = Cursor::After {
        created,
        id: scimd::scim::id::ResourceId::parse(row["id"].as_str().unwrap()).unwrap(),
    }
    .encode();
    let paging = [
        (
            "first page, `startIndex=1&count=100`".to_owned(),
            vec![("startIndex", "1".to_owned())],
            first_page.clone(),
        ),
        (
            format!("deep page, `startIndex={deep}&count=100`"),
            vec![("startIndex", deep.to_string())],
            deep_page.clone(),
        ),
        (
            "first cursor page, `cursor=&count=100`".to_owned(),
            vec![("cursor", String::new())],
            first_page,
        ),
        (
            format!("deep cursor page (after row {})", deep - 1),
            vec![("cursor", cursor)],
            deep_page,
        ),
    ];
    for (name, params, page) in paging {
        let c = client.clone();
        add(
            &name,
            Arc::new(move |_| {
                let mut all: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                all.push(("count", "100"));
                Probe {
                    url: c.url("/Users", &all),
                    total: users,
                    key: "userName",
                    expected: page.clone(),
                }
            }),
        );
    }
    cases
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

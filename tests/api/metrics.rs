//! `/metrics` after real traffic, parsed as Prometheus text: request counters by route,
//! method and status, the latency histogram, authentication failures by reason, 429s, the
//! pools and the build; and the operations listener of `SCIMD_METRICS_LISTEN`.
//!
//! Every test of this binary records into the one process-wide registry, so each assertion is
//! on a series only its own test produces (an unusual method, route and status together), or
//! compares before and after.
use std::collections::BTreeMap;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode};
use scimd::api::rate_limit::RateLimit;

use crate::helpers::*;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed exposition: the samples, and each metric family's `# TYPE`.
#[derive(Debug, Default)]
struct Scrape {
    samples: Vec<Sample>,
    types: BTreeMap<String, String>,
}

impl Scrape {
    /// Parses the text format (version 0.0.4), failing the test on a line it cannot read.
    fn parse(text: &str) -> Self {
        let mut scrape = Scrape::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.split_whitespace();
                if words.next() == Some("TYPE") {
                    let name = words.next().expect("# TYPE names a metric");
                    let kind = words.next().expect("# TYPE gives a type");
                    scrape.types.insert(name.to_owned(), kind.to_owned());
                }
                continue;
            }
            scrape.samples.push(sample(line));
        }
        scrape
    }

    /// The value of the series `name` with exactly these labels, 0 when absent.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .filter(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
            .sum()
    }

    /// Every sample of `name` whose labels include these.
    fn matching(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }
}

fn sample(line: &str) -> Sample {
    let (name, rest) = match line.find(['{', ' ']) {
        Some(i) => line.split_at(i),
        None => panic!("a sample without a value: {line}"),
    };
    let mut labels = BTreeMap::new();
    let rest = if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            inner = inner.trim_start_matches([',', ' ']);
            if let Some(after) = inner.strip_prefix('}') {
                break after;
            }
            let (key, after) = inner
                .split_once("=\"")
                .unwrap_or_else(|| panic!("a label without a quoted value: {line}"));
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => panic!("a label value ends in a backslash: {line}"),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => panic!("an unterminated label value: {line}"),
                }
            };
            labels.insert(key.trim().to_owned(), value);
            inner = &after[end + 1..];
        }
    } else {
        rest
    };
    let mut fields = rest.split_whitespace();
    let value = fields.next().unwrap_or_else(|| panic!("no value: {line}"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v
            .parse()
            .unwrap_or_else(|e| panic!("value {v:?} is not a number ({e}): {line}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// `GET {root}/metrics`, asserting 200 and the text format's content type.
async fn scrape_at(client: &reqwest::Client, root: &str) -> Scrape {
    let response = client.get(format!("{root}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape::parse(&response.text().await.unwrap())
}

async fn scrape(app: &TestApp) -> Scrape {
    scrape_at(&app.client, &app.root()).await
}

const REQUESTS: &str = "scimd_http_requests_total";
const DURATION: &str = "scimd_http_request_duration_seconds";

#[test]
fn the_parser_reads_labels_escapes_and_special_values() {
    let scrape = Scrape::parse(
        "# HELP x_total a help\n# TYPE x_total counter\n\
         x_total{a=\"1\",b=\"q\\\"uote \\\\ n\\nl\"} 3\nplain 1.5e3\nh_bucket{le=\"+Inf\"} +Inf\n",
    );
    assert_eq!(scrape.types["x_total"], "counter");
    assert_eq!(
        scrape.value("x_total", &[("a", "1"), ("b", "q\"uote \\ n\nl")]),
        3.0
    );
    assert_eq!(scrape.value("plain", &[]), 1500.0);
    assert_eq!(scrape.value("h_bucket", &[("le", "+Inf")]), f64::INFINITY);
}

#[tokio::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let app = spawn_app().await;
    // OPTIONS on a discovery resource answers 405: a series no other test makes.
    let labels = [
        ("route", "/scim/v2/Schemas/{id}"),
        ("method", "OPTIONS"),
        ("status", "405"),
    ];
    let before = scrape(&app).await;
    for n in 0..3 {
        let r = app
            .send(Method::OPTIONS, &format!("/Schemas/urn:x:{n}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let after = scrape(&app).await;
    assert_eq!(after.types[REQUESTS], "counter");
    assert_eq!(
        after.value(REQUESTS, &labels) - before.value(REQUESTS, &labels),
        3.0,
        "{after:#?}"
    );
    // The path's id is in no label: the route template is.
    assert!(
        after
            .samples
            .iter()
            .all(|s| s.labels.values().all(|v| !v.contains("urn:x:"))),
        "an id became a label"
    );

    // The histogram: cumulative buckets ending in +Inf, which equals the count.
    assert_eq!(after.types[DURATION], "histogram");
    let by_route = [("route", "/scim/v2/Schemas/{id}"), ("method", "OPTIONS")];
    let count = |s: &Scrape| s.value(&format!("{DURATION}_count"), &by_route);
    assert_eq!(count(&after) - count(&before), 3.0);
    let buckets = after.matching(&format!("{DURATION}_bucket"), &by_route);
    assert!(buckets.len() > 5, "{buckets:?}");
    let mut bounds: Vec<(f64, f64)> = buckets
        .iter()
        .map(|b| {
            let le = &b.labels["le"];
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            (bound, b.value)
        })
        .collect();
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(bounds.windows(2).all(|w| w[0].1 <= w[1].1), "{bounds:?}");
    assert_eq!(bounds.last().unwrap(), &(f64::INFINITY, count(&after)));
    assert!(after.value(&format!("{DURATION}_sum"), &by_route) > 0.0);
}

#[tokio::test]
async fn an_unmatched_path_is_counted_under_one_route_label() {
    let app = spawn_app().await;
    let unique = format!("/nowhere-{}", uuid::Uuid::new_v4());
    // TRACE on unrouted paths: no other test sends it.
    let labels = [
        ("route", "unmatched"),
        ("method", "TRACE"),
        ("status", "404"),
    ];
    let before = scrape(&app).await;
    for _ in 0..2 {
        let r = app
            .client
            .request(Method::TRACE, format!("{}{unique}", app.root()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let after = scrape(&app).await;
    assert_eq!(
        after.value(REQUESTS, &labels) - before.value(REQUESTS, &labels),
        2.0
    );
    let text = app
        .client
        .get(format!("{}/metrics", app.root()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(&unique), "the path became a label");
}

#[tokio::test]
async fn authentication_failures_are_counted_by_reason() {
    let app = spawn_app().await;
    let failures = "scimd_auth_failures_total";
    let before = scrape(&app).await;
    // Bytes that are no text: only this test sends them.
    let r = app
        .client
        .get(format!("{}/Users", app.base()))
        .header(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer t\xf6ken").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        let r = app
            .client
            .get(format!("{}/Users", app.base()))
            .bearer_auth("scimd_not-a-token-of-anyone")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .get(format!("{}/Groups", app.base()))
        .basic_auth("user", Some("pass"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let after = scrape(&app).await;
    let moved = |reason: &str| {
        after.value(failures, &[("reason", reason)]) - before.value(failures, &[("reason", reason)])
    };
    assert_eq!(moved("invalid_header"), 1.0);
    // Other tests refuse tokens too, at the same time: at least ours.
    assert!(moved("invalid_token") >= 2.0);
    assert!(moved("not_bearer") >= 1.0);
    // The token is never a label value.
    assert!(
        after
            .samples
            .iter()
            .all(|s| s.labels.values().all(|v| !v.contains("not-a-token")))
    );
}

#[tokio::test]
async fn a_rate_limited_request_is_counted() {
    let app = spawn_app_with(|s| s.api.rate_limit = RateLimit::new(1, 2)).await;
    let route = [
        ("route", "/scim/v2/ResourceTypes/{name}"),
        ("method", "GET"),
        ("status", "429"),
    ];
    let before = scrape(&app).await;
    let mut limited = 0;
    for _ in 0..4 {
        if app.get("/ResourceTypes/User").await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(limited >= 2, "{limited} of 4 limited");
    let after = scrape(&app).await;
    assert_eq!(
        after.value(REQUESTS, &route) - before.value(REQUESTS, &route),
        f64::from(limited)
    );
    let counter = "scimd_rate_limited_total";
    assert_eq!(after.types[counter], "counter");
    assert!(after.value(counter, &[]) - before.value(counter, &[]) >= f64::from(limited));
}

#[tokio::test]
async fn the_pools_and_the_build_are_reported() {
    let app = spawn_app().await;
    app.list_users("").await;
    let scrape = scrape(&app).await;
    let pools: Vec<&str> = scrape
        .matching("scimd_db_pool_max_connections", &[])
        .iter()
        .map(|s| s.labels["pool"].as_str())
        .collect();
    // PostgreSQL: one pool; SQLite in a file: a writer and readers.
    let expected: &[&str] = if app.db.is_postgres() {
        &["main"]
    } else {
        &["writer", "reader"]
    };
    for pool in expected {
        assert!(pools.contains(pool), "{pools:?}");
        for state in ["in_use", "idle"] {
            assert_eq!(
                scrape
                    .matching(
                        "scimd_db_pool_connections",
                        &[("pool", pool), ("state", state)]
                    )
                    .len(),
                1,
                "{pool} {state}"
            );
        }
    }
    assert_eq!(scrape.types["scimd_db_pool_connections"], "gauge");
    let build = scrape.matching(
        "scimd_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
    );
    assert_eq!(
        build.len(),
        1,
        "{:?}",
        scrape.matching("scimd_build_info", &[])
    );
    assert_eq!(build[0].value, 1.0);
    assert!(!build[0].labels["commit"].is_empty());
}

#[tokio::test]
async fn metrics_need_no_token() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/metrics", app.root()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_metrics_listener_serves_operations_only_and_stops_with_the_server() {
    let app = spawn_app_with(|s| s.metrics_listen = Some("127.0.0.1:0".to_owned())).await;
    let port = app.metrics_port.expect("a metrics port");
    assert_ne!(port, app.port);
    let ops = format!("http://127.0.0.1:{port}");
    let scrape = scrape_at(&app.client, &ops).await;
    assert!(!scrape.matching("scimd_build_info", &[]).is_empty());
    for path in ["/healthz", "/readyz"] {
        let r = app.client.get(format!("{ops}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    // No SCIM, no admin API, no documents there.
    for path in ["/scim/v2/Users", "/openapi.json", "/admin/v1/tenants"] {
        let r = app.client.get(format!("{ops}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The main listener still answers everything, /metrics included.
    json_ok(app.get("/Users").await).await;
    scrape_at(&app.client, &app.root()).await;

    drop(app);
    let started = std::time::Instant::now();
    while reqwest::Client::new()
        .get(format!("{ops}/healthz"))
        .send()
        .await
        .is_ok()
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the metrics listener outlived the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

//! Prometheus metrics: the process-wide recorder, the name of every series and the one function
//! that records each. Values are taken at the edges (the request middleware, the auth
//! extractor, the pool at scrape time), never by scanning tables when `/metrics` is read. Every
//! label has a small fixed set of values: no tenant, id or token ever becomes one. README.md
//! "Metrics" documents each series.
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Counter of finished requests; labels `route`, `method`, `status`.
pub const HTTP_REQUESTS: &str = "scimd_http_requests_total";
/// Histogram of request latency in seconds; labels `route`, `method`.
pub const HTTP_DURATION: &str = "scimd_http_request_duration_seconds";
/// Counter of refused credentials; label `reason` (see [`auth_failure`]).
pub const AUTH_FAILURES: &str = "scimd_auth_failures_total";
/// Counter of requests refused with 429 by the per-credential rate limit.
pub const RATE_LIMITED: &str = "scimd_rate_limited_total";
/// Gauge of database connections; labels `pool`, `state` (`in_use` or `idle`).
pub const DB_POOL_CONNECTIONS: &str = "scimd_db_pool_connections";
/// Gauge of the most connections a pool opens; label `pool`.
pub const DB_POOL_MAX: &str = "scimd_db_pool_max_connections";
/// Counter of webhook delivery attempts; label `outcome` (`delivered`, `failed`, `given_up`,
/// `gone`, `pruned`).
pub const WEBHOOK_ATTEMPTS: &str = "scimd_webhook_attempts_total";
/// Gauge of events not yet delivered, summed over every (enabled endpoint, tenant) pair.
pub const WEBHOOK_BACKLOG: &str = "scimd_webhook_backlog_events";
/// Gauge of the age in seconds of the oldest event not yet delivered (0 when none is).
pub const WEBHOOK_OLDEST: &str = "scimd_webhook_oldest_undelivered_seconds";
/// Gauge, always 1; labels `version`, `commit`.
pub const BUILD_INFO: &str = "scimd_build_info";

/// The `route` of a request that matched no route: one value for every such path, so a
/// scanner's guesses do not each become a series.
pub const UNMATCHED: &str = "unmatched";

/// The git commit the binary was built from, when the build provided one.
pub const GIT_COMMIT: &str = match option_env!("SCIMD_GIT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// Latency buckets in seconds: a SCIM read takes a millisecond or two, a /Bulk import seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are compacted when nobody scrapes, so they never grow unbounded.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. A process has one recorder however many
/// servers it runs (tests start many), so every server renders the same registry.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(install)
}

fn install() -> PrometheusHandle {
    let builder = PrometheusBuilder::new();
    let builder = match builder
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), LATENCY_BUCKETS)
    {
        Ok(builder) => builder,
        // Only an empty bucket list fails, and ours is not empty.
        Err(err) => {
            tracing::warn!(error = %err, "latency buckets refused; using a summary");
            PrometheusBuilder::new()
        }
    };
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if let Err(err) = metrics::set_global_recorder(recorder) {
        tracing::warn!(error = %err, "another metrics recorder is installed; /metrics stays empty");
    }
    describe();
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("scimd-metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(error = %err, "metrics upkeep thread not started; scrapes still compact");
    }
    handle
}

fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method and status"
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by route template and method"
    );
    metrics::describe_counter!(
        AUTH_FAILURES,
        "Requests whose credential was refused, by reason"
    );
    metrics::describe_counter!(
        RATE_LIMITED,
        "Requests refused with 429 by the per-credential rate limit"
    );
    metrics::describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Open database connections, by pool and state (in_use, idle)"
    );
    metrics::describe_gauge!(DB_POOL_MAX, "The most connections a database pool opens");
    metrics::describe_counter!(
        WEBHOOK_ATTEMPTS,
        "Webhook delivery attempts, by outcome (delivered, failed, given_up, gone, pruned)"
    );
    metrics::describe_gauge!(
        WEBHOOK_BACKLOG,
        "Events not yet delivered to webhook endpoints, over every endpoint and tenant"
    );
    metrics::describe_gauge!(
        WEBHOOK_OLDEST,
        Unit::Seconds,
        "Age of the oldest event not yet delivered to a webhook endpoint"
    );
    metrics::describe_gauge!(
        BUILD_INFO,
        "Always 1; the labels name the version and git commit"
    );
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "commit" => GIT_COMMIT)
        .set(1.0);
    // Present (as 0) before the first 429, so a rate() over it is defined from the start.
    metrics::counter!(RATE_LIMITED).absolute(0);
}

/// One finished request: `route` is the matched template (`/scim/v2/Users/{id}`) or
/// [`UNMATCHED`].
pub fn request(route: &str, method: &str, status: u16, latency: Duration) {
    handle();
    let route = route.to_owned();
    let method = method_label(method);
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route, "method" => method)
        .record(latency.as_secs_f64());
}

/// A refused credential; `reason` is one of the fixed labels the auth path names.
pub fn auth_failure(reason: &'static str) {
    handle();
    metrics::counter!(AUTH_FAILURES, "reason" => reason).increment(1);
}

/// A request refused by the rate limit.
pub fn rate_limited() {
    handle();
    metrics::counter!(RATE_LIMITED).increment(1);
}

/// One webhook delivery attempt's outcome.
pub fn webhook_attempt(outcome: &'static str) {
    handle();
    metrics::counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
}

/// The delivery worker's measure of what is still to send.
pub fn webhook_backlog(events: i64, oldest_seconds: f64) {
    handle();
    metrics::gauge!(WEBHOOK_BACKLOG).set(events as f64);
    metrics::gauge!(WEBHOOK_OLDEST).set(oldest_seconds);
}

/// A connection pool's state, read when `/metrics` is scraped.
pub fn pool(name: &'static str, in_use: u32, idle: u32, max: u32) {
    handle();
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => name, "state" => "in_use").set(in_use);
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => name, "state" => "idle").set(idle);
    metrics::gauge!(DB_POOL_MAX, "pool" => name).set(max);
}

/// The request method as a label: the methods HTTP defines, and `other` for anything a client
/// makes up.
fn method_label(method: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("BREW"), "other");
        assert_eq!(method_label("get"), "other");
    }

    #[test]
    fn a_request_is_rendered_with_its_labels_and_buckets() {
        request("/test/{unit}", "BREW", 599, Duration::from_millis(3));
        let text = handle().render();
        assert!(
            text.contains(
                r#"scimd_http_requests_total{route="/test/{unit}",method="other",status="599"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"scimd_http_request_duration_seconds_bucket{route="/test/{unit}",method="other",le="0.005"} 1"#),
            "{text}"
        );
        assert!(text.contains("scimd_build_info{"), "{text}");
    }
}

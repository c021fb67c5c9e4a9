//! `GET /metrics`: the Prometheus text exposition format (telemetry::metrics names every
//! series). No authentication (shared/CONTRACT.md): serve it on `SCIMD_METRICS_LISTEN` to keep
//! it off the public listener.
use actix_web::{HttpResponse, web};

use super::AppState;
use crate::telemetry::metrics;

/// The text format's content type (Prometheus exposition format 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus metrics: requests, latency, auth failures, 429s, database pools, build.
///
/// The text exposition format, version 0.0.4. README.md "Metrics" lists every series with its
/// type and labels; no label holds a tenant, an id or a token.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Health",
    operation_id = "metrics",
    responses((status = 200, description = "Prometheus text format, version 0.0.4",
        body = String, content_type = "text/plain; version=0.0.4"))
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // The pools are read now, from the pool's own counters: no query runs for a scrape.
    for pool in state.store.pools() {
        metrics::pool(pool.name, pool.in_use, pool.idle, pool.max);
    }
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(metrics::handle().render())
}

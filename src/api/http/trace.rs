//! The root span of every request — method, route, request id, and the tenant and credential
//! (recorded by the auth extractor) — and [`observe`], the middleware inside it that writes
//! the request's one log line, counts it in the metrics and answers its `X-Request-Id`.
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::http::{Version, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{RootSpan, RootSpanBuilder};

use super::forwarded::Origin;
use super::request_id::{self, RequestId};
use crate::api::http::redact;
use crate::telemetry::metrics;

/// The `target` of the one line each request logs when it ends.
pub const REQUEST_TARGET: &str = "scimd::request";

/// The longest resource id a log line repeats; a longer `{id}` is cut.
const MAX_LOGGED_ID: usize = 128;

pub struct ScimdRootSpan;

impl RootSpanBuilder for ScimdRootSpan {
    /// The fields of `tracing_actix_web::root_span!`, whose `http.target` would log a
    /// credential a client put in the query string; ours goes through `redact::target`.
    fn on_request_start(request: &ServiceRequest) -> Span {
        let user_agent = request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let route = route(request);
        let method = request.method().as_str();
        // Not `connection_info()`, which believes forwarding headers from anyone.
        let origin = Origin::of(request.request());
        let client_ip = origin
            .client_ip
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let request_id = RequestId::from_headers(request.headers());
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = %flavor(request.version()),
            http.scheme = %origin.scheme,
            http.host = %origin.host,
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.target = %redact::target(request.uri()),
            http.status_code = Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = %request_id,
            tenant = Empty,
            credential = Empty,
            resource_id = Empty,
        );
        request.extensions_mut().insert(request_id);
        span
    }

    /// The OpenTelemetry status fields. Not `DefaultRootSpanBuilder`'s, which also records the
    /// error's `Debug` form: [`observe`] has logged the request, with its error's message.
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(err) => err.as_response_error().status_code(),
        };
        span.record("http.status_code", status.as_u16());
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
    }
}

/// Middleware inside the root span: one log line per request (target [`REQUEST_TARGET`],
/// "request completed", or "request failed" for a 5xx) with its status, latency and error
/// message, the resource id on the span, the request's metrics, and `X-Request-Id` on the
/// answer.
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let route = route(&req);
    let method = req.method().clone();
    let request_id = req.extensions().get::<RequestId>().cloned();
    let outcome = next.call(req).await;
    let latency = started.elapsed();
    // An inner middleware's error has no request left to answer with (actix makes the
    // response from it later): it is logged and counted all the same.
    let (status, error) = match &outcome {
        Ok(response) => (
            response.status().as_u16(),
            response
                .response()
                .error()
                .map(|e| e.as_response_error().to_string()),
        ),
        Err(err) => (
            err.as_response_error().status_code().as_u16(),
            Some(err.as_response_error().to_string()),
        ),
    };
    if let Ok(response) = &outcome
        && let Some(span) = response.request().extensions().get::<RootSpan>()
        && let Some(id) = response.request().match_info().get("id")
    {
        span.record("resource_id", loggable(id).as_str());
    }
    let latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3;
    let error = error.as_deref();
    // A target of its own, not the module path: log readers (conformance-tests'
    // summarize.py, operators' filters) select request lines by it, and it must not move when
    // the code does.
    if status >= 500 {
        tracing::error!(target: REQUEST_TARGET, status, latency_ms, error, "request failed");
    } else {
        tracing::info!(target: REQUEST_TARGET, status, latency_ms, error, "request completed");
    }
    metrics::request(&route, method.as_str(), status, latency);
    let mut response = outcome?;
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(id.as_str()).ok()) {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    Ok(response)
}

/// The route template the request matches, or `unmatched`: never the path itself, which would
/// put ids into the span name and the metrics' labels.
fn route(request: &ServiceRequest) -> String {
    request
        .match_pattern()
        .unwrap_or_else(|| metrics::UNMATCHED.to_owned())
}

/// A path segment as a log field: control characters escaped, at most [`MAX_LOGGED_ID`]
/// characters.
fn loggable(id: &str) -> String {
    let cut: String = id.chars().take(MAX_LOGGED_ID).collect();
    if cut.chars().any(char::is_control) {
        cut.escape_debug().to_string()
    } else {
        cut
    }
}

/// `1.1`, `2.0`: the HTTP version as `http.flavor` names it.
fn flavor(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2.0",
        Version::HTTP_3 => "3.0",
        _ => "1.1",
    }
}

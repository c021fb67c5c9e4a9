//! The root span of every request: method, route, request id, status and the tenant (recorded
//! by the auth extractor), with one log line when the request ends.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Version, header};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use crate::api::http::redact;

/// The `target` of the one line each request logs when it ends.
pub const REQUEST_TARGET: &str = "scimd::request";

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
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        let method = request.method().as_str();
        let connection = request.connection_info();
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = %flavor(request.version()),
            http.scheme = %connection.scheme(),
            http.host = %connection.host(),
            http.client_ip = %connection.realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.target = %redact::target(request.uri()),
            http.status_code = Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = request_id.map(tracing::field::display),
            exception.message = Empty,
            exception.details = Empty,
            tenant = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.response().status().as_u16(),
            Err(err) => err.as_response_error().status_code().as_u16(),
        };
        span.in_scope(|| {
            // A target of its own, not the module path: log readers (conformance-tests'
            // summarize.py, operators' filters) select request lines by it, and it must not
            // move when the code does.
            if status >= 500 {
                tracing::error!(target: REQUEST_TARGET, status, "request failed");
            } else {
                tracing::info!(target: REQUEST_TARGET, status, "request completed");
            }
        });
        DefaultRootSpanBuilder::on_request_end(span, outcome);
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

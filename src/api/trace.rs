//! The root span of every request: method, route, request id, status and the tenant (recorded
//! by the auth extractor), with one log line when the request ends.
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub struct ScimdRootSpan;

impl RootSpanBuilder for ScimdRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(request, tenant = tracing::field::Empty)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.response().status().as_u16(),
            Err(err) => err.as_response_error().status_code().as_u16(),
        };
        span.in_scope(|| {
            if status >= 500 {
                tracing::error!(status, "request failed");
            } else {
                tracing::info!(status, "request completed");
            }
        });
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

//! The only `ResponseError`: every error leaves as a SCIM error body (RFC 7644 §3.12), including
//! the ones actix raises itself (malformed JSON, oversized body, bad query, unknown route).
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::api::http::respond::SCIM_JSON;
use crate::scim::ScimError;

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, SCIM_JSON));
        if self.status == 401 {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"scimd\""));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        let body = serde_json::to_vec(self).unwrap_or_default();
        response.body(body)
    }
}

/// `JsonConfig::error_handler`: malformed JSON → 400 invalidSyntax, too large → 413,
/// wrong content type → 415.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let scim = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => ScimError::payload_too_large(
            format!("the request body is {length} bytes; the limit is {limit} bytes"),
        ),
        JsonPayloadError::Overflow { limit } => {
            ScimError::payload_too_large(format!("the request body exceeds {limit} bytes"))
        }
        JsonPayloadError::ContentType => ScimError::unsupported_media_type(
            "send the body as application/scim+json or application/json",
        ),
        JsonPayloadError::Deserialize(e) => {
            ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
        }
        JsonPayloadError::Serialize(_) => ScimError::internal(),
        _ => ScimError::invalid_syntax(format!("the request body could not be read: {err}")),
    };
    scim.into()
}

/// `QueryConfig::error_handler`.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ScimError::invalid_value(format!("the query string could not be parsed: {err}")).into()
}

/// `PathConfig::error_handler`.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ScimError::not_found(format!("no such resource: {err}")).into()
}

/// The app's default service: unknown routes are SCIM 404s.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ScimError> {
    Err(ScimError::not_found(format!(
        "no endpoint {} {}; SCIM endpoints live under /scim/v2",
        req.method(),
        req.path()
    )))
}

/// The default service of each resource: methods it does not serve are SCIM 405s.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ScimError> {
    Err(ScimError::method_not_allowed(
        req.method().as_str(),
        req.path(),
    ))
}

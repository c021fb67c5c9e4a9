//! `X-Request-Id`: every response carries one, and so does the request's span. A client's own
//! id (a proxy's, an IdP's) is kept when it is [valid](RequestId::accepts), so its logs and
//! scimd's name the same request; otherwise scimd makes a UUID.
use std::fmt;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, HeaderName};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{Ready, ready};

/// The request and response header.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id that is kept.
pub const MAX_LEN: usize = 128;

/// The id of one request; handlers can take it as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The incoming `X-Request-Id` when it is valid, else a new UUID.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        headers
            .get(&HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| Self::accepts(v))
            .map(|v| Self(v.to_owned()))
            .unwrap_or_else(Self::generate)
    }

    fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// 1 to [`MAX_LEN`] visible ASCII characters (`!` to `~`): nothing that could split a log
    /// line, hide in it or grow it without bound.
    pub fn accepts(id: &str) -> bool {
        (1..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The id the request span was opened with (`trace`), or one from the headers when the
    /// span middleware is not in front (a test's bare `App`).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| Self::from_headers(req.headers()));
        ready(Ok(id))
    }
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn visible_ascii_up_to_128_is_accepted() {
        assert!(RequestId::accepts("abc-123_XYZ.~!"));
        assert!(RequestId::accepts(&"a".repeat(128)));
        for refused in ["", "has space", "tab\t", "new\nline", "é", &"a".repeat(129)] {
            assert!(!RequestId::accepts(refused), "{refused:?}");
        }
    }
}

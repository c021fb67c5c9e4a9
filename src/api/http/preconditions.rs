//! Conditional requests (RFC 7644 §3.14, RFC 9110 §13): `If-Match` on PUT, PATCH and DELETE,
//! `If-None-Match` on GET, against the weak ETag `W/"<version>"`.
use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::scim::ScimError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// The version `If-Match` requires; `None` when absent or `*`. A tag that names no
    /// version scimd issues can never match, so it becomes an impossible version.
    pub if_match: Option<i64>,
    /// The raw `If-None-Match` tags.
    pub if_none_match: Vec<String>,
}

impl Preconditions {
    pub fn of(req: &HttpRequest) -> Self {
        let text = |name| {
            req.headers()
                .get_all(name)
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        };
        let if_match = text(header::IF_MATCH);
        let if_match = match if_match.as_slice() {
            [] => None,
            tags if tags.iter().any(|t| t == "*") => None,
            [tag, ..] => Some(version(tag).unwrap_or(-1)),
        };
        Self {
            if_match,
            if_none_match: text(header::IF_NONE_MATCH),
        }
    }

    /// True when `If-None-Match` names `etag` (weak comparison) or is `*`.
    pub fn not_modified(&self, etag: &str) -> bool {
        let bare = |t: &str| t.trim_start_matches("W/").to_owned();
        self.if_none_match
            .iter()
            .any(|t| t == "*" || bare(t) == bare(etag))
    }
}

/// `W/"3"` or `"3"` → 3.
fn version(tag: &str) -> Option<i64> {
    tag.trim_start_matches("W/").trim_matches('"').parse().ok()
}

impl FromRequest for Preconditions {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_match_reads_weak_and_strong_tags_and_star() {
        let pre = |v: &str| {
            Preconditions::of(
                &TestRequest::default()
                    .insert_header((header::IF_MATCH, v))
                    .to_http_request(),
            )
        };
        assert_eq!(pre("W/\"3\"").if_match, Some(3));
        assert_eq!(pre("\"4\"").if_match, Some(4));
        assert_eq!(pre("*").if_match, None);
        assert_eq!(pre("W/\"garbage\"").if_match, Some(-1));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let req = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"7\", W/\"8\""))
            .to_http_request();
        let pre = Preconditions::of(&req);
        assert!(pre.not_modified("W/\"7\""));
        assert!(pre.not_modified("W/\"8\""));
        assert!(!pre.not_modified("W/\"9\""));
    }
}

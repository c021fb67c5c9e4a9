//! The one SCIM error type (RFC 7644 §3.12): every failure a client sees is one of these.
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

/// URN of the error message schema.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// `scimType` values of RFC 7644 §3.12, Table 9, and RFC 9865 §3's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
    /// RFC 9865 §3: a cursor this server did not issue, or cannot resume.
    InvalidCursor,
    /// RFC 9865 §3: `count` above the advertised maximum page size.
    InvalidCount,
}

/// An HTTP status, an optional `scimType` and a detail a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
    /// Whole seconds after which the client may retry (the `Retry-After` header, RFC 9110
    /// §10.2.3); not part of the body.
    pub retry_after: Option<u64>,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }

    fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    pub fn invalid_cursor(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidCursor, detail)
    }

    pub fn invalid_count(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidCount, detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::TooMany, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    pub fn resource_not_found(resource_type: &str, id: &str) -> Self {
        Self::not_found(format!("{resource_type} {id} not found"))
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(405, None, format!("{method} is not supported on {path}"))
    }

    /// 409 `uniqueness`: `attribute` names what collided, `value` what the client sent.
    pub fn uniqueness(attribute: &str) -> Self {
        Self::new(
            409,
            Some(ScimType::Uniqueness),
            format!("{attribute} is already taken by another resource of this tenant"),
        )
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, None, detail)
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, None, detail)
    }

    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(413, None, detail)
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(415, None, detail)
    }

    /// A 500 that tells the client nothing about the cause; the cause goes to the log.
    pub fn internal() -> Self {
        Self::new(
            500,
            None,
            "internal server error; the server log has the cause",
        )
    }

    /// 429: RFC 7644 §3.12 defines no `scimType` for it; `retry_after_secs` becomes
    /// `Retry-After`.
    pub fn too_many_requests(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(429, None, detail)
        }
    }

    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::new(501, None, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(503, None, detail)
    }
}

/// RFC 7644 §3.12 error. Every failure, including 401, 404, 405, 413, 415 and 500, has this
/// body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Error, examples(json!({
    "schemas": [ERROR_URN],
    "status": "409",
    "scimType": "uniqueness",
    "detail": "userName is already taken by another resource of this tenant"
})))]
pub struct ErrorBody {
    /// The Error message URN.
    #[schema(schema_with = error_urns)]
    pub schemas: [&'static str; 1],
    /// The HTTP status code, as a string.
    #[schema(pattern = "^[1-5][0-9][0-9]$", examples("404"))]
    pub status: String,
    /// The RFC 7644 §3.12 error type, for the 400s (and `uniqueness` on 409) that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub scim_type: Option<ScimType>,
    /// What went wrong, in words a person can act on.
    pub detail: String,
}

fn error_urns() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([ERROR_URN])),
        )
        .min_items(Some(1))
}

impl From<&ScimError> for ErrorBody {
    fn from(err: &ScimError) -> Self {
        Self {
            schemas: [ERROR_URN],
            status: err.status.to_string(),
            scim_type: err.scim_type,
            detail: err.detail.clone(),
        }
    }
}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorBody::from(self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_status_as_string_and_scim_type_in_camel_case() {
        let body = serde_json::to_value(ScimError::uniqueness("userName")).unwrap();
        assert_eq!(
            body,
            json!({
                "schemas": [ERROR_URN],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName is already taken by another resource of this tenant",
            })
        );
    }

    #[test]
    fn too_many_requests_keeps_retry_after_out_of_the_body() {
        let err = ScimError::too_many_requests("slow down", 3);
        assert_eq!(err.retry_after, Some(3));
        let body = serde_json::to_value(&err).unwrap();
        assert_eq!(
            body,
            json!({"schemas": [ERROR_URN], "status": "429", "detail": "slow down"})
        );
    }

    #[test]
    fn omits_scim_type_when_none() {
        let body = serde_json::to_value(ScimError::not_found("x")).unwrap();
        assert!(body.get("scimType").is_none());
        assert_eq!(body["status"], "404");
    }
}

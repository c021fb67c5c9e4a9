//! The parameters of a list request (RFC 7644 §3.4.2) as the client sent them: from a query
//! string, or from a SearchRequest body (RFC 7644 §3.4.3), before any checking.
use serde_json::Value;

use crate::scim::ScimError;
use crate::scim::message;

pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The parameters as the client sent them, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    /// `Some("")` asks for the first page of a cursor walk.
    pub cursor: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl Params {
    /// From query pairs; names compare case-insensitively and unknown ones are ignored.
    pub fn from_query(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        Self {
            filter: get("filter"),
            sort_by: get("sortBy"),
            sort_order: get("sortOrder"),
            start_index: get("startIndex"),
            count: get("count"),
            cursor: get("cursor"),
            attributes: get("attributes"),
            excluded_attributes: get("excludedAttributes"),
        }
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3): `attributes` may be an array or a
    /// comma-separated string; numbers may be numbers or strings.
    pub fn from_body(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax(
                "a SearchRequest must be a JSON object",
            ));
        };
        let get = |name: &str| message::member(map, name).filter(|v| !v.is_null());
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_owned).ok_or_else(|| {
                            ScimError::invalid_value(format!("`{name}` must list strings"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| Some(v.join(","))),
                Some(other) => Err(ScimError::invalid_value(format!(
                    "`{name}` must be a string, got {other}"
                ))),
            }
        };
        Ok(Self {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            cursor: text("cursor")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_request_bodies_accept_arrays_and_numbers() {
        let body = serde_json::json!({
            "schemas": [SEARCH_REQUEST_URN],
            "attributes": ["userName", "name.givenName"],
            "filter": "userName sw \"b\"",
            "startIndex": 1,
            "count": "10"
        });
        let p = Params::from_body(&body).unwrap();
        assert_eq!(p.attributes.as_deref(), Some("userName,name.givenName"));
        assert_eq!(p.start_index.as_deref(), Some("1"));
        assert_eq!(p.count.as_deref(), Some("10"));
        assert!(Params::from_body(&serde_json::json!({"count": {}})).is_err());
    }
}

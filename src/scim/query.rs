//! A list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors) as the store runs it:
//! the parameters read from a query string or a SearchRequest body, checked and resolved.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::ScimError;
use super::filter::{self, AttrPath, Resolved};
use super::filter::{SortKey, resolve_sort};
use super::list::Page;
use super::message;
use super::projection::Projection;
use super::schema::ResourceType;
use super::validate::Leniency;

pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Longest filter accepted; longer ones are a client bug or an attack.
pub const MAX_FILTER_LEN: usize = 8 * 1024;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub key: SortKey,
    pub order: SortOrder,
}

/// Where a cursor walk resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// After this row of the default (created, id) order: a keyset seek.
    After { created: DateTime<Utc>, id: String },
    /// After this many rows of a `sortBy` order.
    Offset(u64),
}

impl Cursor {
    /// Opaque to clients; URL-safe.
    pub fn encode(&self) -> String {
        let text = match self {
            Self::After { created, id } => format!("k:{}:{id}", created.timestamp_micros()),
            Self::Offset(n) => format!("o:{n}"),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    pub fn decode(text: &str) -> Result<Self, ScimError> {
        let invalid =
            || ScimError::invalid_cursor(format!("cursor {text:?} was not issued by this server"));
        let raw = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        if let Some(n) = raw.strip_prefix("o:") {
            return n.parse().map(Self::Offset).map_err(|_| invalid());
        }
        let rest = raw.strip_prefix("k:").ok_or_else(invalid)?;
        let (micros, id) = rest.split_once(':').ok_or_else(invalid)?;
        let created = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid)?;
        // Ids are UUIDs; anything else (a NUL would make PostgreSQL fail) is a forgery.
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(invalid());
        }
        Ok(Self::After {
            created,
            id: id.to_owned(),
        })
    }
}

/// Which rows: a 1-based index window, or a cursor walk.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    Index(Page),
    Cursor { after: Option<Cursor>, count: u64 },
}

impl Window {
    pub fn count(&self) -> u64 {
        match self {
            Self::Index(page) => page.count,
            Self::Cursor { count, .. } => *count,
        }
    }
}

/// A checked request for one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Resolved>,
    pub sort: Option<Sort>,
    pub window: Window,
}

/// Parses the filter text; grammar errors are 400 `invalidFilter` saying where.
pub fn parse_filter(text: &str, leniency: Leniency) -> Result<filter::Filter, ScimError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(ScimError::invalid_filter(format!(
            "the filter is {} bytes long; the limit is {MAX_FILTER_LEN}",
            text.len()
        )));
    }
    Ok(filter::parse_filter(text, leniency)?)
}

/// The sort key of `sortBy` for `rt`.
pub fn sort(
    rt: &ResourceType,
    params: &Params,
    leniency: Leniency,
) -> Result<Option<Sort>, ScimError> {
    let Some(sort_by) = params
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let path = sort_path(sort_by, leniency)?;
    Ok(Some(Sort {
        key: resolve_sort(rt, &path)?,
        order: sort_order(params)?,
    }))
}

/// `sortBy` is an attribute path: the filter grammar's, so `name.familyName` and URN forms
/// work the same way.
pub fn sort_path(sort_by: &str, leniency: Leniency) -> Result<AttrPath, ScimError> {
    let invalid = || {
        ScimError::invalid_value(format!(
            "`sortBy` must be an attribute path, got {sort_by:?}"
        ))
    };
    match filter::parse_filter(&format!("{sort_by} pr"), leniency) {
        Ok(filter::Filter::Present(path)) => Ok(path),
        _ => Err(invalid()),
    }
}

pub fn sort_order(params: &Params) -> Result<SortOrder, ScimError> {
    match params.sort_order.as_deref().map(str::trim) {
        None | Some("") => Ok(SortOrder::Ascending),
        Some(o) if o.eq_ignore_ascii_case("ascending") => Ok(SortOrder::Ascending),
        Some(o) if o.eq_ignore_ascii_case("descending") => Ok(SortOrder::Descending),
        Some(o) => Err(ScimError::invalid_value(format!(
            "`sortOrder` must be \"ascending\" or \"descending\", got {o:?}"
        ))),
    }
}

/// The paging window: `startIndex`/`count` (RFC 7644 §3.4.2.4), or `cursor`/`count`
/// (RFC 9865). Both at once is a contradiction the client must resolve.
pub fn window(params: &Params, max_results: u64) -> Result<Window, ScimError> {
    let count = integer(params.count.as_deref(), "count")?;
    let start = integer(params.start_index.as_deref(), "startIndex")?;
    match &params.cursor {
        None => Ok(Window::Index(Page::new(start, count, max_results))),
        Some(_) if start.is_some() => Err(ScimError::invalid_value(
            "`cursor` and `startIndex` cannot be used together; choose one way of paging",
        )),
        Some(cursor) => {
            let count = match count {
                Some(c) if c < 0 => 0,
                Some(c) if c as u64 > max_results => {
                    return Err(ScimError::invalid_count(format!(
                        "`count` {c} exceeds the maximum page size {max_results}"
                    )));
                }
                Some(c) => c as u64,
                None => max_results,
            };
            let after = (!cursor.trim().is_empty())
                .then(|| Cursor::decode(cursor))
                .transpose()?;
            Ok(Window::Cursor { after, count })
        }
    }
}

fn integer(value: Option<&str>, name: &str) -> Result<Option<i64>, ScimError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ScimError::invalid_value(format!("`{name}` must be an integer, got {v:?}"))
            })
        })
        .transpose()
}

/// Everything a list needs for one resource type.
pub fn plan(
    rt: &ResourceType,
    params: &Params,
    leniency: Leniency,
    max_results: u64,
) -> Result<(ListQuery, Projection), ScimError> {
    let filter = match params
        .filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(text) => Some(filter::resolve(
            rt,
            &parse_filter(text, leniency)?,
            leniency,
        )?),
        None => None,
    };
    let sort = sort(rt, params, leniency)?;
    let window = window(params, max_results)?;
    let projection = Projection::parse(
        rt,
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    Ok((
        ListQuery {
            filter,
            sort,
            window,
        },
        projection,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let c = Cursor::After {
            created: at,
            id: "0b9d1f3e-6f59-4e8b-9a0c-2f4f7b1c5d11".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert_eq!(
            Cursor::decode(&Cursor::Offset(7).encode()).unwrap(),
            Cursor::Offset(7)
        );
        for bad in [
            "",
            "!!!",
            "eDox",
            &URL_SAFE_NO_PAD.encode("k:abc:x"),
            &URL_SAFE_NO_PAD.encode("k:1700000000000000:a\0b"),
            &URL_SAFE_NO_PAD.encode("k:1700000000000000:a' OR '1'='1"),
        ] {
            let err = Cursor::decode(bad).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
        }
    }

    #[test]
    fn cursor_and_start_index_conflict_and_count_is_capped() {
        let p = Params {
            cursor: Some(String::new()),
            start_index: Some("1".into()),
            ..Params::default()
        };
        assert!(window(&p, 100).is_err());
        let p = Params {
            cursor: Some(String::new()),
            count: Some("101".into()),
            ..Params::default()
        };
        assert!(window(&p, 100).is_err());
        let p = Params {
            cursor: Some(String::new()),
            count: Some("5".into()),
            ..Params::default()
        };
        assert_eq!(
            window(&p, 100).unwrap(),
            Window::Cursor {
                after: None,
                count: 5
            }
        );
    }

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

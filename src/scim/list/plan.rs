//! A list request for one resource type as the store runs it (RFC 7644 §3.4.2, RFC 9865):
//! the parameters checked, the filter and `sortBy` resolved against the schema, the paging
//! window chosen, and the projection the response applies.
use super::cursor::Cursor;
use super::params::Params;
use super::response::Page;
use crate::scim::ScimError;
use crate::scim::filter::{self, AttrPath, Resolved, SortKey, resolve_sort};
use crate::scim::projection::Projection;
use crate::scim::schema::ResourceType;
use crate::scim::validate::Leniency;

/// Longest filter accepted; longer ones are a client bug or an attack.
pub const MAX_FILTER_LEN: usize = 8 * 1024;

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
    let Some(sort_by) = given(params.sort_by.as_deref()) else {
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

/// A parameter's value, unless it is absent or blank (which clients send for "not given").
pub(super) fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn integer(value: Option<&str>, name: &str) -> Result<Option<i64>, ScimError> {
    given(value)
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
    let filter = match given(params.filter.as_deref()) {
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
}

//! `startIndex`/`count` pages and the ListResponse bodies (RFC 7644 §3.4.2, §3.4.2.4; RFC 9865
//! §2.2 for cursor pages).
use serde_json::{Value, json};

use crate::scim::schema::LIST_RESPONSE_URN;

/// A 1-based window over a result set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start_index: u64,
    pub count: u64,
}

impl Page {
    /// RFC 7644 §3.4.2.4: `startIndex` below 1 means 1, a negative `count` means 0, and
    /// `count` never exceeds the server's `maxResults`; without `count` a page is `maxResults`.
    pub fn new(start_index: Option<i64>, count: Option<i64>, max_results: u64) -> Self {
        let start_index = start_index.filter(|s| *s >= 1).map_or(1, |s| s as u64);
        let count = count.map_or(max_results, |c| (c.max(0) as u64).min(max_results));
        Self { start_index, count }
    }

    /// Rows to skip in the stable order.
    pub fn offset(&self) -> u64 {
        self.start_index - 1
    }
}

/// `urn:…:ListResponse` with `totalResults`, `startIndex`, `itemsPerPage` and `Resources`.
pub fn list_response(total_results: u64, start_index: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": total_results,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// A cursor page (RFC 9865 §2.2): no `startIndex`; `nextCursor` while more remain.
pub fn cursor_response(total_results: u64, resources: Vec<Value>, next: Option<String>) -> Value {
    let mut body = json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": total_results,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    if let Some(next) = next {
        body["nextCursor"] = Value::String(next);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_index_below_one_is_one_and_negative_count_is_zero() {
        assert_eq!(
            Page::new(Some(0), Some(-5), 100),
            Page {
                start_index: 1,
                count: 0
            }
        );
        assert_eq!(
            Page::new(Some(-3), None, 100),
            Page {
                start_index: 1,
                count: 100
            }
        );
    }

    #[test]
    fn count_is_capped_by_max_results() {
        assert_eq!(
            Page::new(Some(11), Some(5000), 1000),
            Page {
                start_index: 11,
                count: 1000
            }
        );
        assert_eq!(Page::new(Some(11), Some(5), 1000).offset(), 10);
    }

    #[test]
    fn list_response_counts_items_on_the_page() {
        let r = list_response(12, 11, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(r["totalResults"], 12);
        assert_eq!(r["itemsPerPage"], 2);
        assert_eq!(r["startIndex"], 11);
        assert_eq!(r["schemas"][0], LIST_RESPONSE_URN);
    }
}

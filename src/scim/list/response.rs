//! `startIndex`/`count` pages and the ListResponse bodies (RFC 7644 §3.4.2, §3.4.2.4; RFC 9865
//! §2.2 for cursor pages).
use serde::Serialize;

use super::cursor::Cursor;
use super::plan::Window;
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

/// `urn:…:ListResponse` (RFC 7644 §3.4.2): an index page carries `startIndex`, a cursor page
/// (RFC 9865 §2.2) carries `nextCursor` while more results remain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub schemas: [&'static str; 1],
    pub total_results: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    pub items_per_page: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// An index page starting at `start_index`.
    pub fn index(total_results: u64, start_index: u64, resources: Vec<T>) -> Self {
        Self::new(total_results, Some(start_index), resources, None)
    }

    /// The page `window` asked for; `next` is where a cursor walk goes on.
    pub fn page(
        window: &Window,
        total_results: u64,
        resources: Vec<T>,
        next: Option<Cursor>,
    ) -> Self {
        match window {
            Window::Index(page) => Self::index(total_results, page.start_index, resources),
            Window::Cursor { .. } => {
                Self::new(total_results, None, resources, next.map(|c| c.encode()))
            }
        }
    }

    fn new(
        total_results: u64,
        start_index: Option<u64>,
        resources: Vec<T>,
        next_cursor: Option<String>,
    ) -> Self {
        Self {
            schemas: [LIST_RESPONSE_URN],
            total_results,
            start_index,
            items_per_page: resources.len(),
            next_cursor,
            resources,
        }
    }
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
        let r = serde_json::to_value(ListResponse::index(12, 11, vec!["a", "b"])).unwrap();
        assert_eq!(r["totalResults"], 12);
        assert_eq!(r["itemsPerPage"], 2);
        assert_eq!(r["startIndex"], 11);
        assert_eq!(r["schemas"][0], LIST_RESPONSE_URN);
    }
}

//! Listing and searching resources (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors): from the
//! request's parameters to the store's query, and back to a ListResponse.

// The parameters as sent, from a query string or a SearchRequest body.
pub mod params;
// RFC 9865 cursors: encode and decode where a walk resumes.
pub mod cursor;
// Checked parameters for one resource type: resolved filter and sort, window, projection.
pub mod plan;
// `POST /.search` at the service root: one plan over every resource type.
pub mod root;
// `startIndex`/`count` pages and the ListResponse bodies.
pub mod response;

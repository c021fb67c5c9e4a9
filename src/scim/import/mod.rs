//! What `scimd import` makes of a file, without reading it or touching the database: a CSV
//! header as attribute paths and a row as the resource it describes (`columns`); the
//! resource type of a JSON resource, the resources of a ListResponse, and what a resource
//! makes of a stored one (`records`).
//! Matching rows to stored resources and writing them is `commands::import`'s.
mod columns;
mod records;

pub use columns::{Column, ColumnError, Header};
pub use records::{kind_of, list_response, merge};

//! Pure RFC 7643/7644 logic: schema registry, validation and IdP leniency, resource
//! representation, list paging, discovery documents and the rows of an import. Nothing here
//! touches HTTP or SQL, so every rule is unit-tested on its own.

pub mod bulk;
pub mod discovery;
pub mod error;
pub mod etag;
pub mod event;
pub mod filter;
pub mod id;
pub mod import;
pub mod list;
pub mod message;
pub mod patch;
pub mod path;
pub mod projection;
pub mod resource;
pub mod schema;
pub mod search_document;
pub mod validate;

pub use error::{ScimError, ScimType};

//! Schemas of the discovery documents (RFC 7643 §5 ServiceProviderConfig with RFC 9865 §4
//! `pagination`, §6 ResourceType, §7 Schema), derived from the types `scim::discovery`
//! serves.
use utoipa::openapi::schema::Components;

use super::types::add_typed;
use crate::scim::discovery::{ResourceTypeDocument, SchemaDocument, ServiceProviderConfig};

pub fn add_schemas(components: &mut Components) {
    add_typed::<ServiceProviderConfig>(components);
    add_typed::<ResourceTypeDocument>(components);
    add_typed::<SchemaDocument>(components);
}

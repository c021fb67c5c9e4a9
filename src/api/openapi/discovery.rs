//! Schemas of the discovery documents (RFC 7643 §5 ServiceProviderConfig with RFC 9865 §4
//! `pagination`, §6 ResourceType, §7 Schema), derived from the types `scim::discovery`
//! serves, and of the health endpoints.
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Components, Schema};

use super::types::{add_typed, object, one_of, string};
use crate::scim::discovery::{ResourceTypeDocument, SchemaDocument, ServiceProviderConfig};

pub fn add_schemas(components: &mut Components) {
    add_typed::<ServiceProviderConfig>(components);
    add_typed::<ResourceTypeDocument>(components);
    add_typed::<SchemaDocument>(components);
    components.schemas.insert("Health".to_owned(), health());
    components
        .schemas
        .insert("Readiness".to_owned(), readiness());
}

fn health() -> RefOr<Schema> {
    object()
        .property("status", one_of(&["ok"]))
        .required("status")
        .into()
}

fn readiness() -> RefOr<Schema> {
    object()
        .property("status", one_of(&["ready"]))
        .property(
            "database",
            string()
                .description(Some("The database backend."))
                .examples(["sqlite", "postgres"]),
        )
        .required("status")
        .into()
}

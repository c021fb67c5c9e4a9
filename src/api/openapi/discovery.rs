//! Schemas of the discovery documents (RFC 7643 §5 ServiceProviderConfig with RFC 9865 §4
//! `pagination`, §6 ResourceType, §7 Schema) and of the health endpoints.
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Components, ObjectBuilder, Schema};

use super::messages::{enumeration, wire_names};
use super::types::urns;
use super::types::{array, boolean, component, date_time, integer, object, one_of, string, uri};
use crate::scim::schema::{
    AttrType, Mutability, RESOURCE_TYPE_URN, Returned, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN,
    Uniqueness,
};

const ATTR_TYPES: [AttrType; 8] = [
    AttrType::String,
    AttrType::Boolean,
    AttrType::Decimal,
    AttrType::Integer,
    AttrType::DateTime,
    AttrType::Binary,
    AttrType::Reference,
    AttrType::Complex,
];
const MUTABILITIES: [Mutability; 4] = [
    Mutability::ReadOnly,
    Mutability::ReadWrite,
    Mutability::Immutable,
    Mutability::WriteOnly,
];
const RETURNED: [Returned; 4] = [
    Returned::Always,
    Returned::Never,
    Returned::Default,
    Returned::Request,
];
const UNIQUENESS: [Uniqueness; 3] = [Uniqueness::None, Uniqueness::Server, Uniqueness::Global];

pub fn add_schemas(components: &mut Components) {
    let schemas = [
        ("ServiceProviderConfig", service_provider_config()),
        ("ResourceType", resource_type()),
        ("Schema", schema()),
        ("SchemaAttribute", schema_attribute()),
        ("DiscoveryMeta", discovery_meta()),
        ("Health", health()),
        ("Readiness", readiness()),
    ];
    for (name, schema) in schemas {
        components.schemas.insert(name.to_owned(), schema);
    }
}

fn discovery_meta() -> RefOr<Schema> {
    object()
        .property("resourceType", string().examples(["ResourceType"]))
        .property("location", uri())
        .property("created", date_time())
        .property("lastModified", date_time())
        .property("version", string())
        .required("resourceType")
        .required("location")
        .into()
}

fn supported(description: &str) -> ObjectBuilder {
    object()
        .description(Some(description))
        .property("supported", boolean())
        .required("supported")
}

fn service_provider_config() -> RefOr<Schema> {
    let count = || integer().minimum(Some(0));
    object()
        .description(Some("RFC 7643 §5, with RFC 9865 §4 `pagination`."))
        .property(
            "schemas",
            urns(
                &[SERVICE_PROVIDER_CONFIG_URN],
                "The ServiceProviderConfig URN.",
            ),
        )
        .property(
            "documentationUri",
            uri().description(Some("This API's reference page.")),
        )
        .property("patch", supported("PATCH (RFC 7644 §3.5.2)."))
        .property(
            "bulk",
            supported("`/Bulk` (RFC 7644 §3.7).")
                .property("maxOperations", count())
                .property("maxPayloadSize", count())
                .required("maxOperations")
                .required("maxPayloadSize"),
        )
        .property(
            "filter",
            supported("Filters (RFC 7644 §3.4.2.2).")
                .property("maxResults", count())
                .required("maxResults"),
        )
        .property("changePassword", supported("Password changes."))
        .property("sort", supported("`sortBy` (RFC 7644 §3.4.2.3)."))
        .property("etag", supported("ETags (RFC 7644 §3.14)."))
        .property(
            "pagination",
            object()
                .description(Some("RFC 9865 §4."))
                .property("cursor", boolean())
                .property("index", boolean())
                .property("defaultPaginationMethod", one_of(&["cursor", "index"]))
                .property("defaultPageSize", count())
                .property("maxPageSize", count())
                .property("cursorTimeout", count()),
        )
        .property(
            "authenticationSchemes",
            array(
                object()
                    .property("type", string().examples(["oauthbearertoken"]))
                    .property("name", string())
                    .property("description", string())
                    .property("specUri", uri())
                    .property("documentationUri", uri())
                    .property("primary", boolean())
                    .required("type")
                    .required("name")
                    .required("description"),
            ),
        )
        .property("meta", component("DiscoveryMeta"))
        .required("schemas")
        .required("patch")
        .required("bulk")
        .required("filter")
        .required("changePassword")
        .required("sort")
        .required("etag")
        .required("authenticationSchemes")
        .into()
}

fn resource_type() -> RefOr<Schema> {
    object()
        .description(Some("RFC 7643 §6."))
        .property(
            "schemas",
            urns(&[RESOURCE_TYPE_URN], "The ResourceType URN."),
        )
        .property("id", string().examples(["User"]))
        .property("name", string().examples(["User"]))
        .property("endpoint", string().examples(["/Users"]))
        .property("description", string())
        .property("schema", string().examples([crate::scim::schema::USER_URN]))
        .property(
            "schemaExtensions",
            array(
                object()
                    .property("schema", string())
                    .property("required", boolean())
                    .required("schema")
                    .required("required"),
            ),
        )
        .property("meta", component("DiscoveryMeta"))
        .required("schemas")
        .required("name")
        .required("endpoint")
        .required("schema")
        .into()
}

fn schema() -> RefOr<Schema> {
    object()
        .description(Some("RFC 7643 §7: a schema as `/Schemas` serves it."))
        .property("schemas", urns(&[SCHEMA_URN], "The Schema URN."))
        .property("id", string().examples([crate::scim::schema::USER_URN]))
        .property("name", string())
        .property("description", string())
        .property("attributes", array(component("SchemaAttribute")))
        .property("meta", component("DiscoveryMeta"))
        .required("schemas")
        .required("id")
        .required("attributes")
        .into()
}

fn schema_attribute() -> RefOr<Schema> {
    let strings = || array(string());
    object()
        .description(Some("RFC 7643 §7: one attribute definition."))
        .property("name", string())
        .property("type", enumeration(&wire_names(&ATTR_TYPES)))
        .property("multiValued", boolean())
        .property("description", string())
        .property("required", boolean())
        .property("canonicalValues", strings())
        .property("caseExact", boolean())
        .property("mutability", enumeration(&wire_names(&MUTABILITIES)))
        .property("returned", enumeration(&wire_names(&RETURNED)))
        .property("uniqueness", enumeration(&wire_names(&UNIQUENESS)))
        .property("referenceTypes", strings())
        .property("subAttributes", array(component("SchemaAttribute")))
        .required("name")
        .required("type")
        .required("multiValued")
        .into()
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

//! JSON Schemas for the resource types, generated from the schema registry (RFC 7643 §2, §7),
//! so the registry stays the single source of truth: a new attribute or extension shows up
//! here without editing this file.
//!
//! Mapping: `type` → JSON type and format; `multiValued` → array; `mutability` readOnly /
//! writeOnly → `readOnly` / `writeOnly`; `required` sub-attributes → `required`. Canonical
//! values become `examples` and prose, never `enum`: identity providers send other values.
//! Top-level required attributes are required in request bodies only (see
//! [`super::operations`]), because `attributes=` may leave them out of a response.
use utoipa::openapi::schema::{Components, ObjectBuilder, Schema};
use utoipa::openapi::{RefOr, schema::ArrayBuilder};

use super::examples;
use super::types::{
    array, boolean, component, date_time, integer, object, requiring, string, uri, urns,
};
use crate::scim::schema::{
    AttrType, Attribute, Mutability, Registry, ResourceType, Returned, Uniqueness,
    common_attributes,
};

/// Adds one schema per resource type (`User`, `Group`) and per extension (`EnterpriseUser`).
pub fn add_schemas(components: &mut Components) {
    for rt in Registry::core().resource_types() {
        components
            .schemas
            .insert(rt.name().to_owned(), resource(rt).into());
        // One named body schema for POST and PUT in both media types: a generated client
        // gets one model, not a copy per media type.
        components
            .schemas
            .insert(request_schema(rt), requiring(rt.name(), &required(rt)));
        for ext in &rt.extensions {
            let schema = attributes(object(), &ext.schema.attributes)
                .description(Some(format!(
                    "{} extension (`{}`), sent and returned under its URN as the key.",
                    ext.schema.description, ext.schema.id
                )))
                .build();
            components
                .schemas
                .insert(ext.schema.name.clone(), Schema::Object(schema).into());
        }
    }
}

/// The name of the schema of POST and PUT bodies of `rt`: `UserRequest`, `GroupRequest`.
pub fn request_schema(rt: &ResourceType) -> String {
    format!("{}Request", rt.name())
}

/// Attributes a client must send: required and writable.
pub fn required(rt: &ResourceType) -> Vec<&str> {
    rt.schema
        .attributes
        .iter()
        .filter(|a| a.required && !a.is_read_only())
        .map(|a| a.name.as_str())
        .collect()
}

fn resource(rt: &ResourceType) -> Schema {
    let allowed: Vec<&str> = rt.schema_urns().collect();
    let mut builder = object()
        .description(Some(format!(
            "{} (`{}`). Attributes follow the registry that `/Schemas` serves. `schemas` and \
             `id` are always returned; the rest as `attributes`/`excludedAttributes` select.",
            rt.description, rt.schema.id
        )))
        .property(
            "schemas",
            urns(
                &allowed,
                "The core schema URN, plus the URN of each extension the resource carries.",
            ),
        );
    for attr in common_attributes().iter().chain(&rt.schema.attributes) {
        builder = builder.property(attr.name.clone(), attribute(attr));
    }
    for ext in &rt.extensions {
        builder = builder.property(ext.schema.id.clone(), component(&ext.schema.name));
    }
    if let Some(example) = examples::returned(rt.kind) {
        builder = builder.examples([example]);
    }
    Schema::Object(builder.build())
}

fn attributes(builder: ObjectBuilder, attrs: &[Attribute]) -> ObjectBuilder {
    let with_properties = attrs.iter().fold(builder, |b, attr| {
        b.property(attr.name.clone(), attribute(attr))
    });
    attrs
        .iter()
        .filter(|a| a.required)
        .fold(with_properties, |b, a| b.required(a.name.clone()))
}

/// One attribute: its value schema, in an array when multi-valued.
fn attribute(attr: &Attribute) -> RefOr<Schema> {
    let description = describe(attr);
    let value = value(attr);
    if attr.multi_valued {
        // An array schema carries no readOnly/writeOnly here, so the items carry them.
        let items = value.build();
        let array: ArrayBuilder = array(items).description(Some(description));
        array.into()
    } else {
        value.description(Some(description)).into()
    }
}

/// The schema of one value (one item of a multi-valued attribute).
fn value(attr: &Attribute) -> ObjectBuilder {
    let base = match attr.kind {
        AttrType::String => string(),
        AttrType::Boolean => boolean(),
        AttrType::Decimal => ObjectBuilder::new().schema_type(utoipa::openapi::Type::Number),
        AttrType::Integer => integer(),
        AttrType::DateTime => date_time(),
        AttrType::Binary => string().content_encoding("base64"),
        // Only `uri` references are URIs the server itself writes; `external` and resource
        // references are stored as the client sent them.
        AttrType::Reference if attr.reference_types == ["uri"] => uri(),
        AttrType::Reference => string(),
        AttrType::Complex => attributes(object(), &attr.sub_attributes),
    };
    let base = match attr.mutability {
        Mutability::ReadOnly => base.read_only(true),
        Mutability::WriteOnly => base.write_only(true),
        Mutability::ReadWrite | Mutability::Immutable => base,
    };
    let base = if attr.kind == AttrType::String && attr.required {
        // An empty string is unassigned, so it does not satisfy `required`.
        base.min_length(Some(1))
    } else {
        base
    };
    if attr.canonical_values.is_empty() {
        base
    } else {
        base.examples(attr.canonical_values.iter().map(String::as_str))
    }
}

/// The attribute's description plus the characteristics JSON Schema has no keyword for.
fn describe(attr: &Attribute) -> String {
    let mut notes = vec![attr.description.trim_end_matches('.').to_owned() + "."];
    if !attr.canonical_values.is_empty() {
        let values: Vec<String> = attr
            .canonical_values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect();
        notes.push(format!(
            "Canonical values: {} (other values are accepted).",
            values.join(", ")
        ));
    }
    if attr.case_exact && attr.kind != AttrType::Complex {
        notes.push("Compared case-exactly.".to_owned());
    }
    match attr.uniqueness {
        Uniqueness::Server => notes.push("Unique within the tenant.".to_owned()),
        Uniqueness::Global => notes.push("Globally unique.".to_owned()),
        Uniqueness::None => {}
    }
    match attr.mutability {
        Mutability::Immutable => notes.push("Immutable: set once, then never changed.".to_owned()),
        Mutability::ReadOnly => notes.push("Read-only: ignored in requests.".to_owned()),
        Mutability::WriteOnly => notes.push("Write-only.".to_owned()),
        Mutability::ReadWrite => {}
    }
    match attr.returned {
        Returned::Always => notes.push("Always returned.".to_owned()),
        Returned::Never => notes.push("Never returned.".to_owned()),
        Returned::Request => notes.push("Returned only when named in `attributes`.".to_owned()),
        Returned::Default => {}
    }
    if !attr.reference_types.is_empty() {
        notes.push(format!(
            "Reference types: {}.",
            attr.reference_types.join(", ")
        ));
    }
    notes.join(" ")
}

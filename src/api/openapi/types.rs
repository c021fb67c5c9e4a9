//! Short constructors for the JSON Schema pieces the document is built from.
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, Components, KnownFormat, ObjectBuilder, Ref, Schema, SchemaFormat,
    Type,
};

pub const SCIM_JSON: &str = "application/scim+json";
pub const JSON: &str = "application/json";

pub fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer)
}

pub fn boolean() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Boolean)
}

pub fn object() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Object)
}

pub fn date_time() -> ObjectBuilder {
    string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

pub fn uri() -> ObjectBuilder {
    string().format(Some(SchemaFormat::Custom("uri".to_owned())))
}

/// A string that is one of `values`.
pub fn one_of(values: &[&str]) -> ObjectBuilder {
    string().enum_values(Some(values.iter().copied()))
}

pub fn array(items: impl Into<RefOr<Schema>>) -> ArrayBuilder {
    ArrayBuilder::new().items(items.into())
}

/// `"schemas": [...]`: the URNs a message or resource declares.
pub fn urns(allowed: &[&str], description: &str) -> ArrayBuilder {
    array(one_of(allowed))
        .min_items(Some(1))
        .description(Some(description))
        .examples([Value::from(vec![
            allowed.first().copied().unwrap_or_default(),
        ])])
}

/// `#/components/schemas/{name}`.
pub fn component(name: &str) -> Ref {
    Ref::from_schema_name(name)
}

/// `name` with these properties required in addition: how a request or response narrows a
/// shared resource schema.
pub fn requiring(name: &str, required: &[&str]) -> RefOr<Schema> {
    let extra = required
        .iter()
        .fold(object(), |o, r| o.required(*r))
        .build();
    AllOfBuilder::new().item(component(name)).item(extra).into()
}

/// `T`'s schema and every schema it refers to, under their names.
pub fn add_typed<T: ToSchema>(components: &mut Components) {
    let mut all = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut all);
    components.schemas.extend(all);
}

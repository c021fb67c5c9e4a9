//! Rows to `scim` types; entity models never leave `store`.
use entity::resource;
use serde_json::Value;

use super::StoreError;
use crate::scim::resource::{Meta, Resource};
use crate::scim::schema::ResourceKind;

/// A `resources` row as a Resource without members or groups (those are loaded separately).
pub(super) fn to_resource(
    row: resource::Model,
    kind: ResourceKind,
) -> Result<Resource, StoreError> {
    let Value::Object(data) = row.data else {
        return Err(StoreError::Corrupt(format!(
            "resource {} has a non-object document",
            row.id
        )));
    };
    Ok(Resource {
        id: row.id,
        kind,
        data,
        members: None,
        groups: None,
        meta: Meta {
            created: row.created_at,
            last_modified: row.last_modified,
            version: row.version,
        },
    })
}

pub(super) fn kind_of(name: &str) -> Result<ResourceKind, StoreError> {
    ResourceKind::from_name(name).ok_or_else(|| {
        StoreError::Corrupt(format!("unknown resource type {name:?} in the database"))
    })
}

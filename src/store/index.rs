//! The index table: (path, lower-cased value) rows for the attributes identity providers
//! filter on (see `scim::search_document::indexed_paths`), rewritten with the resource.
use entity::resource_value;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, TenantId};
use crate::scim::schema::ResourceKind;

const CHUNK: usize = 200;

/// Replaces the index rows of resource `id` with `values`.
pub(super) async fn set<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    values: &[(&'static str, String)],
) -> Result<(), StoreError> {
    resource_value::Entity::delete_many()
        .filter(resource_value::Column::TenantId.eq(tenant.get()))
        .filter(resource_value::Column::ResourceId.eq(id))
        .exec(conn)
        .await?;
    let rows: Vec<(String, &'static str, String)> = values
        .iter()
        .map(|(path, value)| (id.to_owned(), *path, value.clone()))
        .collect();
    insert(conn, tenant, kind, &rows).await
}

/// Removes the index rows of resources `ids`, before they are rewritten.
pub(super) async fn remove<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    ids: &[String],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(CHUNK) {
        resource_value::Entity::delete_many()
            .filter(resource_value::Column::TenantId.eq(tenant.get()))
            .filter(resource_value::Column::ResourceId.is_in(chunk.iter().cloned()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Inserts index rows for many resources at once: (resource id, path, value).
pub(super) async fn insert<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    kind: ResourceKind,
    values: &[(String, &'static str, String)],
) -> Result<(), StoreError> {
    for chunk in values.chunks(CHUNK) {
        let rows = chunk
            .iter()
            .map(|(id, path, value)| resource_value::ActiveModel {
                resource_id: Set(id.clone()),
                path: Set((*path).to_owned()),
                value: Set(value.clone()),
                tenant_id: Set(tenant.get()),
                resource_type: Set(kind.as_str().to_owned()),
            });
        resource_value::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

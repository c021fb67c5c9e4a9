//! Custom schema extensions per tenant (`scimd schema add|list|remove`). Every change bumps
//! `tenants.schema_version` in the same transaction: the version is read with the tenant on
//! every authentication, so a process whose cached registry is older sees it at once, and the
//! row lock the bump takes serialises concurrent changes to one tenant's schemas.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{resource, tenant, tenant_schema};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Statement,
};
use serde_json::Value;

use super::convert::{kind_of, to_resource};
use super::events::{self, Origin};
use super::{Store, StoreError, TenantId, TenantRecord, now};
use crate::scim::event;
use crate::scim::schema::custom::{self, DocumentError};
use crate::scim::schema::{Registry, ResourceKind, Schema, SchemaExtension};
use crate::scim::{ScimError, ScimType};

/// A schema extension as registered for a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRecord {
    /// The tenant's name.
    pub tenant: String,
    pub urn: String,
    /// The resource type it extends.
    pub kind: ResourceKind,
    /// Whether every resource of that type must carry it (RFC 7643 §6 `schemaExtensions`).
    pub required: bool,
    /// The RFC 7643 §7 document, every characteristic explicit.
    pub document: Value,
    pub created_at: DateTime<Utc>,
}

impl SchemaRecord {
    /// The schema the document describes.
    pub fn schema(&self) -> Result<Schema, DocumentError> {
        custom::parse(&self.document)
    }
}

/// What `remove` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub urn: String,
    /// Resources whose values under the URN were deleted.
    pub purged: u64,
}

pub struct Schemas<'a> {
    store: &'a Store,
}

impl<'a> Schemas<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Registers `schema` (parsed by `scim::schema::custom::parse`) as an extension of `kind`
    /// for `tenant`. A URN the tenant has, or one overlapping it, is `Rejected` with a 409.
    pub async fn add(
        &self,
        tenant: &TenantRecord,
        schema: &Schema,
        kind: ResourceKind,
        required: bool,
    ) -> Result<SchemaRecord, StoreError> {
        let txn = self.store.begin_write().await?;
        bump(&txn, tenant.id).await?;
        let taken = tenant_schema::Entity::find()
            .filter(tenant_schema::Column::TenantId.eq(tenant.id.get()))
            .all(&txn)
            .await?;
        custom::check_clash(&schema.id, taken.iter().map(|t| t.urn.as_str())).map_err(clash)?;
        let document = custom::document(schema);
        let model = tenant_schema::Model {
            tenant_id: tenant.id.get(),
            urn_ci: schema.id.to_ascii_lowercase(),
            urn: schema.id.clone(),
            resource_type: kind.as_str().to_owned(),
            required,
            document: document.to_string(),
            created_at: now(),
        };
        tenant_schema::Entity::insert(tenant_schema::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| StoreError::unique_as(e, "schema id"))?;
        txn.commit().await?;
        Ok(SchemaRecord {
            tenant: tenant.name.clone(),
            urn: model.urn,
            kind,
            required,
            document,
            created_at: model.created_at,
        })
    }

    /// One tenant's extensions, or every tenant's, in the order they were added.
    pub async fn list(&self, tenant: Option<TenantId>) -> Result<Vec<SchemaRecord>, StoreError> {
        let mut query = tenant_schema::Entity::find()
            .find_also_related(tenant::Entity)
            .order_by_asc(tenant_schema::Column::TenantId)
            .order_by_asc(tenant_schema::Column::CreatedAt)
            .order_by_asc(tenant_schema::Column::UrnCi);
        if let Some(tenant) = tenant {
            query = query.filter(tenant_schema::Column::TenantId.eq(tenant.get()));
        }
        query
            .all(&self.store.reader)
            .await?
            .into_iter()
            .map(|(row, tenant)| record(row, tenant.map(|t| t.name).unwrap_or_default()))
            .collect()
    }

    /// The core registry plus the tenant's extensions: what its requests are served with.
    pub async fn registry(&self, tenant: TenantId) -> Result<Registry, StoreError> {
        let records = self.list(Some(tenant)).await?;
        let extensions = records.into_iter().filter_map(|record| match record.schema() {
            Ok(schema) => Some((
                record.kind,
                SchemaExtension {
                    schema: Arc::new(schema),
                    required: record.required,
                },
            )),
            // Documents were checked when added; one that a later scimd reads differently
            // is left out rather than taking the whole tenant down.
            Err(e) => {
                tracing::error!(urn = %record.urn, error = %e, "stored schema extension skipped");
                None
            }
        });
        Ok(Registry::extended(extensions))
    }

    /// The tenant's extension with this URN (compared case-insensitively).
    pub async fn find(
        &self,
        tenant: TenantId,
        urn: &str,
    ) -> Result<Option<SchemaRecord>, StoreError> {
        let found = tenant_schema::Entity::find_by_id((tenant.get(), urn.to_ascii_lowercase()))
            .find_also_related(tenant::Entity)
            .one(&self.store.reader)
            .await?;
        found
            .map(|(row, tenant)| record(row, tenant.map(|t| t.name).unwrap_or_default()))
            .transpose()
    }

    /// Unregisters the tenant's extension `urn` and deletes the values stored under it from
    /// every resource of the tenant, in one transaction: re-adding a URN starts empty, and
    /// no value a client can no longer see or change stays behind. Each changed resource
    /// gets a new version, since its representation changed. `NotFound` if there is no such
    /// extension.
    pub async fn remove(
        &self,
        tenant: TenantId,
        urn: &str,
        origin: Origin,
    ) -> Result<Removed, StoreError> {
        // Rendered with the registry of before: the values are gone from `data`, so the
        // extension shows in no event.
        let resolved = self
            .store
            .resolve_origin(tenant, Some(&Arc::new(origin)))
            .await?;
        let txn = self.store.begin_write().await?;
        bump(&txn, tenant).await?;
        let Some(row) = tenant_schema::Entity::find_by_id((tenant.get(), urn.to_ascii_lowercase()))
            .one(&txn)
            .await?
        else {
            return Err(StoreError::NotFound);
        };
        tenant_schema::Entity::delete_by_id((tenant.get(), row.urn_ci.clone()))
            .exec(&txn)
            .await?;
        let changed: Vec<String> = txn
            .query_all_raw(purge(&txn, tenant, &row))
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<_, _>>()?;
        let purged = changed.len() as u64;
        let kind = kind_of(&row.resource_type)?;
        let mut changes = Vec::with_capacity(changed.len());
        for chunk in changed.chunks(500) {
            let rows = resource::Entity::find()
                .filter(resource::Column::TenantId.eq(tenant.get()))
                .filter(resource::Column::Id.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?;
            for r in rows {
                let after = to_resource(r, kind)?;
                changes.push(event::removed_extension(
                    resolved.render(kind),
                    &after,
                    &row.urn,
                ));
            }
        }
        events::append(&txn, tenant, &resolved, changes).await?;
        self.store.commit_events(txn).await?;
        Ok(Removed {
            urn: row.urn,
            purged,
        })
    }
}

/// Increments the tenant's schema version (and locks its row until commit).
async fn bump(txn: &DatabaseTransaction, tenant: TenantId) -> Result<(), StoreError> {
    let bumped = tenant::Entity::update_many()
        .col_expr(
            tenant::Column::SchemaVersion,
            Expr::col(tenant::Column::SchemaVersion).add(1),
        )
        .filter(tenant::Column::Id.eq(tenant.get()))
        .exec(txn)
        .await?;
    if bumped.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes the key `row.urn` from the document and search document of the tenant's
/// resources of `row`'s type that have it.
fn purge(txn: &DatabaseTransaction, tenant: TenantId, row: &tenant_schema::Model) -> Statement {
    let backend = txn.get_database_backend();
    let (sql, key) = if backend == DbBackend::Postgres {
        (
            "UPDATE resources SET data = data - $1::text, data_ci = data_ci - $1::text, \
             version = version + 1, last_modified = $2 \
             WHERE tenant_id = $3 AND resource_type = $4 AND (data -> $1::text) IS NOT NULL \
             RETURNING id",
            row.urn.clone(),
        )
    } else {
        // URNs never contain a quote (`custom::check_urn`), so this JSON path is exact.
        (
            "UPDATE resources SET data = json_remove(data, ?1), data_ci = json_remove(data_ci, ?1), \
             version = version + 1, last_modified = ?2 \
             WHERE tenant_id = ?3 AND resource_type = ?4 AND json_type(data, ?1) IS NOT NULL \
             RETURNING id",
            format!("$.\"{}\"", row.urn),
        )
    };
    Statement::from_sql_and_values(
        backend,
        sql,
        [
            key.into(),
            now().into(),
            tenant.get().into(),
            row.resource_type.clone().into(),
        ],
    )
}

fn clash(e: DocumentError) -> StoreError {
    StoreError::Rejected(ScimError::new(409, Some(ScimType::Uniqueness), e.0))
}

fn record(row: tenant_schema::Model, tenant: String) -> Result<SchemaRecord, StoreError> {
    let kind = ResourceKind::from_name(&row.resource_type).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "schema {} extends {:?}",
            row.urn, row.resource_type
        ))
    })?;
    let document = serde_json::from_str(&row.document)
        .map_err(|e| StoreError::Corrupt(format!("schema {} is not JSON: {e}", row.urn)))?;
    Ok(SchemaRecord {
        tenant,
        urn: row.urn,
        kind,
        required: row.required,
        document,
        created_at: row.created_at,
    })
}

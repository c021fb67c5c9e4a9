//! Tenants: one per application or customer (one SCIM base URL and its tokens).
use chrono::{DateTime, Utc};
use entity::tenant;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{Store, StoreError, TenantId, now};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Moves whenever the tenant's schema extensions change (see `store::Schemas`).
    pub schema_version: i64,
}

impl From<tenant::Model> for TenantRecord {
    fn from(m: tenant::Model) -> Self {
        Self {
            id: TenantId(m.id),
            name: m.name,
            created_at: m.created_at,
            schema_version: m.schema_version,
        }
    }
}

pub struct Tenants<'a> {
    store: &'a Store,
}

impl<'a> Tenants<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Creates a tenant; a taken name is `Uniqueness { attribute: "tenant name" }`.
    pub async fn create(&self, name: &str) -> Result<TenantRecord, StoreError> {
        let model = tenant::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(now()),
            ..Default::default()
        };
        tenant::Entity::insert(model)
            .exec_without_returning(&self.store.writer)
            .await
            .map_err(|e| StoreError::unique_as(e, "tenant name"))?;
        self.find(name).await?.ok_or(StoreError::NotFound)
    }

    pub async fn find(&self, name: &str) -> Result<Option<TenantRecord>, StoreError> {
        Ok(tenant::Entity::find()
            .filter(tenant::Column::Name.eq(name))
            .one(&self.store.writer)
            .await?
            .map(Into::into))
    }

    /// The tenant called `name`, created if missing (safe when two processes race).
    pub async fn ensure(&self, name: &str) -> Result<TenantRecord, StoreError> {
        if let Some(found) = self.find(name).await? {
            return Ok(found);
        }
        match self.create(name).await {
            Err(StoreError::Uniqueness { .. }) => {
                self.find(name).await?.ok_or(StoreError::NotFound)
            }
            other => other,
        }
    }

    pub async fn list(&self) -> Result<Vec<TenantRecord>, StoreError> {
        Ok(tenant::Entity::find()
            .order_by_asc(tenant::Column::Name)
            .all(&self.store.reader)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        Ok(tenant::Entity::find().count(&self.store.writer).await?)
    }
}

/// Tenant names appear in CLI output and logs: letters, digits, `-`, `_`, `.`, 1–64 long.
pub fn valid_tenant_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

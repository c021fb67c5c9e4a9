//! Tenants: one per application or customer (one SCIM base URL and its tokens).
use chrono::{DateTime, Utc};
use entity::{activity, jwt_trust, oauth_client, resource, tenant, token};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::{Store, StoreError, TenantId, now};
use crate::scim::schema::ResourceKind;

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

/// What a tenant holds (and deleting it removes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub users: u64,
    pub groups: u64,
    /// Tokens, OAuth clients and JWT trusts.
    pub credentials: u64,
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

    /// How much the tenant holds: what [`Tenants::delete`] would remove with it.
    pub async fn contents(&self, tenant: &TenantRecord) -> Result<Contents, StoreError> {
        contents(&self.store.reader, tenant).await
    }

    /// Deletes the tenant and, through the schema's `ON DELETE CASCADE`, everything of it, in
    /// one transaction; says what went with it.
    pub async fn delete(&self, tenant: &TenantRecord) -> Result<Contents, StoreError> {
        let tx = self.store.begin_write().await?;
        let removed = contents(&tx, tenant).await?;
        // The log has no foreign key to cascade through (migration 000009 says why).
        activity::Entity::delete_many()
            .filter(activity::Column::TenantId.eq(tenant.id.get()))
            .exec(&tx)
            .await?;
        let gone = tenant::Entity::delete_by_id(tenant.id.get())
            .exec(&tx)
            .await?;
        if gone.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        Ok(tenant::Entity::find().count(&self.store.writer).await?)
    }
}

async fn contents(
    conn: &impl ConnectionTrait,
    tenant: &TenantRecord,
) -> Result<Contents, StoreError> {
    let id = tenant.id.get();
    let resources = |kind: ResourceKind| {
        resource::Entity::find()
            .filter(resource::Column::TenantId.eq(id))
            .filter(resource::Column::ResourceType.eq(kind.as_str()))
    };
    let tokens = token::Entity::find().filter(token::Column::TenantId.eq(id));
    let clients = oauth_client::Entity::find().filter(oauth_client::Column::TenantId.eq(id));
    let trusts = jwt_trust::Entity::find().filter(jwt_trust::Column::TenantId.eq(id));
    Ok(Contents {
        users: resources(ResourceKind::User).count(conn).await?,
        groups: resources(ResourceKind::Group).count(conn).await?,
        credentials: tokens.count(conn).await?
            + clients.count(conn).await?
            + trusts.count(conn).await?,
    })
}

/// Tenant names appear in CLI output and logs: letters, digits, `-`, `_`, `.`, 1–64 long.
pub fn valid_tenant_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

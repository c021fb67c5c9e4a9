//! Users and Groups of one tenant: create, read, replace, delete and list, each one
//! transaction (RFC 7644 §3.3–§3.6).
use entity::resource;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde_json::{Map, Value};

use super::convert::to_resource;
use super::{Store, StoreError, TenantId, index, members, now};
use crate::scim::ScimError;
use crate::scim::list::Page;
use crate::scim::resource::{Derived, MemberInput, Resource};
use crate::scim::schema::ResourceKind;

/// How often a write is retried when a concurrent writer got there first.
const MAX_ATTEMPTS: usize = 8;

/// A resource as the store writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub data: Map<String, Value>,
    /// Columns, search document and index values derived from `data`.
    pub derived: Derived,
    /// Group members to set; `None` leaves membership alone.
    pub members: Option<Vec<MemberInput>>,
    /// A new password hash; `None` keeps the stored one.
    pub password_hash: Option<String>,
}

/// A tenant's resources of one kind. Every query adds `tenant_id` and `resource_type`.
pub struct Resources<'a> {
    store: &'a Store,
    tenant: TenantId,
    kind: ResourceKind,
}

/// Why one attempt at a write did not finish.
enum Attempt {
    /// Someone else wrote first (version moved, or a member vanished): try again.
    Retry,
    Failed(StoreError),
}

impl From<DbErr> for Attempt {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            // A member deleted between our read and our insert (PostgreSQL only).
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Attempt::Retry,
            _ => Attempt::Failed(StoreError::Database(err)),
        }
    }
}

impl From<StoreError> for Attempt {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Database(db) => db.into(),
            other => Attempt::Failed(other),
        }
    }
}

impl<'a> Resources<'a> {
    pub(super) fn new(store: &'a Store, tenant: TenantId, kind: ResourceKind) -> Self {
        Self {
            store,
            tenant,
            kind,
        }
    }

    /// The attribute a uniqueness violation is about.
    fn unique_attribute(&self) -> &'static str {
        crate::scim::resource::unique_name(self.kind)
    }

    fn scoped(&self) -> sea_orm::Select<resource::Entity> {
        resource::Entity::find()
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(resource::Column::ResourceType.eq(self.kind.as_str()))
    }

    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn create(&self, write: Write) -> Result<Resource, StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            match self.try_create(&write).await {
                Ok(resource) => return Ok(resource),
                Err(Attempt::Retry) => continue,
                Err(Attempt::Failed(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn try_create(&self, write: &Write) -> Result<Resource, Attempt> {
        let at = now();
        let row = resource::Model {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: self.tenant.get(),
            resource_type: self.kind.as_str().to_owned(),
            name_ci: write.derived.columns.name_ci.clone(),
            display: write.derived.columns.display.clone(),
            external_id: write.derived.columns.external_id.clone(),
            active: write.derived.columns.active,
            password_hash: write.password_hash.clone(),
            data: Value::Object(write.data.clone()),
            data_ci: Value::Object(write.derived.search.clone()),
            created_at: at,
            last_modified: at,
            version: 1,
        };
        let tx = self.store.writer.begin().await?;
        resource::Entity::insert(resource::ActiveModel::from(row.clone()))
            .exec_without_returning(&tx)
            .await
            .map_err(|e| self.unique(e))?;
        index::set(&tx, self.tenant, self.kind, &row.id, &write.derived.index).await?;
        if let Some(inputs) = &write.members {
            members::set(&tx, self.tenant, &row.id, inputs).await?;
        }
        let resource = self.load(&tx, row).await?;
        tx.commit().await?;
        Ok(resource)
    }

    fn unique(&self, err: DbErr) -> Attempt {
        match StoreError::unique_as(err, self.unique_attribute()) {
            StoreError::Database(err) => err.into(),
            other => Attempt::Failed(other),
        }
    }

    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn get(&self, id: &str) -> Result<Resource, StoreError> {
        if !is_resource_id(id) {
            return Err(StoreError::NotFound);
        }
        let row = self
            .scoped()
            .filter(resource::Column::Id.eq(id))
            .one(&self.store.reader)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.load(&self.store.reader, row).await
    }

    /// Replaces resource `id` with what `rules` makes of its current state, in one
    /// transaction whose UPDATE only succeeds if nobody changed the row since it was read.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn replace<F>(&self, id: &str, rules: F) -> Result<Resource, StoreError>
    where
        F: Fn(&Resource) -> Result<Write, ScimError>,
    {
        if !is_resource_id(id) {
            return Err(StoreError::NotFound);
        }
        for _ in 0..MAX_ATTEMPTS {
            match self.try_replace(id, &rules).await {
                Ok(resource) => return Ok(resource),
                Err(Attempt::Retry) => continue,
                Err(Attempt::Failed(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn try_replace<F>(&self, id: &str, rules: &F) -> Result<Resource, Attempt>
    where
        F: Fn(&Resource) -> Result<Write, ScimError>,
    {
        let tx = self.store.writer.begin().await?;
        let row = self
            .scoped()
            .filter(resource::Column::Id.eq(id))
            .one(&tx)
            .await?
            .ok_or(Attempt::Failed(StoreError::NotFound))?;
        let current = to_resource(row.clone(), self.kind)?;
        let write = rules(&current).map_err(|e| Attempt::Failed(e.into()))?;
        let at = now();
        let columns = &write.derived.columns;
        let mut update = resource::ActiveModel {
            name_ci: Set(columns.name_ci.clone()),
            display: Set(columns.display.clone()),
            external_id: Set(columns.external_id.clone()),
            active: Set(columns.active),
            data: Set(Value::Object(write.data.clone())),
            data_ci: Set(Value::Object(write.derived.search.clone())),
            last_modified: Set(at),
            version: Set(row.version + 1),
            ..Default::default()
        };
        if let Some(hash) = &write.password_hash {
            update.password_hash = Set(Some(hash.clone()));
        }
        let result = resource::Entity::update_many()
            .set(update)
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(resource::Column::Id.eq(id))
            .filter(resource::Column::Version.eq(row.version))
            .exec(&tx)
            .await
            .map_err(|e| self.unique(e))?;
        if result.rows_affected == 0 {
            return Err(Attempt::Retry);
        }
        index::set(&tx, self.tenant, self.kind, id, &write.derived.index).await?;
        if let Some(inputs) = &write.members {
            members::set(&tx, self.tenant, id, inputs).await?;
        }
        let row = resource::Model {
            name_ci: columns.name_ci.clone(),
            display: columns.display.clone(),
            external_id: columns.external_id.clone(),
            active: columns.active,
            data: Value::Object(write.data.clone()),
            data_ci: Value::Object(write.derived.search.clone()),
            last_modified: at,
            version: row.version + 1,
            ..row
        };
        let resource = self.load(&tx, row).await?;
        tx.commit().await?;
        Ok(resource)
    }

    /// Deletes resource `id` and, in the same transaction, every membership that names it.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        if !is_resource_id(id) {
            return Err(StoreError::NotFound);
        }
        let tx = self.store.writer.begin().await?;
        members::detach(&tx, self.tenant, id).await?;
        let result = resource::Entity::delete_many()
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(resource::Column::ResourceType.eq(self.kind.as_str()))
            .filter(resource::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        if result.rows_affected == 0 {
            // Nothing was deleted; the transaction rolls back on drop.
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// One page in the stable (created, id) order, and the total count.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn list(&self, page: Page) -> Result<(u64, Vec<Resource>), StoreError> {
        let conn = &self.store.reader;
        let total = self.scoped().count(conn).await?;
        if page.count == 0 || page.offset() >= total {
            return Ok((total, Vec::new()));
        }
        let rows = self
            .scoped()
            .order_by_asc(resource::Column::CreatedAt)
            .order_by_asc(resource::Column::Id)
            .offset(page.offset())
            .limit(page.count)
            .all(conn)
            .await?;
        Ok((total, self.load_many(conn, rows).await?))
    }

    /// A row with its members (Groups) or groups (Users).
    async fn load<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: resource::Model,
    ) -> Result<Resource, StoreError> {
        let mut many = self.load_many(conn, vec![row]).await?;
        many.pop().ok_or(StoreError::NotFound)
    }

    async fn load_many<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: Vec<resource::Model>,
    ) -> Result<Vec<Resource>, StoreError> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut resources = rows
            .into_iter()
            .map(|row| to_resource(row, self.kind))
            .collect::<Result<Vec<_>, _>>()?;
        match self.kind {
            ResourceKind::Group => {
                let mut by_group = members::members_of(conn, &ids).await?;
                for r in &mut resources {
                    r.members = Some(by_group.remove(&r.id).unwrap_or_default());
                }
            }
            ResourceKind::User => {
                let mut by_user = members::groups_of(conn, self.tenant, &ids).await?;
                for r in &mut resources {
                    r.groups = Some(by_user.remove(&r.id).unwrap_or_default());
                }
            }
        }
        Ok(resources)
    }
}

/// scimd's ids are UUIDs; anything else names no resource and never reaches a query (a NUL
/// byte in an id would make PostgreSQL fail instead of answering "not found").
pub(super) fn is_resource_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::try_parse(id).is_ok()
}

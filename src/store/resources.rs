//! Users and Groups of one tenant: create, read, replace, delete and list, each one
//! transaction (RFC 7644 §3.3–§3.6).
use entity::resource;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, SqlErr,
};
use serde_json::{Map, Value};

use super::condition::{self, Dialect, Windowed};
use super::convert::to_resource;
use super::{Store, StoreError, TenantId, index, members, now, statistics};
use crate::scim::ScimError;
use crate::scim::id::ResourceId;
use crate::scim::list::cursor::Cursor;
use crate::scim::list::plan::{ListQuery, Window};
use crate::scim::patch::MemberChange;
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
    /// A PATCH's changes to Group members, applied row by row.
    pub member_change: Option<MemberChange>,
    /// A new password hash; `None` keeps the stored one.
    pub password_hash: Option<String>,
}

/// A tenant's resources of one kind. Every query adds `tenant_id` and `resource_type`.
pub struct Resources<'a> {
    store: &'a Store,
    tenant: TenantId,
    kind: ResourceKind,
    /// Whether single reads and writes return memberships (Group members, User groups).
    memberships: bool,
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
            memberships: true,
        }
    }

    /// Leaves memberships out of what `get`, `create` and `replace` return, when the client
    /// excluded them: a PATCH to a group of 100,000 members then costs what its change costs.
    pub fn memberships(mut self, load: bool) -> Self {
        self.memberships = load;
        self
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
            id: super::new_id(),
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
        let tx = self.store.begin_write().await?;
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

    /// Creates many resources in one transaction, for loading a directory at once (and the
    /// benchmark's million users). Uniqueness holds as for `create`; a violation aborts the
    /// whole batch. Returns the new ids in order.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str(), n = writes.len()))]
    pub async fn import(&self, writes: &[Write]) -> Result<Vec<String>, StoreError> {
        const ROWS: usize = 200;
        let at = now();
        let tx = self.store.begin_write().await?;
        let mut ids = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(ROWS) {
            let rows: Vec<resource::ActiveModel> = chunk
                .iter()
                .map(|write| {
                    let id = super::new_id();
                    ids.push(id.clone());
                    resource::ActiveModel::from(resource::Model {
                        id,
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
                    })
                })
                .collect();
            resource::Entity::insert_many(rows)
                .exec_without_returning(&tx)
                .await
                .map_err(|e| StoreError::unique_as(e, self.unique_attribute()))?;
        }
        let values: Vec<(String, &'static str, String)> = writes
            .iter()
            .zip(&ids)
            .flat_map(|(w, id)| {
                w.derived
                    .index
                    .iter()
                    .map(move |(p, v)| (id.clone(), *p, v.clone()))
            })
            .collect();
        index::insert(&tx, self.tenant, self.kind, &values).await?;
        for (write, id) in writes.iter().zip(&ids) {
            if let Some(inputs) = &write.members {
                members::set(&tx, self.tenant, id, inputs).await?;
            }
        }
        tx.commit().await?;
        // The import has committed: a failed ANALYZE must not make it look failed (a caller
        // would create the same resources again).
        if let Err(err) = statistics::refresh_after_import(&self.store.writer, writes.len()).await {
            tracing::warn!(error = %err, "refreshing planner statistics after an import failed");
        }
        Ok(ids)
    }

    /// Replaces resource `id` with what `rules` makes of its current state, in one
    /// transaction whose UPDATE only succeeds if nobody changed the row since it was read.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    ///
    /// With `expected` (an `If-Match` version), a resource at any other version is not
    /// touched: [`StoreError::PreconditionFailed`]. The check is the UPDATE's own
    /// `version = expected` condition, so a writer in between cannot slip through.
    pub async fn replace<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        rules: F,
    ) -> Result<Resource, StoreError>
    where
        F: Fn(&Resource) -> Result<Write, ScimError>,
    {
        if !is_resource_id(id) {
            return Err(StoreError::NotFound);
        }
        for _ in 0..MAX_ATTEMPTS {
            match self.try_replace(id, expected, &rules).await {
                Ok(resource) => return Ok(resource),
                Err(Attempt::Retry) => continue,
                Err(Attempt::Failed(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn try_replace<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        rules: &F,
    ) -> Result<Resource, Attempt>
    where
        F: Fn(&Resource) -> Result<Write, ScimError>,
    {
        let tx = self.store.begin_write().await?;
        let mut read = self.scoped().filter(resource::Column::Id.eq(id));
        if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Concurrent writers to one row queue here instead of failing the version check
            // and retrying (SQLite has a single writer connection, so they queue anyway).
            read = read.lock_exclusive();
        }
        let row = read
            .one(&tx)
            .await?
            .ok_or(Attempt::Failed(StoreError::NotFound))?;
        if expected.is_some_and(|v| v != row.version) {
            return Err(Attempt::Failed(StoreError::PreconditionFailed));
        }
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
            return Err(match expected {
                Some(_) => Attempt::Failed(StoreError::PreconditionFailed),
                None => Attempt::Retry,
            });
        }
        index::set(&tx, self.tenant, self.kind, id, &write.derived.index).await?;
        if let Some(inputs) = &write.members {
            members::set(&tx, self.tenant, id, inputs).await?;
        }
        if let Some(change) = &write.member_change {
            members::apply(&tx, self.tenant, id, change).await?;
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
    pub async fn delete(&self, id: &str, expected: Option<i64>) -> Result<(), StoreError> {
        if !is_resource_id(id) {
            return Err(StoreError::NotFound);
        }
        let tx = self.store.begin_write().await?;
        // Before the row goes: the cascade would hide which groups held it. A failed
        // precondition below rolls this back too.
        members::detach(&tx, self.tenant, id).await?;
        let mut delete = resource::Entity::delete_many()
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(resource::Column::ResourceType.eq(self.kind.as_str()))
            .filter(resource::Column::Id.eq(id));
        if let Some(version) = expected {
            delete = delete.filter(resource::Column::Version.eq(version));
        }
        let result = delete.exec(&tx).await?;
        if result.rows_affected == 0 {
            // Nothing was deleted; the transaction rolls back on drop.
            let exists = self
                .scoped()
                .filter(resource::Column::Id.eq(id))
                .count(&tx)
                .await?
                > 0;
            return Err(if exists {
                StoreError::PreconditionFailed
            } else {
                StoreError::NotFound
            });
        }
        tx.commit().await?;
        Ok(())
    }

    /// One page of the resources `query` selects, the total, and where a cursor walk goes
    /// next. Memberships (Group members, User groups) are loaded only when `memberships`.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn list(&self, query: &ListQuery, memberships: bool) -> Result<Listed, StoreError> {
        let conn = &self.store.reader;
        let dialect = Dialect {
            backend: conn.get_database_backend(),
            tenant: self.tenant,
            kind: self.kind,
        };
        let mut select = self.scoped();
        if let Some(filter) = &query.filter {
            select = select.filter(condition::condition(filter, dialect));
        }
        let total = select.clone().count(conn).await?;
        if let Some(sort) = &query.sort {
            select =
                condition::sorted(select, condition::sort_expr(&sort.key, dialect), sort.order);
        }
        let (rows, next) = page(select, &query.window, query.sort.is_some(), total, conn).await?;
        let resources = self.load_many(conn, rows, memberships).await?;
        Ok(Listed {
            total,
            resources,
            next,
        })
    }

    /// A row with its members (Groups) or groups (Users).
    async fn load<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: resource::Model,
    ) -> Result<Resource, StoreError> {
        let mut many = self.load_many(conn, vec![row], self.memberships).await?;
        many.pop().ok_or(StoreError::NotFound)
    }

    pub(super) async fn load_rows<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: Vec<resource::Model>,
        memberships: bool,
    ) -> Result<Vec<Resource>, StoreError> {
        self.load_many(conn, rows, memberships).await
    }

    async fn load_many<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: Vec<resource::Model>,
        memberships: bool,
    ) -> Result<Vec<Resource>, StoreError> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut resources = rows
            .into_iter()
            .map(|row| to_resource(row, self.kind))
            .collect::<Result<Vec<_>, _>>()?;
        if !memberships || resources.is_empty() {
            return Ok(resources);
        }
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

/// A page of a list, with the total and the next cursor of a cursor walk.
#[derive(Debug, Clone)]
pub struct Listed {
    pub total: u64,
    pub resources: Vec<Resource>,
    pub next: Option<Cursor>,
}

/// The rows of `window` in `select`'s order, and the next cursor (see `condition::window`).
pub(super) async fn page<C: ConnectionTrait>(
    select: sea_orm::Select<resource::Entity>,
    window: &Window,
    has_sort: bool,
    total: u64,
    conn: &C,
) -> Result<(Vec<resource::Model>, Option<Cursor>), StoreError> {
    match condition::window(select, window, has_sort, total)? {
        None => Ok((Vec::new(), None)),
        Some(Windowed { select, next }) => Ok(next.page(select.all(conn).await?)),
    }
}

/// scimd's ids are UUIDs; anything else names no resource and never reaches a query (a NUL
/// byte in an id would make PostgreSQL fail instead of answering "not found").
pub(super) fn is_resource_id(id: &str) -> bool {
    ResourceId::parse(id).is_some()
}

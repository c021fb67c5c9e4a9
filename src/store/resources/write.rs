//! The write seam: create, replace and delete one resource, each in one transaction that also
//! rewrites its index rows and memberships (RFC 7644 §3.3, §3.5.1, §3.5.2, §3.6). A write that
//! loses a race to a concurrent writer is retried; `If-Match` makes it fail instead.
use std::future::Future;

use chrono::{DateTime, Utc};
use entity::resource;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    SqlErr,
};
use serde_json::Value;

use super::{Resources, Write};
use crate::scim::ScimError;
use crate::scim::event::{self, Change, GroupAt};
use crate::scim::id::ResourceId;
use crate::scim::resource::Resource;
use crate::store::activity::Subject;
use crate::store::events::{self, Resolved};
use crate::store::members::Delta;
use crate::store::{StoreError, index, members, now};

/// How often a write is retried when a concurrent writer got there first.
const MAX_ATTEMPTS: usize = 8;

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

/// Runs `attempt` until it finishes, at most [`MAX_ATTEMPTS`] times.
async fn retry<F, Fut>(mut attempt: F) -> Result<Resource, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Resource, Attempt>>,
{
    for _ in 0..MAX_ATTEMPTS {
        match attempt().await {
            Ok(resource) => return Ok(resource),
            Err(Attempt::Retry) => continue,
            Err(Attempt::Failed(err)) => return Err(err),
        }
    }
    Err(StoreError::Conflict)
}

impl Resources<'_> {
    /// The row a new resource `id` is stored as, at version 1.
    pub(super) fn new_row(&self, write: &Write, id: String, at: DateTime<Utc>) -> resource::Model {
        let columns = &write.derived.columns;
        resource::Model {
            id,
            tenant_id: self.tenant.get(),
            resource_type: self.kind.as_str().to_owned(),
            name_ci: columns.name_ci.clone(),
            display: columns.display.clone(),
            external_id: columns.external_id.clone(),
            active: columns.active,
            password_hash: write.password_hash.clone(),
            data: Value::Object(write.data.clone()),
            data_ci: Value::Object(write.derived.search.clone()),
            created_at: at,
            last_modified: at,
            version: 1,
        }
    }

    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn create(&self, write: Write) -> Result<Resource, StoreError> {
        let resolved = self.resolve_origin().await?;
        retry(|| self.try_create(&write, &resolved)).await
    }

    async fn try_create(&self, write: &Write, resolved: &Resolved) -> Result<Resource, Attempt> {
        let row = self.new_row(write, crate::store::new_id(), now());
        let tx = self.store.begin_write().await?;
        resource::Entity::insert(resource::ActiveModel::from(row.clone()))
            .exec_without_returning(&tx)
            .await
            .map_err(|e| self.unique(e))?;
        index::set(&tx, self.tenant, self.kind, &row.id, &write.derived.index).await?;
        let delta = match &write.members {
            Some(inputs) => members::set(&tx, self.tenant, &row.id, inputs).await?,
            None => Delta::default(),
        };
        let resource = self.load(&tx, row).await?;
        let mut changes = vec![event::created(resolved.render(self.kind), &resource)];
        changes.extend(member_events(&resource, delta));
        events::append_recorded(&tx, self.tenant, resolved, changes, Subject::of(&resource))
            .await?;
        self.store.commit_events(tx).await?;
        resolved.committed();
        Ok(resource)
    }

    /// Rewrites row `row` (as read) with `write` at the next version, if it is still at
    /// `row.version`; false when another writer got there first.
    pub(super) async fn update_row<C: ConnectionTrait>(
        &self,
        conn: &C,
        write: &Write,
        row: &resource::Model,
        at: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
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
            .filter(resource::Column::Id.eq(&row.id))
            .filter(resource::Column::Version.eq(row.version))
            .exec(conn)
            .await?;
        Ok(result.rows_affected > 0)
    }

    fn unique(&self, err: DbErr) -> Attempt {
        match StoreError::unique_as(err, self.unique_attribute()) {
            StoreError::Database(err) => err.into(),
            other => Attempt::Failed(other),
        }
    }

    /// Replaces resource `id` with what `rules` makes of its current state, in one
    /// transaction whose UPDATE only succeeds if nobody changed the row since it was read.
    ///
    /// With `expected` (an `If-Match` version), a resource at any other version is not
    /// touched: [`StoreError::PreconditionFailed`]. The check is the UPDATE's own
    /// `version = expected` condition, so a writer in between cannot slip through.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn replace<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        rules: F,
    ) -> Result<Resource, StoreError>
    where
        F: Fn(&Resource) -> Result<Write, ScimError>,
    {
        if ResourceId::parse(id).is_none() {
            return Err(StoreError::NotFound);
        }
        let resolved = self.resolve_origin().await?;
        retry(|| self.try_replace(id, expected, &rules, &resolved)).await
    }

    /// A write that changes nothing — no attribute, no member, no password, as an
    /// unchanged full PUT from Okta — writes nothing: no new version, no event.
    async fn try_replace<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        rules: &F,
        resolved: &Resolved,
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
        let current = crate::store::convert::to_resource(row.clone(), self.kind)?;
        let write = rules(&current).map_err(|e| Attempt::Failed(e.into()))?;
        let mut delta = match &write.members {
            Some(inputs) => members::set(&tx, self.tenant, id, inputs).await?,
            None => Delta::default(),
        };
        if let Some(change) = &write.member_change {
            delta = delta.then(members::apply(&tx, self.tenant, id, change).await?);
        }
        let password_changed = write.password_hash.is_some();
        if write.data == current.data && delta.is_empty() && !password_changed {
            drop(tx);
            return Ok(self.load(&self.store.reader, row).await?);
        }
        let at = now();
        let columns = &write.derived.columns;
        let updated = self
            .update_row(&tx, &write, &row, at)
            .await
            .map_err(|e| self.unique(e))?;
        if !updated {
            return Err(match expected {
                Some(_) => Attempt::Failed(StoreError::PreconditionFailed),
                None => Attempt::Retry,
            });
        }
        // The index rows derive from the attributes alone: a change of members only (most
        // of Entra's and Okta's group PATCHes) leaves them as they are.
        if write.data != current.data {
            index::set(&tx, self.tenant, self.kind, id, &write.derived.index).await?;
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
        let mut changes: Vec<Change> = event::updated(
            resolved.render(self.kind),
            &current,
            &resource,
            password_changed,
        )
        .into_iter()
        .collect();
        changes.extend(member_events(&resource, delta));
        events::append_recorded(&tx, self.tenant, resolved, changes, Subject::of(&resource))
            .await?;
        self.store.commit_events(tx).await?;
        resolved.committed();
        Ok(resource)
    }

    /// Deletes resource `id` and, in the same transaction, every membership that names it:
    /// one `*.deleted` event, and a `group.member_removed` for each group that held it.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn delete(&self, id: &str, expected: Option<i64>) -> Result<(), StoreError> {
        if ResourceId::parse(id).is_none() {
            return Err(StoreError::NotFound);
        }
        let resolved = self.resolve_origin().await?;
        let tx = self.store.begin_write().await?;
        let mut read = self.scoped().filter(resource::Column::Id.eq(id));
        if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            read = read.lock_exclusive();
        }
        let row = read.one(&tx).await?.ok_or(StoreError::NotFound)?;
        if expected.is_some_and(|v| v != row.version) {
            return Err(StoreError::PreconditionFailed);
        }
        // Before the row goes: the cascade would hide which groups held it.
        let holders = members::detach(&tx, self.tenant, id).await?;
        let result = resource::Entity::delete_many()
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(resource::Column::Id.eq(id))
            .filter(resource::Column::Version.eq(row.version))
            .exec(&tx)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict);
        }
        let gone = crate::store::convert::to_resource(row, self.kind)?;
        let mut changes = vec![event::deleted(&gone)];
        changes.extend(
            holders
                .iter()
                .map(|group| event::member(group, id, self.kind, false)),
        );
        events::append_recorded(&tx, self.tenant, &resolved, changes, Subject::of(&gone)).await?;
        self.store.commit_events(tx).await?;
        resolved.committed();
        Ok(())
    }
}

/// The membership events of a write to `group`, at the version the write gave it.
pub(super) fn member_events(group: &Resource, delta: Delta) -> Vec<Change> {
    if delta.is_empty() {
        return Vec::new();
    }
    let at = GroupAt {
        id: group.id.clone(),
        external_id: group
            .data
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        version: group.meta.version,
    };
    let removed = delta
        .removed
        .iter()
        .map(|(member, kind)| event::member(&at, member, *kind, false));
    let added = delta
        .added
        .iter()
        .map(|(member, kind)| event::member(&at, member, *kind, true));
    removed.chain(added).collect()
}

//! Many creates in one transaction, for loading a directory at once: a run of `/Bulk` POSTs
//! (RFC 7644 §3.7), `scimd import` and the benchmark's million users; and many replaces in
//! one, for `scimd import` re-run on a changed file.
use std::collections::HashMap;

use entity::resource;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{Resources, Write};
use crate::scim::ScimError;
use crate::scim::event::{self, Change};
use crate::scim::id::ResourceId;
use crate::scim::resource::Resource;
use crate::store::activity::{self, Plan};
use crate::store::convert::to_resource;
use crate::store::events;
use crate::store::{StoreError, index, members, now, statistics};

/// The membership events of a group created in an import, from its `created` event.
fn member_events_at(id: &str, created: &Change, delta: members::Delta) -> Vec<Change> {
    let group = event::GroupAt {
        id: id.to_owned(),
        external_id: created.resource.external_id.clone(),
        version: 1,
    };
    delta
        .added
        .iter()
        .map(|(member, kind)| event::member(&group, member, *kind, true))
        .collect()
}

/// Rows per INSERT, under both backends' bound-parameter limits.
const ROWS: usize = 200;

impl Resources<'_> {
    /// Creates many resources in one transaction. Uniqueness holds as for `create`; a
    /// violation aborts the whole batch. Returns the new ids in order.
    pub async fn import(&self, writes: &[Write]) -> Result<Vec<String>, StoreError> {
        let ids: Vec<ResourceId> = writes.iter().map(|_| ResourceId::new()).collect();
        self.import_as(&ids, writes).await?;
        Ok(ids.into_iter().map(ResourceId::into_string).collect())
    }

    /// [`import`](Self::import) with the ids chosen by the caller, one per write and each a
    /// fresh [`ResourceId::new`]: `scimd import` knows every new resource's id before it
    /// writes, so a group can name a group created in the same batch, and a dry run can plan
    /// memberships without writing.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str(), n = writes.len()))]
    pub async fn import_as(&self, ids: &[ResourceId], writes: &[Write]) -> Result<(), StoreError> {
        if ids.len() != writes.len() {
            return Err(StoreError::Config(format!(
                "import_as: {} ids for {} writes",
                ids.len(),
                writes.len()
            )));
        }
        let ids: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        let resolved = self.resolve_origin().await?;
        let at = now();
        let tx = self.store.begin_write().await?;
        let mut changes = Vec::with_capacity(writes.len());
        for (chunk, chunk_ids) in writes.chunks(ROWS).zip(ids.chunks(ROWS)) {
            let models: Vec<resource::Model> = chunk
                .iter()
                .zip(chunk_ids)
                .map(|(write, id)| self.new_row(write, id.clone(), at))
                .collect();
            for model in &models {
                let created = to_resource(model.clone(), self.kind)?;
                changes.push(event::created(resolved.render(self.kind), &created));
            }
            let rows: Vec<resource::ActiveModel> = models
                .into_iter()
                .map(resource::ActiveModel::from)
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
        let mut member_changes = Vec::new();
        for ((write, id), created) in writes.iter().zip(&ids).zip(&changes) {
            if let Some(inputs) = &write.members {
                let delta = members::set(&tx, self.tenant, id, inputs).await?;
                member_changes.extend(member_events_at(id, created, delta));
            }
        }
        changes.extend(member_changes);
        let plan = resolved
            .origin
            .activity
            .as_ref()
            .map(|_| Plan::of(&changes));
        let seqs = events::append(&tx, self.tenant, &resolved, changes).await?;
        if let (Some(slot), Some(plan)) = (&resolved.origin.activity, plan) {
            activity::record_each(&tx, slot, self.tenant, plan.with_seqs(&seqs)).await?;
        }
        self.store.commit_events(tx).await?;
        resolved.committed();
        // The import has committed: a failed ANALYZE must not make it look failed (a caller
        // would create the same resources again).
        if let Err(err) = statistics::refresh_after_import(&self.store.writer, writes.len()).await {
            tracing::warn!(error = %err, "refreshing planner statistics after an import failed");
        }
        Ok(())
    }
}

impl Resources<'_> {
    /// Replaces resources `ids` (each at most once) in one transaction, each with what
    /// `rules` makes of its current state (`rules(i, current)` for `ids[i]`; memberships are
    /// not loaded). All or nothing: a resource missing, refused by `rules` or changed by
    /// another writer in between fails the whole batch, and a caller that needs to know which
    /// replaces them one by one.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str(), n = ids.len()))]
    pub async fn replace_all<F>(&self, ids: &[String], rules: F) -> Result<(), StoreError>
    where
        F: Fn(usize, &Resource) -> Result<Write, ScimError>,
    {
        let resolved = self.resolve_origin().await?;
        let tx = self.store.begin_write().await?;
        let mut rows: HashMap<String, resource::Model> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS) {
            let mut read = self
                .scoped()
                .filter(resource::Column::Id.is_in(chunk.iter().cloned()));
            if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
                read = read.lock_exclusive();
            }
            rows.extend(read.all(&tx).await?.into_iter().map(|r| (r.id.clone(), r)));
        }
        let at = now();
        let mut values: Vec<(String, &'static str, String)> = Vec::new();
        let mut changed_ids = Vec::new();
        let mut changes = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let row = rows.remove(id).ok_or(StoreError::NotFound)?;
            let before = to_resource(row.clone(), self.kind)?;
            let write = rules(i, &before)?;
            let delta = match &write.members {
                Some(inputs) => members::set(&tx, self.tenant, id, inputs).await?,
                None => members::Delta::default(),
            };
            let password_changed = write.password_hash.is_some();
            if write.data == before.data && delta.is_empty() && !password_changed {
                continue;
            }
            let updated = self
                .update_row(&tx, &write, &row, at)
                .await
                .map_err(|e| StoreError::unique_as(e, self.unique_attribute()))?;
            if !updated {
                return Err(StoreError::Conflict);
            }
            let after = Resource {
                data: write.data.clone(),
                meta: crate::scim::resource::Meta {
                    last_modified: at,
                    version: row.version + 1,
                    ..before.meta.clone()
                },
                ..before.clone()
            };
            changes.extend(event::updated(
                resolved.render(self.kind),
                &before,
                &after,
                password_changed,
            ));
            changes.extend(super::write::member_events(&after, delta));
            changed_ids.push(id.clone());
            values.extend(
                write
                    .derived
                    .index
                    .iter()
                    .map(|(p, v)| (id.clone(), *p, v.clone())),
            );
        }
        index::remove(&tx, self.tenant, &changed_ids).await?;
        index::insert(&tx, self.tenant, self.kind, &values).await?;
        events::append(&tx, self.tenant, &resolved, changes).await?;
        self.store.commit_events(tx).await?;
        Ok(())
    }
}

//! Many creates in one transaction, for loading a directory at once: a run of `/Bulk` POSTs
//! (RFC 7644 §3.7), `scimd import` and the benchmark's million users.
use entity::resource;
use sea_orm::EntityTrait;

use super::{Resources, Write};
use crate::scim::id::ResourceId;
use crate::store::{StoreError, index, members, now, statistics};

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
        let at = now();
        let tx = self.store.begin_write().await?;
        for (chunk, chunk_ids) in writes.chunks(ROWS).zip(ids.chunks(ROWS)) {
            let rows: Vec<resource::ActiveModel> = chunk
                .iter()
                .zip(chunk_ids)
                .map(|(write, id)| resource::ActiveModel::from(self.new_row(write, id.clone(), at)))
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
        Ok(())
    }
}

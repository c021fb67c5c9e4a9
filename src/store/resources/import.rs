//! Many creates in one transaction, for loading a directory at once: a run of `/Bulk` POSTs
//! (RFC 7644 §3.7) and the benchmark's million users.
use entity::resource;
use sea_orm::EntityTrait;

use super::{Resources, Write};
use crate::store::{StoreError, index, members, new_id, now, statistics};

/// Rows per INSERT, under both backends' bound-parameter limits.
const ROWS: usize = 200;

impl Resources<'_> {
    /// Creates many resources in one transaction. Uniqueness holds as for `create`; a
    /// violation aborts the whole batch. Returns the new ids in order.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str(), n = writes.len()))]
    pub async fn import(&self, writes: &[Write]) -> Result<Vec<String>, StoreError> {
        let at = now();
        let tx = self.store.begin_write().await?;
        let mut ids = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(ROWS) {
            let rows: Vec<resource::ActiveModel> = chunk
                .iter()
                .map(|write| {
                    let id = new_id();
                    ids.push(id.clone());
                    resource::ActiveModel::from(self.new_row(write, id, at))
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
}

//! Finding a tenant's resources by what names them outside scimd, many at once: ids,
//! userName / group displayName (case-insensitively, as uniqueness compares them) and
//! externalId (RFC 7643 §3.1). `scimd import` matches a file's rows with it.
use std::collections::HashSet;

use entity::resource;
use sea_orm::{ColumnTrait, QueryFilter};

use super::Resources;
use crate::scim::id::ResourceId;
use crate::scim::resource::Resource;
use crate::store::StoreError;

/// Values per `IN (…)`, well under both backends' bound-parameter limits.
const CHUNK: usize = 500;

/// What to look resources up by; any part may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// Resource ids; values that cannot be ids are skipped, never sent to the database.
    pub ids: Vec<String>,
    /// userName (Users) or displayName (Groups), compared case-insensitively.
    pub names: Vec<String>,
    /// externalId, compared exactly (it is caseExact).
    pub external_ids: Vec<String>,
}

impl Resources<'_> {
    /// The resources any value of `lookup` names, each once, in no particular order; with
    /// their memberships unless the handle leaves them out. Every part is read through the
    /// indexes (primary key, `ux_resources_name`, `ix_resources_external_id`).
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn find(&self, lookup: &Lookup) -> Result<Vec<Resource>, StoreError> {
        let ids = distinct(
            lookup
                .ids
                .iter()
                .filter(|id| ResourceId::parse(id).is_some())
                .map(|id| id.to_lowercase()),
        );
        let names = distinct(lookup.names.iter().map(|n| n.to_lowercase()));
        let external_ids = distinct(lookup.external_ids.iter().cloned());
        let conn = &self.store.reader;
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for (column, values) in [
            (resource::Column::Id, &ids),
            (resource::Column::NameCi, &names),
            (resource::Column::ExternalId, &external_ids),
        ] {
            for chunk in values.chunks(CHUNK) {
                let found = self
                    .scoped()
                    .filter(column.is_in(chunk.iter().cloned()))
                    .all(conn)
                    .await?;
                rows.extend(found.into_iter().filter(|r| seen.insert(r.id.clone())));
            }
        }
        self.load_many(conn, rows, self.memberships).await
    }
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = values.collect();
    out.sort_unstable();
    out.dedup();
    out
}

//! Users and Groups of one tenant (RFC 7644 §3.3–§3.6): the write seam (`write`: create,
//! replace, delete, each one transaction; `import`: many creates in one), single reads,
//! lookups by name and externalId (`lookup`), and lists (`list`, the root `search`).
use entity::resource;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};

use super::convert::to_resource;
use super::events::{Origin, Resolved};
use super::{Store, StoreError, TenantId, members};
use crate::scim::id::ResourceId;
use crate::scim::patch::MemberChange;
use crate::scim::resource::{Derived, MemberInput, Resource};
use crate::scim::schema::ResourceKind;

mod import;
mod list;
mod lookup;
mod search;
#[cfg(test)]
mod tests;
mod write;

pub use list::Listed;
pub use lookup::Lookup;

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
    /// Who writes, for the change events; `None` is the `cli`.
    origin: Option<std::sync::Arc<Origin>>,
}

impl<'a> Resources<'a> {
    pub(super) fn new(store: &'a Store, tenant: TenantId, kind: ResourceKind) -> Self {
        Self {
            store,
            tenant,
            kind,
            memberships: true,
            origin: None,
        }
    }

    /// Who the writes through this handle come from (the events' actor, request id, and how
    /// they render the resource).
    pub fn origin(mut self, origin: std::sync::Arc<Origin>) -> Self {
        self.origin = Some(origin);
        self
    }

    async fn resolve_origin(&self) -> Result<Resolved, StoreError> {
        self.store
            .resolve_origin(self.tenant, self.origin.as_ref())
            .await
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
    pub async fn get(&self, id: &str) -> Result<Resource, StoreError> {
        if ResourceId::parse(id).is_none() {
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

    /// A row with its members (Groups) or groups (Users).
    async fn load<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: resource::Model,
    ) -> Result<Resource, StoreError> {
        let mut many = self.load_many(conn, vec![row], self.memberships).await?;
        many.pop().ok_or(StoreError::NotFound)
    }

    /// Rows as resources, with their memberships when `memberships`.
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

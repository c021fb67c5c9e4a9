//! The fixture of the store's own tests (lldap's `sql_*_backend_handler.rs` habit): a fresh
//! in-memory SQLite database migrated by `Store::connect`, two tenants, and Users and Groups
//! written the way the API writes them. PostgreSQL is covered by the HTTP suite.
use serde_json::{Value, json};

use super::{PoolConfig, Store, StoreError, TenantId, TenantStore, Write};
use crate::scim::resource::{self, Resource};
use crate::scim::schema::{Registry, ResourceKind};
use crate::scim::validate::{self, Leniency};

pub(crate) struct Fixture {
    pub store: Store,
    /// The tenant the tests write to.
    pub tenant: TenantId,
    /// A second tenant, whose data must never show in the first.
    pub other: TenantId,
}

pub(crate) async fn fixture() -> Fixture {
    let store = Store::connect("sqlite::memory:", &PoolConfig::default())
        .await
        .unwrap();
    let tenant = store.tenants().ensure("acme").await.unwrap().id;
    let other = store.tenants().ensure("globex").await.unwrap().id;
    Fixture {
        store,
        tenant,
        other,
    }
}

impl Fixture {
    pub fn acme(&self) -> TenantStore<'_> {
        self.store.tenant(self.tenant)
    }

    pub fn globex(&self) -> TenantStore<'_> {
        self.store.tenant(self.other)
    }

    /// A User of the test tenant with `attributes` besides its userName.
    pub async fn user(&self, user_name: &str, attributes: Value) -> Resource {
        let mut body = attributes;
        body["userName"] = json!(user_name);
        self.acme()
            .users()
            .create(write(ResourceKind::User, body))
            .await
            .unwrap()
    }

    /// A Group of the test tenant with members `members` (ids).
    pub async fn group(&self, name: &str, members: &[&str]) -> Resource {
        self.acme()
            .groups()
            .create(group_write(name, members))
            .await
            .unwrap()
    }

    /// The current state of resource `id` of the test tenant.
    pub async fn get(&self, kind: ResourceKind, id: &str) -> Result<Resource, StoreError> {
        self.acme().resources(kind).get(id).await
    }
}

/// The store's write for a POST body of `kind`, prepared as `api::writes` prepares one.
pub(super) fn write(kind: ResourceKind, mut body: Value) -> Write {
    let rt = Registry::core().resource_type(kind);
    body["schemas"] = json!([rt.schema.id]);
    let data = validate::normalize(rt, &body, Leniency::Strict).unwrap();
    let prepared = resource::prepare(kind, data);
    Write {
        derived: resource::derive(rt, &prepared.data).unwrap(),
        data: prepared.data,
        members: prepared.members,
        member_change: None,
        password_hash: None,
    }
}

pub(crate) fn group_write(name: &str, members: &[&str]) -> Write {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    write(
        ResourceKind::Group,
        json!({"displayName": name, "members": members}),
    )
}

/// The member ids of a Group, in the order the store returns them.
pub(super) fn member_ids(group: &Resource) -> Vec<String> {
    let mut ids: Vec<String> = group
        .members
        .iter()
        .flatten()
        .map(|m| m.value.clone())
        .collect();
    ids.sort();
    ids
}

/// The group ids of a User, direct and inherited, sorted.
pub(super) fn group_ids(user: &Resource) -> Vec<String> {
    let mut ids: Vec<String> = user
        .groups
        .iter()
        .flatten()
        .map(|g| g.value.clone())
        .collect();
    ids.sort();
    ids
}

/// `ids`, owned and sorted, to compare with `member_ids` and `group_ids`.
pub(super) fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    ids.sort();
    ids
}

impl Fixture {
    /// The ids of the test tenant's resources of `kind` that `filter` selects, sorted: the
    /// condition the list query runs, on its own.
    pub async fn select(&self, kind: ResourceKind, filter: &str) -> Vec<String> {
        use entity::resource as row;
        use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend};

        use super::condition::{Dialect, select_ids};
        use crate::scim::filter::{parse_filter, resolve};

        let rt = Registry::core().resource_type(kind);
        let parsed = parse_filter(filter, Leniency::Strict).unwrap();
        let resolved = resolve(rt, &parsed, Leniency::Strict).unwrap();
        let dialect = Dialect {
            backend: DbBackend::Sqlite,
            tenant: self.tenant,
            kind,
        };
        let mut select = select_ids(&resolved, dialect);
        select.and_where(row::Column::ResourceType.eq(kind.as_str()));
        let mut ids: Vec<String> = self
            .store
            .reader
            .query_all(&select)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.try_get("", "id").unwrap())
            .collect();
        ids.sort();
        ids
    }
}

//! Change events (shared/CONTRACT.md "Change events"): what one committed change tells the
//! application, before the store gives it a `seq`. Pure: the store writes these in the
//! transaction of the change; the feed and webhooks send the envelope as stored.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use super::resource::{Resource, timestamp};
use super::schema::{ResourceKind, ResourceType};

/// The event types, as `type` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    UserCreated,
    UserUpdated,
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
}

impl EventType {
    pub const ALL: [Self; 10] = [
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::UserDeleted,
        Self::GroupCreated,
        Self::GroupUpdated,
        Self::GroupDeleted,
        Self::GroupMemberAdded,
        Self::GroupMemberRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserReactivated => "user.reactivated",
            Self::UserDeleted => "user.deleted",
            Self::GroupCreated => "group.created",
            Self::GroupUpdated => "group.updated",
            Self::GroupDeleted => "group.deleted",
            Self::GroupMemberAdded => "group.member_added",
            Self::GroupMemberRemoved => "group.member_removed",
        }
    }

    fn created(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::User => Self::UserCreated,
            ResourceKind::Group => Self::GroupCreated,
        }
    }

    fn deleted(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::User => Self::UserDeleted,
            ResourceKind::Group => Self::GroupDeleted,
        }
    }
}

/// A `types=` filter: exact names and `user.*`-style prefixes, comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeFilter(Vec<String>);

impl TypeFilter {
    /// `None` for an entry that names no event type (a typo must not silently match nothing).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let known = match entry.strip_suffix('*') {
                Some(prefix) => EventType::ALL
                    .iter()
                    .any(|t| t.as_str().starts_with(prefix)),
                None => EventType::ALL.iter().any(|t| t.as_str() == entry),
            };
            if !known {
                return Err(format!(
                    "{entry:?} names no event type; use names such as user.created or \
                     prefixes such as user.* (types: {})",
                    EventType::ALL.map(EventType::as_str).join(", ")
                ));
            }
            entries.push(entry.to_owned());
        }
        Ok(Self(entries))
    }

    /// The event types it admits (all of them for an empty filter).
    pub fn types(&self) -> Vec<&'static str> {
        EventType::ALL
            .iter()
            .map(|t| t.as_str())
            .filter(|name| self.admits(name))
            .collect()
    }

    pub fn admits(&self, name: &str) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|entry| match entry.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == entry,
            })
    }
}

/// Who made a change: a SCIM credential (`token:<id>`, `client:<id>`, `jwt:<trust>:<sub>`)
/// with its label, or `cli`, `import` or `admin` for writes no SCIM credential made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = EventActor)]
pub struct Actor {
    /// The SCIM credential that made the change: `token:<id>`, `client:<id>` or
    /// `jwt:<trust>:<sub>`; `null` for writes no SCIM credential made.
    #[schema(
        required = true,
        examples("token:0193f1c2-7a8b-7c3d-9e4f-5a6b7c8d9e0f")
    )]
    pub credential: Option<String>,
    /// The token's or OAuth client's label, a JWT's issuer, or `cli`, `import` or `admin` for
    /// writes no SCIM credential made.
    #[schema(required = true, examples("Okta production"))]
    pub label: Option<String>,
}

impl Actor {
    pub fn credential(key: String, label: Option<String>) -> Self {
        Self {
            credential: Some(key),
            label,
        }
    }

    /// `cli`, `import` or `admin`.
    pub fn named(label: &str) -> Self {
        Self {
            credential: None,
            label: Some(label.to_owned()),
        }
    }
}

/// The resource an event is about, at the version the change gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EventResource)]
pub struct ResourceRef {
    /// `User` or `Group`.
    #[serde(rename = "type")]
    #[schema(examples("User"))]
    pub kind: String,
    /// The resource's SCIM `id`.
    pub id: String,
    /// Its `externalId`, when it has one.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// The ETag; `null` for a deletion.
    #[schema(required = true, examples("W/\"3\""))]
    pub version: Option<String>,
}

/// One change, as the store hands it to the outbox; the seq, id and time come at commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event_type: EventType,
    pub resource: ResourceRef,
    pub changed: Vec<String>,
    pub data: Value,
}

/// The event as the feed and webhooks deliver it (CONTRACT.md's envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ChangeEvent)]
pub struct Envelope {
    /// Unique and stable across retries; a webhook delivery's `webhook-id`.
    pub id: String,
    #[serde(rename = "type")]
    #[schema(schema_with = event_types)]
    pub event_type: String,
    /// The tenant's name.
    #[schema(examples("acme"))]
    pub tenant: String,
    /// Increases by one per event of the tenant, in commit order; the feed's `after`.
    #[schema(examples(42))]
    pub seq: i64,
    /// The commit time.
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub resource: ResourceRef,
    pub actor: Actor,
    /// The `X-Request-Id` of the request that made the change; `null` for other writes.
    #[schema(required = true)]
    pub request_id: Option<String>,
    /// The attribute paths the change touched (`name.givenName`, `members`, …).
    pub changed: Vec<String>,
    /// The resource as `GET` returns it (without `members` or `groups`); for a deletion its
    /// last `id`, `externalId` and `userName` / `displayName`; for a membership change
    /// `{"member": {"value", "type"}}`.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// `type`: one of the event type names.
fn event_types() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "What happened. `user.deactivated` / `user.reactivated` when `active` flips \
             (instead of `user.updated`); membership changes are `group.member_added` / \
             `group.member_removed`, one per member.",
        ))
        .enum_values(Some(EventType::ALL.map(EventType::as_str)))
        .examples([Value::from("user.created")])
}

impl Envelope {
    pub fn new(
        change: Change,
        id: String,
        tenant: &str,
        seq: i64,
        at: DateTime<Utc>,
        actor: &Actor,
        request_id: Option<&str>,
    ) -> Self {
        Self {
            id,
            event_type: change.event_type.as_str().to_owned(),
            tenant: tenant.to_owned(),
            seq,
            occurred_at: timestamp(at),
            resource: change.resource,
            actor: actor.clone(),
            request_id: request_id.map(str::to_owned),
            changed: change.changed,
            data: change.data,
        }
    }
}

/// How the events of a write render the resource: as GET returns it, without members or
/// groups (membership changes are events of their own), at `base` when a request gave one.
#[derive(Debug, Clone, Copy)]
pub struct Render<'a> {
    pub rt: &'a ResourceType,
    /// The SCIM base URL for `meta.location`; without one `location` is left out.
    pub base: Option<&'a str>,
}

impl Render<'_> {
    fn data(&self, resource: &Resource) -> Value {
        let base = self.base.unwrap_or("");
        // Without its references the resource renders as it is; with them, a copy without
        // them (never a copy of a large group's members only to drop them).
        let mut json = if resource.members.is_none() && resource.groups.is_none() {
            resource.to_json(self.rt, base)
        } else {
            Resource {
                id: resource.id.clone(),
                kind: resource.kind,
                data: resource.data.clone(),
                members: None,
                groups: None,
                meta: resource.meta.clone(),
            }
            .to_json(self.rt, base)
        };
        if self.base.is_none()
            && let Some(Value::Object(meta)) = json.get_mut("meta")
        {
            meta.remove("location");
        }
        json
    }
}

fn reference(resource: &Resource, version: bool) -> ResourceRef {
    ResourceRef {
        kind: resource.kind.as_str().to_owned(),
        id: resource.id.clone(),
        external_id: resource
            .data
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        version: version.then(|| resource.etag()),
    }
}

/// The event of a new resource: every attribute it was created with counts as changed.
pub fn created(render: Render<'_>, resource: &Resource) -> Change {
    Change {
        event_type: EventType::created(resource.kind),
        resource: reference(resource, true),
        changed: changed_paths(&Map::new(), &resource.data),
        data: render.data(resource),
    }
}

/// The event of a changed resource, `None` when no attribute changed (membership changes
/// are [`member`] events). `active` flipping makes it `user.deactivated`/`reactivated`.
pub fn updated(
    render: Render<'_>,
    before: &Resource,
    after: &Resource,
    password_changed: bool,
) -> Option<Change> {
    let mut changed = changed_paths(&before.data, &after.data);
    if password_changed {
        changed.push("password".to_owned());
    }
    if changed.is_empty() {
        return None;
    }
    let active = |r: &Resource| r.data.get("active").and_then(Value::as_bool);
    let event_type = match (after.kind, active(before), active(after)) {
        (ResourceKind::User, before, Some(false)) if before != Some(false) => {
            EventType::UserDeactivated
        }
        (ResourceKind::User, Some(false), Some(true)) => EventType::UserReactivated,
        (ResourceKind::User, _, _) => EventType::UserUpdated,
        (ResourceKind::Group, _, _) => EventType::GroupUpdated,
    };
    Some(Change {
        event_type,
        resource: reference(after, true),
        changed,
        data: render.data(after),
    })
}

/// The event of a resource whose values of extension `urn` were deleted with the extension
/// (`scimd schema remove`).
pub fn removed_extension(render: Render<'_>, after: &Resource, urn: &str) -> Change {
    let event_type = match after.kind {
        ResourceKind::User => EventType::UserUpdated,
        ResourceKind::Group => EventType::GroupUpdated,
    };
    Change {
        event_type,
        resource: reference(after, true),
        changed: vec![urn.to_owned()],
        data: render.data(after),
    }
}

/// The event of a deleted resource: its last `id`, `externalId` and name.
pub fn deleted(resource: &Resource) -> Change {
    let name = match resource.kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    let mut data = Map::new();
    data.insert("id".to_owned(), Value::String(resource.id.clone()));
    for key in ["externalId", name] {
        if let Some(value) = resource.data.get(key) {
            data.insert(key.to_owned(), value.clone());
        }
    }
    Change {
        event_type: EventType::deleted(resource.kind),
        resource: reference(resource, false),
        changed: Vec::new(),
        data: Value::Object(data),
    }
}

/// A member added to or removed from `group` (at the version the change gave it).
pub fn member(group: &GroupAt, member_id: &str, member_kind: ResourceKind, added: bool) -> Change {
    Change {
        event_type: if added {
            EventType::GroupMemberAdded
        } else {
            EventType::GroupMemberRemoved
        },
        resource: ResourceRef {
            kind: ResourceKind::Group.as_str().to_owned(),
            id: group.id.clone(),
            external_id: group.external_id.clone(),
            version: Some(super::etag::weak(group.version)),
        },
        changed: vec!["members".to_owned()],
        data: serde_json::json!({"member": {"value": member_id, "type": member_kind.as_str()}}),
    }
}

/// A group as its membership events name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAt {
    pub id: String,
    pub external_id: Option<String>,
    pub version: i64,
}

/// The attribute paths whose values differ between two resources' data: top-level names,
/// and `name.givenName` / `urn:…:User:department` inside complex singular attributes and
/// extensions. `members` and `groups` are never listed here.
pub fn changed_paths(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<String> {
    let mut paths = Vec::new();
    let keys = after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)));
    for key in keys {
        if matches!(
            key.as_str(),
            "schemas" | "id" | "meta" | "members" | "groups"
        ) {
            continue;
        }
        let (old, new) = (before.get(key), after.get(key));
        if old == new {
            continue;
        }
        let object = |v: Option<&Value>| match v {
            Some(Value::Object(m)) => Some(m.clone()),
            _ => None,
        };
        match (object(old), object(new)) {
            (None, None) => paths.push(key.clone()),
            (old, new) => {
                let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
                let separator = if key.starts_with("urn:") { ':' } else { '.' };
                let subs = new
                    .keys()
                    .chain(old.keys().filter(|k| !new.contains_key(*k)));
                for sub in subs {
                    if old.get(sub) != new.get(sub) {
                        paths.push(format!("{key}{separator}{sub}"));
                    }
                }
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests;

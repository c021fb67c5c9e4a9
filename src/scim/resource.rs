//! A stored resource and its JSON representation (RFC 7643 §3: `schemas`, `id`, `meta`;
//! §4.1 `groups`, §4.2 `members`), plus the normalised columns the store indexes.
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::etag;
use super::schema::{ResourceKind, ResourceType, Returned};
use super::search_document::{index_values, search_document};

/// `meta` (RFC 7643 §3.1) minus what is derived from the kind and the base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    pub version: i64,
}

/// One member of a Group, as stored in the membership table.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub value: String,
    pub kind: ResourceKind,
    pub display: String,
}

/// One group a User belongs to, directly or through nested groups.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRef {
    pub value: String,
    pub display: String,
    pub direct: bool,
}

/// A User or Group as read from the store. `members`/`groups` are `None` when not loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub kind: ResourceKind,
    pub data: Map<String, Value>,
    pub members: Option<Vec<Member>>,
    pub groups: Option<Vec<GroupRef>>,
    pub meta: Meta,
}

/// Resource URLs: `{base}/Users/{id}` where base is the SCIM base URL (…/scim/v2).
pub fn location(base: &str, kind: ResourceKind, id: &str) -> String {
    format!("{base}{}/{id}", kind.endpoint())
}

impl Resource {
    pub fn location(&self, base: &str) -> String {
        location(base, self.kind, &self.id)
    }

    pub fn etag(&self) -> String {
        etag::weak(self.meta.version)
    }

    /// The full representation a client receives, attributes in schema order; `returned:
    /// never` attributes are left out.
    pub fn to_json(&self, rt: &ResourceType, base: &str) -> Value {
        let mut out = Map::new();
        let schemas: Vec<&str> = rt
            .schema_urns()
            .enumerate()
            .filter(|(i, urn)| *i == 0 || self.data.contains_key(*urn))
            .map(|(_, urn)| urn)
            .collect();
        out.insert("schemas".to_owned(), json!(schemas));
        out.insert("id".to_owned(), Value::String(self.id.clone()));
        if let Some(external_id) = self.data.get("externalId") {
            out.insert("externalId".to_owned(), external_id.clone());
        }
        for attr in &rt.schema.attributes {
            if attr.returned == Returned::Never {
                continue;
            }
            let value = match attr.name.as_str() {
                "members" if self.kind == ResourceKind::Group => self.members_json(base),
                "groups" if self.kind == ResourceKind::User => self.groups_json(base),
                name => self.data.get(name).cloned(),
            };
            if let Some(value) = value {
                out.insert(attr.name.clone(), value);
            }
        }
        for ext in &rt.extensions {
            if let Some(Value::Object(values)) = self.data.get(&ext.schema.id) {
                let shown: Map<String, Value> = ext
                    .schema
                    .attributes
                    .iter()
                    .filter(|a| a.returned != Returned::Never)
                    .filter_map(|a| Some((a.name.clone(), values.get(&a.name)?.clone())))
                    .collect();
                out.insert(ext.schema.id.clone(), Value::Object(shown));
            }
        }
        out.insert(
            "meta".to_owned(),
            json!({
                "resourceType": self.kind.as_str(),
                "created": timestamp(self.meta.created),
                "lastModified": timestamp(self.meta.last_modified),
                "location": self.location(base),
                "version": self.etag(),
            }),
        );
        Value::Object(out)
    }

    fn members_json(&self, base: &str) -> Option<Value> {
        let members = self.members.as_ref()?;
        let items: Vec<Value> = members
            .iter()
            .map(|m| {
                json!({
                    "value": m.value,
                    "$ref": location(base, m.kind, &m.value),
                    "type": m.kind.as_str(),
                    "display": m.display,
                })
            })
            .collect();
        Some(Value::Array(items))
    }

    fn groups_json(&self, base: &str) -> Option<Value> {
        let groups = self.groups.as_ref().filter(|g| !g.is_empty())?;
        let items: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.value,
                    "$ref": location(base, ResourceKind::Group, &g.value),
                    "display": g.display,
                    "type": if g.direct { "direct" } else { "indirect" },
                })
            })
            .collect();
        Some(Value::Array(items))
    }
}

/// xsd:dateTime with millisecond precision and a `Z` offset.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A member named in a request: its id and, if the client said, its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    pub value: String,
    pub kind: Option<ResourceKind>,
    /// The client's label for the member, stored as given.
    pub display: Option<String>,
}

/// The normalised columns the store keeps beside the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Lower-cased userName or group displayName: what uniqueness is enforced on.
    pub name_ci: String,
    /// displayName, else userName: how references to this resource are shown.
    pub display: String,
    pub external_id: Option<String>,
    pub active: Option<bool>,
}

/// A validated resource split the way the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub data: Map<String, Value>,
    /// The cleartext password from the request, if any (writeOnly: hashed, never stored).
    pub password: Option<String>,
    /// Group members from the request; `None` for Users.
    pub members: Option<Vec<MemberInput>>,
}

/// Splits normalised data (see `validate::normalize`) into document, password and members.
pub fn prepare(kind: ResourceKind, mut data: Map<String, Value>) -> Prepared {
    let password = match data.remove("password") {
        Some(Value::String(p)) => Some(p),
        _ => None,
    };
    let members = match kind {
        ResourceKind::Group => Some(member_inputs(data.remove("members"))),
        ResourceKind::User => None,
    };
    data.remove("groups");
    Prepared {
        data,
        password,
        members,
    }
}

/// Everything the store derives from a document: columns, search document, index values.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub columns: Columns,
    pub search: Map<String, Value>,
    pub index: Vec<(&'static str, String)>,
}

pub fn derive(rt: &ResourceType, data: &Map<String, Value>) -> Result<Derived, ScimError> {
    let columns = columns(rt.kind, data)?;
    let search = search_document(rt, data);
    let index = index_values(rt.kind, &search);
    if let Some((path, _)) = index.iter().find(|(_, v)| v.len() > MAX_INDEXED_LEN) {
        return Err(ScimError::invalid_value(format!(
            "`{path}` is longer than {MAX_INDEXED_LEN} bytes"
        )));
    }
    Ok(Derived {
        columns,
        search,
        index,
    })
}

/// Longest userName, group displayName or externalId: they are indexed, and index entries
/// are bounded (PostgreSQL's btree allows about 2.7 kB).
pub const MAX_INDEXED_LEN: usize = 1024;

/// The attribute that names a resource uniquely within its tenant.
pub fn unique_name(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    }
}

/// Columns derived from a resource's document.
pub fn columns(kind: ResourceKind, data: &Map<String, Value>) -> Result<Columns, ScimError> {
    let text = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
    let (name, display) = match kind {
        ResourceKind::User => {
            let user_name = text("userName")
                .ok_or_else(|| ScimError::invalid_value("`userName` is required for a User"))?;
            let display = text("displayName").unwrap_or_else(|| user_name.clone());
            (user_name, display)
        }
        ResourceKind::Group => {
            let name = text("displayName")
                .ok_or_else(|| ScimError::invalid_value("`displayName` is required for a Group"))?;
            (name.clone(), name)
        }
    };
    let external_id = text("externalId");
    for (attribute, value) in [
        (unique_name(kind), Some(&name)),
        ("externalId", external_id.as_ref()),
    ] {
        if value.is_some_and(|v| v.len() > MAX_INDEXED_LEN) {
            return Err(ScimError::invalid_value(format!(
                "`{attribute}` is longer than {MAX_INDEXED_LEN} bytes"
            )));
        }
    }
    Ok(Columns {
        name_ci: name.to_lowercase(),
        display,
        external_id,
        active: data.get("active").and_then(Value::as_bool),
    })
}

/// Member ids (and types, when given) from a normalised `members` value, without duplicates.
pub fn member_inputs(members: Option<Value>) -> Vec<MemberInput> {
    let Some(Value::Array(items)) = members else {
        return Vec::new();
    };
    let mut out: Vec<MemberInput> = Vec::with_capacity(items.len());
    for item in items {
        let Some(value) = item.get("value").and_then(Value::as_str) else {
            continue;
        };
        if out.iter().any(|m| m.value == value) {
            continue;
        }
        out.push(MemberInput {
            value: value.to_owned(),
            kind: item
                .get("type")
                .and_then(Value::as_str)
                .and_then(ResourceKind::from_name),
            display: item
                .get("display")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_URN, GROUP_URN, Registry, USER_URN};

    fn meta() -> Meta {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Meta {
            created: at,
            last_modified: at,
            version: 3,
        }
    }

    #[test]
    fn user_renders_schemas_id_meta_and_extension() {
        let data = json!({"userName": "bjensen", "externalId": "e1",
            ENTERPRISE_USER_URN: {"department": "R&D"}});
        let user = Resource {
            id: "u1".into(),
            kind: ResourceKind::User,
            data: data.as_object().unwrap().clone(),
            members: None,
            groups: Some(vec![GroupRef {
                value: "g1".into(),
                display: "Staff".into(),
                direct: true,
            }]),
            meta: meta(),
        };
        let rt = Registry::core().resource_type(ResourceKind::User);
        let out = user.to_json(rt, "https://x/scim/v2");
        assert_eq!(out["schemas"], json!([USER_URN, ENTERPRISE_USER_URN]));
        assert_eq!(out["id"], "u1");
        assert_eq!(out["externalId"], "e1");
        assert_eq!(out["meta"]["location"], "https://x/scim/v2/Users/u1");
        assert_eq!(out["meta"]["version"], "W/\"3\"");
        assert_eq!(out["meta"]["created"], "2026-11-23T10:00:00.000Z");
        assert_eq!(out["groups"][0]["$ref"], "https://x/scim/v2/Groups/g1");
        assert_eq!(out["groups"][0]["type"], "direct");
        assert_eq!(out[ENTERPRISE_USER_URN]["department"], "R&D");
    }

    #[test]
    fn group_members_carry_ref_type_and_display() {
        let group = Resource {
            id: "g1".into(),
            kind: ResourceKind::Group,
            data: json!({"displayName": "Staff"}).as_object().unwrap().clone(),
            members: Some(vec![Member {
                value: "u1".into(),
                kind: ResourceKind::User,
                display: "Babs".into(),
            }]),
            groups: None,
            meta: meta(),
        };
        let out = group.to_json(
            Registry::core().resource_type(ResourceKind::Group),
            "http://h/scim/v2",
        );
        assert_eq!(out["schemas"], json!([GROUP_URN]));
        assert_eq!(
            out["members"],
            json!([{"value": "u1", "$ref": "http://h/scim/v2/Users/u1", "type": "User", "display": "Babs"}])
        );
    }

    #[test]
    fn over_long_indexed_values_are_invalid() {
        let long = "x".repeat(MAX_INDEXED_LEN + 1);
        let data = json!({"userName": long});
        let err = columns(ResourceKind::User, data.as_object().unwrap()).unwrap_err();
        assert!(err.detail.contains("userName"));
        let data = json!({"displayName": "g", "externalId": long});
        let err = columns(ResourceKind::Group, data.as_object().unwrap()).unwrap_err();
        assert!(err.detail.contains("externalId"));
    }

    #[test]
    fn prepare_splits_password_and_members_and_lowercases_the_name() {
        let data = json!({"userName": "BJensen", "password": "s3cret", "active": true});
        let p = prepare(ResourceKind::User, data.as_object().unwrap().clone());
        assert_eq!(p.password.as_deref(), Some("s3cret"));
        assert!(!p.data.contains_key("password"));
        let d = derive(Registry::core().resource_type(ResourceKind::User), &p.data).unwrap();
        assert_eq!(d.columns.name_ci, "bjensen");
        assert_eq!(d.columns.display, "BJensen");
        assert_eq!(d.columns.active, Some(true));
        assert_eq!(d.search["userName"], "bjensen");

        let data = json!({"displayName": "Ops", "members": [{"value": "a", "type": "user"}, {"value": "a"}, {"value": "b", "display": "Babs"}]});
        let p = prepare(ResourceKind::Group, data.as_object().unwrap().clone());
        assert_eq!(
            p.members.unwrap(),
            vec![
                MemberInput {
                    value: "a".into(),
                    kind: Some(ResourceKind::User),
                    display: None,
                },
                MemberInput {
                    value: "b".into(),
                    kind: None,
                    display: Some("Babs".into()),
                }
            ]
        );
        assert!(!p.data.contains_key("members"));
    }
}

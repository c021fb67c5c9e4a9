//! The schema registry (RFC 7643 §4, §6, §7, §8.7): the single source of truth for
//! `/Schemas`, `/ResourceTypes`, input validation, output shaping, filters and PATCH paths.

mod attribute;
mod common;
pub mod custom;
mod enterprise_user;
mod group;
mod user;

use std::sync::{Arc, LazyLock};

pub use attribute::{AttrType, Attribute, Mutability, Returned, Uniqueness};
pub use attribute::{boolean, complex, multi_valued, reference, string};
pub use common::common_attributes;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A schema document: its URN, name, description and top-level attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// The top-level attribute called `name`, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// The two resource types of RFC 7643 §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The `meta.resourceType` value and the name in `/ResourceTypes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    /// The attribute read from the membership table: a Group's `members`, a User's `groups`.
    pub fn membership_attribute(self) -> &'static str {
        match self {
            Self::User => "groups",
            Self::Group => "members",
        }
    }

    /// The endpoint relative to the SCIM base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "/Users",
            Self::Group => "/Groups",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("User") {
            Some(Self::User)
        } else if name.eq_ignore_ascii_case("Group") {
            Some(Self::Group)
        } else {
            None
        }
    }
}

/// An extension schema as a resource type carries it (RFC 7643 §6 `schemaExtensions`).
#[derive(Debug, Clone)]
pub struct SchemaExtension {
    pub schema: Arc<Schema>,
    pub required: bool,
}

/// A resource type: its core schema and the extensions it accepts.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub kind: ResourceKind,
    pub description: String,
    pub schema: Arc<Schema>,
    pub extensions: Vec<SchemaExtension>,
}

/// Where an attribute named in a request lives.
#[derive(Debug, Clone, Copy)]
pub struct AttrRef<'a> {
    /// `None` for the common attributes (`id`, `externalId`, `meta`), the core schema's URN
    /// for core attributes, the extension's URN for extension attributes.
    pub schema: Option<&'a Schema>,
    pub attribute: &'a Attribute,
}

impl AttrRef<'_> {
    /// True when the attribute is stored under its extension's URN key.
    pub fn is_extension(&self, core: &Schema) -> bool {
        self.schema.is_some_and(|s| s.id != core.id)
    }
}

impl ResourceType {
    pub fn name(&self) -> &'static str {
        self.kind.as_str()
    }

    pub fn endpoint(&self) -> &'static str {
        self.kind.endpoint()
    }

    /// The extension with URN `urn`, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// The core or extension schema with URN `urn`.
    pub fn schema_by_urn(&self, urn: &str) -> Option<&Schema> {
        if self.schema.id.eq_ignore_ascii_case(urn) {
            Some(&self.schema)
        } else {
            self.extension(urn).map(|e| e.schema.as_ref())
        }
    }

    /// Every schema URN this resource type understands, core first.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.schema.id.as_str())
            .chain(self.extensions.iter().map(|e| e.schema.id.as_str()))
    }

    /// Looks up a top-level attribute by name, optionally qualified by a schema URN.
    /// Unqualified names search the common attributes, then the core schema, then the
    /// extensions (RFC 7644 §3.10: a URN prefix is optional for unambiguous names).
    pub fn attribute(&self, urn: Option<&str>, name: &str) -> Option<AttrRef<'_>> {
        match urn {
            Some(urn) => {
                let schema = self.schema_by_urn(urn)?;
                let attribute = schema.attribute(name).or_else(|| {
                    // Common attributes may carry the core URN: `urn:…:User:id`.
                    (schema.id == self.schema.id)
                        .then(|| {
                            common_attributes()
                                .iter()
                                .find(|a| a.name.eq_ignore_ascii_case(name))
                        })
                        .flatten()
                })?;
                let schema = (!common_attributes()
                    .iter()
                    .any(|c| std::ptr::eq(c, attribute)))
                .then_some(schema);
                Some(AttrRef { schema, attribute })
            }
            None => {
                if let Some(attribute) = common_attributes()
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                {
                    return Some(AttrRef {
                        schema: None,
                        attribute,
                    });
                }
                std::iter::once(self.schema.as_ref())
                    .chain(self.extensions.iter().map(|e| e.schema.as_ref()))
                    .find_map(|schema| {
                        schema.attribute(name).map(|attribute| AttrRef {
                            schema: Some(schema),
                            attribute,
                        })
                    })
            }
        }
    }

    /// Splits `urn:…:Name:attr.sub` into the schema URN this resource type knows and the rest.
    /// Returns `(None, path)` when `path` carries no known URN prefix.
    pub fn split_urn<'p>(&self, path: &'p str) -> (Option<&str>, &'p str) {
        for urn in self.schema_urns() {
            if path.len() > urn.len()
                && path.is_char_boundary(urn.len())
                && path[..urn.len()].eq_ignore_ascii_case(urn)
                && path.as_bytes()[urn.len()] == b':'
            {
                return (Some(urn), &path[urn.len() + 1..]);
            }
        }
        (None, path)
    }
}

/// All resource types and schemas the server knows.
#[derive(Debug)]
pub struct Registry {
    user: ResourceType,
    group: ResourceType,
}

static CORE: LazyLock<Arc<Registry>> = LazyLock::new(|| {
    let enterprise = Arc::new(enterprise_user::schema());
    Arc::new(Registry {
        user: ResourceType {
            kind: ResourceKind::User,
            description: "User Account".to_owned(),
            schema: Arc::new(user::schema()),
            extensions: vec![SchemaExtension {
                schema: enterprise,
                required: false,
            }],
        },
        group: ResourceType {
            kind: ResourceKind::Group,
            description: "Group".to_owned(),
            schema: Arc::new(group::schema()),
            extensions: Vec::new(),
        },
    })
});

impl Registry {
    /// The RFC 7643 core registry: User (with EnterpriseUser) and Group.
    pub fn core() -> &'static Registry {
        &CORE
    }

    /// The core registry, shared: what a tenant without extensions of its own uses.
    pub fn shared_core() -> Arc<Registry> {
        Arc::clone(&CORE)
    }

    /// The core registry plus a tenant's extensions, each on its resource type, in the order
    /// given (after EnterpriseUser on User).
    pub fn extended(extensions: impl IntoIterator<Item = (ResourceKind, SchemaExtension)>) -> Self {
        let mut user = CORE.user.clone();
        let mut group = CORE.group.clone();
        for (kind, extension) in extensions {
            match kind {
                ResourceKind::User => user.extensions.push(extension),
                ResourceKind::Group => group.extensions.push(extension),
            }
        }
        Self { user, group }
    }

    pub fn resource_type(&self, kind: ResourceKind) -> &ResourceType {
        match kind {
            ResourceKind::User => &self.user,
            ResourceKind::Group => &self.group,
        }
    }

    pub fn resource_types(&self) -> [&ResourceType; 2] {
        [&self.user, &self.group]
    }

    /// Every schema once, in a stable order: core schemas, then extensions.
    pub fn schemas(&self) -> Vec<&Schema> {
        let mut out: Vec<&Schema> = vec![&self.user.schema, &self.group.schema];
        for rt in self.resource_types() {
            for ext in &rt.extensions {
                if !out.iter().any(|s| s.id == ext.schema.id) {
                    out.push(&ext.schema);
                }
            }
        }
        out
    }

    pub fn schema(&self, id: &str) -> Option<&Schema> {
        self.schemas()
            .into_iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod tests;

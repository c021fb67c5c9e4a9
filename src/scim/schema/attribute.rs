//! Attribute definitions with every characteristic of RFC 7643 §2.2 and §7.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute, serialised exactly as a `/Schemas` document shows it (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SchemaAttribute)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttrType,
    pub multi_valued: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    #[serde(default)]
    pub case_exact: bool,
    #[serde(default = "read_write")]
    pub mutability: Mutability,
    #[serde(default = "returned_default")]
    pub returned: Returned,
    #[serde(default = "uniqueness_none")]
    pub uniqueness: Uniqueness,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub sub_attributes: Vec<Attribute>,
}

fn read_write() -> Mutability {
    Mutability::ReadWrite
}

fn returned_default() -> Returned {
    Returned::Default
}

fn uniqueness_none() -> Uniqueness {
    Uniqueness::None
}

impl Attribute {
    /// A singular, optional, readWrite attribute of `kind`: the RFC 7643 §2.2 defaults.
    pub fn new(name: &str, kind: AttrType, description: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            multi_valued: false,
            description: description.to_owned(),
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// The sub-attribute called `name`, compared case-insensitively (RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn is_complex(&self) -> bool {
        self.kind == AttrType::Complex
    }

    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }

    /// A complex attribute that points at SCIM resources (`members`, `manager`): its `value`
    /// is a resource id and its `$ref` names a resource type, not an external URI.
    pub fn refers_to_resources(&self) -> bool {
        self.is_complex()
            && self.sub_attribute("value").is_some()
            && self.sub_attribute("$ref").is_some_and(|r| {
                r.reference_types
                    .iter()
                    .any(|t| !matches!(t.as_str(), "external" | "uri"))
            })
    }

    // Builder steps, used by the schema definitions.

    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    pub fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }

    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    pub fn unique(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    pub fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    pub fn references(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    pub fn sub_attributes(mut self, subs: Vec<Attribute>) -> Self {
        self.sub_attributes = subs;
        self
    }
}

/// A singular string attribute.
pub fn string(name: &str, description: &str) -> Attribute {
    Attribute::new(name, AttrType::String, description)
}

pub fn boolean(name: &str, description: &str) -> Attribute {
    Attribute::new(name, AttrType::Boolean, description)
}

pub fn reference(name: &str, types: &[&str], description: &str) -> Attribute {
    Attribute::new(name, AttrType::Reference, description).references(types)
}

pub fn complex(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute::new(name, AttrType::Complex, description).sub_attributes(subs)
}

/// The multi-valued complex shape RFC 7643 §2.4 gives emails, phoneNumbers, ims, photos,
/// entitlements, roles and x509Certificates: value, display, type, primary.
pub fn multi_valued(name: &str, description: &str, value: Attribute, types: &[&str]) -> Attribute {
    complex(
        name,
        description,
        vec![
            value,
            string(
                "display",
                "A human-readable name, primarily used for display purposes.",
            ),
            string("type", "A label indicating the attribute's function.").canonical(types),
            boolean(
                "primary",
                "A Boolean value indicating the 'primary' or preferred attribute value.",
            ),
        ],
    )
    .multi()
}

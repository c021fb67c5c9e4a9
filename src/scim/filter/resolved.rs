//! A filter bound to a schema (RFC 7644 §3.4.2.2), as [`resolve`](fn@super::resolve) makes it:
//! typed literals, attributes located in a column, the search document or the membership
//! table. Both the SQL compiler and the in-memory evaluator read these types, so the two cannot
//! disagree about meaning.
use chrono::{DateTime, Utc};

use super::ast::CompareOp;
use crate::scim::schema::AttrType;

/// A typed comparison value. Strings compared case-insensitively are already lower-cased.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    Integer(i64),
    Decimal(f64),
    /// Strings, references, binaries, and dateTimes in the search document's canonical form.
    String(String),
    /// `meta.created` and `meta.lastModified`, which live in columns.
    DateTime(DateTime<Utc>),
}

/// Where a compared value lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Id,
    ExternalId,
    /// userName of a User, displayName of a Group: the lower-cased unique-name column.
    UniqueName,
    Active,
    Created,
    LastModified,
    ResourceType,
    Version,
    /// A singular value at this key path in the search document.
    Json(Vec<String>),
    /// A sub-attribute of the element [`Resolved::Any`] is iterating.
    Sub(String),
    /// The element itself, when the collection holds simple values.
    Element,
    /// A column of a group membership row (inside [`Collection::Members`]).
    Member(MemberField),
    /// The id of a group the User belongs to, directly or not (inside [`Collection::Groups`]).
    GroupValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberField {
    Value,
    Type,
    Display,
}

/// The elements [`Resolved::Any`] ranges over.
#[derive(Debug, Clone, PartialEq)]
pub enum Collection {
    /// A multi-valued attribute at this key path in the search document.
    Json(Vec<String>),
    /// A Group's members.
    Members,
    /// A User's groups.
    Groups,
}

/// A compared attribute: where it is and how it compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub field: Field,
    /// The canonical name, for error messages.
    pub name: String,
    pub kind: AttrType,
    pub case_exact: bool,
}

/// A filter bound to a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Compare {
        target: Target,
        op: CompareOp,
        value: Literal,
    },
    Present(Target),
    And(Box<Resolved>, Box<Resolved>),
    Or(Box<Resolved>, Box<Resolved>),
    Not(Box<Resolved>),
    /// Some element of `collection` satisfies `inner`.
    Any {
        collection: Collection,
        inner: Box<Resolved>,
    },
    /// Known without looking at the resource (`meta.resourceType eq "Group"` on Users).
    Const(bool),
}

/// The attribute a `sortBy` names, if it can order resources: singular, or a sub-attribute
/// of a multi-valued attribute (ordered by the primary, else first, element).
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub field: Field,
    pub kind: AttrType,
}

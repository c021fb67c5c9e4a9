//! The in-memory evaluator of a resolved filter. It reads the same search document the
//! database queries (see `scim::search_document`), so case folding and dateTime order are identical;
//! PATCH value filters use it on single elements, and the property tests hold the SQL
//! compiler to it.
use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::ast::CompareOp;
use super::resolved::{Collection, Field, Literal, MemberField, Resolved, Target};
use crate::scim::resource::{GroupRef, Member, Resource};
use crate::scim::schema::ResourceKind;

/// What a filter is evaluated against: a resource, its search document, and its memberships.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub id: &'a str,
    pub kind: ResourceKind,
    pub search: &'a Map<String, Value>,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    pub version: i64,
    pub members: &'a [Member],
    pub groups: &'a [GroupRef],
}

impl<'a> Subject<'a> {
    /// `resource` with its search document (`scim::search_document::search_document` of its data).
    pub fn new(resource: &'a Resource, search: &'a Map<String, Value>) -> Self {
        Self {
            id: &resource.id,
            kind: resource.kind,
            search,
            created: resource.meta.created,
            last_modified: resource.meta.last_modified,
            version: resource.meta.version,
            members: resource.members.as_deref().unwrap_or(&[]),
            groups: resource.groups.as_deref().unwrap_or(&[]),
        }
    }
}

/// Where a field is read from.
#[derive(Clone, Copy)]
enum Context<'a> {
    Root(&'a Subject<'a>),
    Element(&'a Value),
    Member(&'a Member),
    Group(&'a GroupRef),
}

/// A value read from the subject.
enum Actual<'a> {
    Json(&'a Value),
    Text(String),
    Time(DateTime<Utc>),
    Integer(i64),
}

/// True when `subject` satisfies `filter`.
pub fn matches(filter: &Resolved, subject: &Subject<'_>) -> bool {
    eval(filter, Context::Root(subject))
}

/// True when one element of a multi-valued attribute, case-folded as the search document
/// folds it, satisfies the inner filter of a value path.
pub fn element_matches(inner: &Resolved, element: &Value) -> bool {
    eval(inner, Context::Element(element))
}

/// True when a Group member satisfies the inner filter of `members[…]`.
pub fn member_matches(inner: &Resolved, member: &Member) -> bool {
    eval(inner, Context::Member(member))
}

fn eval(filter: &Resolved, ctx: Context<'_>) -> bool {
    match filter {
        Resolved::Compare { target, op, value } => {
            read(target, ctx).is_some_and(|actual| compare(&actual, *op, value))
        }
        Resolved::Present(target) => read(target, ctx).is_some_and(|a| present(&a)),
        Resolved::And(l, r) => eval(l, ctx) && eval(r, ctx),
        Resolved::Or(l, r) => eval(l, ctx) || eval(r, ctx),
        Resolved::Not(inner) => !eval(inner, ctx),
        Resolved::Const(b) => *b,
        Resolved::Any { collection, inner } => {
            let Context::Root(subject) = ctx else {
                return false;
            };
            match collection {
                Collection::Json(keys) => match lookup(subject.search, keys) {
                    Some(Value::Array(items)) => {
                        items.iter().any(|e| eval(inner, Context::Element(e)))
                    }
                    Some(single) => eval(inner, Context::Element(single)),
                    None => false,
                },
                Collection::Members => subject
                    .members
                    .iter()
                    .any(|m| eval(inner, Context::Member(m))),
                Collection::Groups => subject
                    .groups
                    .iter()
                    .any(|g| eval(inner, Context::Group(g))),
            }
        }
    }
}

fn lookup<'v>(search: &'v Map<String, Value>, keys: &[String]) -> Option<&'v Value> {
    let (first, rest) = keys.split_first()?;
    let mut at = search.get(first)?;
    for key in rest {
        at = match at {
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            other => other.get(key)?,
        };
    }
    (!at.is_null()).then_some(at)
}

fn read<'a>(target: &Target, ctx: Context<'a>) -> Option<Actual<'a>> {
    let json = |v: Option<&'a Value>| v.filter(|v| !v.is_null()).map(Actual::Json);
    match (ctx, &target.field) {
        (Context::Root(s), Field::Id) => Some(Actual::Text(s.id.to_owned())),
        (Context::Root(s), Field::ExternalId) => json(s.search.get("externalId")),
        (Context::Root(s), Field::UniqueName) => json(s.search.get(match s.kind {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        })),
        (Context::Root(s), Field::Active) => json(s.search.get("active")),
        (Context::Root(s), Field::Created) => Some(Actual::Time(s.created)),
        (Context::Root(s), Field::LastModified) => Some(Actual::Time(s.last_modified)),
        (Context::Root(s), Field::Version) => Some(Actual::Integer(s.version)),
        (Context::Root(s), Field::ResourceType) => Some(Actual::Text(s.kind.as_str().to_owned())),
        (Context::Root(s), Field::Json(keys)) => json(lookup(s.search, keys)),
        (Context::Element(e), Field::Sub(name)) => json(e.get(name)),
        (Context::Element(e), Field::Element) => json(Some(e)),
        (Context::Member(m), Field::Member(MemberField::Value)) => {
            Some(Actual::Text(m.value.clone()))
        }
        (Context::Member(m), Field::Member(MemberField::Type)) => {
            Some(Actual::Text(m.kind.as_str().to_lowercase()))
        }
        (Context::Member(m), Field::Member(MemberField::Display)) => {
            Some(Actual::Text(m.display.to_lowercase()))
        }
        (Context::Group(g), Field::GroupValue) => Some(Actual::Text(g.value.clone())),
        _ => None,
    }
}

fn present(actual: &Actual<'_>) -> bool {
    match actual {
        Actual::Json(Value::String(s)) => !s.is_empty(),
        Actual::Json(Value::Array(a)) => !a.is_empty(),
        Actual::Json(Value::Object(o)) => o.values().any(|v| !v.is_null()),
        Actual::Json(Value::Null) => false,
        Actual::Text(s) => !s.is_empty(),
        _ => true,
    }
}

fn compare(actual: &Actual<'_>, op: CompareOp, literal: &Literal) -> bool {
    match (actual, literal) {
        (Actual::Json(Value::String(a)), Literal::String(b))
        | (Actual::Text(a), Literal::String(b)) => compare_text(a, op, b),
        (Actual::Json(Value::Bool(a)), Literal::Bool(b)) => op == CompareOp::Eq && a == b,
        (Actual::Json(Value::Number(a)), Literal::Integer(b)) => a
            .as_f64()
            .is_some_and(|a| ordered(a.partial_cmp(&(*b as f64)), op)),
        (Actual::Json(Value::Number(a)), Literal::Decimal(b)) => {
            a.as_f64().is_some_and(|a| ordered(a.partial_cmp(b), op))
        }
        (Actual::Time(a), Literal::DateTime(b)) => ordered(Some(a.cmp(b)), op),
        (Actual::Integer(a), Literal::Integer(b)) => ordered(Some(a.cmp(b)), op),
        _ => false,
    }
}

/// Byte order of UTF-8, which is code point order: what SQLite's BINARY and PostgreSQL's
/// `COLLATE "C"` use.
fn compare_text(actual: &str, op: CompareOp, expected: &str) -> bool {
    match op {
        CompareOp::Co => actual.contains(expected),
        CompareOp::Sw => actual.starts_with(expected),
        CompareOp::Ew => actual.ends_with(expected),
        _ => ordered(Some(actual.cmp(expected)), op),
    }
}

fn ordered(ordering: Option<Ordering>, op: CompareOp) -> bool {
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

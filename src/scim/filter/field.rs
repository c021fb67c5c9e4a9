//! Where an attribute's value lives: a key path in the search document, a column of its own
//! (id, externalId, the unique name, active, meta), or the membership table.
use super::ast::AttrPath;
use super::resolved::{Field, MemberField};
use crate::scim::schema::{Attribute, ResourceKind, ResourceType};

/// The key path of a top-level attribute in the document, and its definition.
pub(super) fn top_level<'r>(
    rt: &'r ResourceType,
    path: &AttrPath,
) -> Option<(Vec<String>, &'r Attribute)> {
    let found = rt.attribute(path.urn.as_deref(), &path.name)?;
    let mut keys = Vec::with_capacity(2);
    if found.is_extension(&rt.schema)
        && let Some(schema) = found.schema
    {
        keys.push(schema.id.clone());
    }
    keys.push(found.attribute.name.clone());
    Some((keys, found.attribute))
}

/// Attributes that live in columns or tables rather than in the document.
pub(super) fn special(
    kind: ResourceKind,
    keys: &[String],
    attr: &Attribute,
    sub: Option<&str>,
) -> Option<Field> {
    if keys.len() != 1 {
        return None;
    }
    let sub_is = |name: &str| sub.is_some_and(|s| s.eq_ignore_ascii_case(name));
    Some(match (kind, attr.name.as_str()) {
        (_, "id") => Field::Id,
        (_, "externalId") => Field::ExternalId,
        (ResourceKind::User, "userName") | (ResourceKind::Group, "displayName") => {
            Field::UniqueName
        }
        (ResourceKind::User, "active") => Field::Active,
        (_, "meta") if sub_is("created") => Field::Created,
        (_, "meta") if sub_is("lastModified") => Field::LastModified,
        (_, "meta") if sub_is("resourceType") => Field::ResourceType,
        (_, "meta") if sub_is("version") => Field::Version,
        (ResourceKind::Group, "members") if sub.is_none() || sub_is("value") => {
            Field::Member(MemberField::Value)
        }
        (ResourceKind::Group, "members") if sub_is("type") => Field::Member(MemberField::Type),
        (ResourceKind::Group, "members") if sub_is("display") => {
            Field::Member(MemberField::Display)
        }
        (ResourceKind::User, "groups") if sub.is_none() || sub_is("value") => Field::GroupValue,
        _ => return None,
    })
}

/// Group members and User groups live in the membership table, not the document.
pub(super) fn is_membership(kind: ResourceKind, attr: &Attribute) -> bool {
    matches!(
        (kind, attr.name.as_str()),
        (ResourceKind::Group, "members") | (ResourceKind::User, "groups")
    )
}

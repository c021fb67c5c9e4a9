//! `sortBy` (RFC 7644 §3.4.2.3): the attribute a list is ordered by, bound to a schema.
use super::ast::AttrPath;
use super::field::{special, top_level};
use super::resolved::{Field, SortKey};
use crate::scim::ScimError;
use crate::scim::schema::{AttrType, Attribute, ResourceType, Returned};

/// The sort key for `path` on `rt`: a singular attribute, or a sub-attribute of a multi-valued
/// one (ordered by the primary, else first, element). Anything else is 400 `invalidValue`.
pub fn resolve_sort(rt: &ResourceType, path: &AttrPath) -> Result<SortKey, ScimError> {
    let bad = |why: &str| ScimError::invalid_value(format!("cannot sort by `{path}`: {why}"));
    let (base, attr) = top_level(rt, path).ok_or_else(|| bad("no such attribute"))?;
    if attr.returned == Returned::Never {
        return Err(bad("it is never returned"));
    }
    if let Some(field) = special(rt.kind, &base, attr, path.sub.as_deref()) {
        return match field {
            Field::Member(_) | Field::GroupValue => Err(bad("it is derived from memberships")),
            field => Ok(SortKey {
                field,
                kind: leaf_type(attr, path.sub.as_deref()),
            }),
        };
    }
    let sub = match (&path.sub, attr.is_complex()) {
        (Some(sub), true) => Some(
            attr.sub_attribute(sub)
                .ok_or_else(|| bad("no such sub-attribute"))?,
        ),
        (None, true) => attr.sub_attribute("value"),
        (Some(_), false) => return Err(bad("it has no sub-attributes")),
        (None, false) => None,
    };
    if attr.is_complex() && sub.is_none() {
        return Err(bad("it is complex; name a sub-attribute"));
    }
    let mut keys = base;
    if attr.multi_valued {
        // The search document keeps the primary element first.
        keys.push("0".to_owned());
    }
    if let Some(sub) = sub {
        keys.push(sub.name.clone());
    }
    Ok(SortKey {
        field: Field::Json(keys),
        kind: sub.unwrap_or(attr).kind,
    })
}

fn leaf_type(attr: &Attribute, sub: Option<&str>) -> AttrType {
    match sub.and_then(|s| attr.sub_attribute(s)) {
        Some(sub) => sub.kind,
        None if attr.is_complex() => attr
            .sub_attribute("value")
            .map_or(AttrType::Complex, |v| v.kind),
        None => attr.kind,
    }
}

//! A SearchRequest at the service root (RFC 7644 §3.4.3): one list over every resource type,
//! with the filter and `sortBy` resolved against each type's own schema.
use serde_json::Value;

use super::params::Params;
use super::plan::{SortOrder, Window, given, parse_filter, sort_order, sort_path, window};
use crate::scim::ScimError;
use crate::scim::filter::{self, Resolved, SortKey, resolve_partial, resolve_sort};
use crate::scim::projection::Projection;
use crate::scim::schema::{ResourceKind, ResourceType};
use crate::scim::validate::Leniency;

/// One resource type's part of a root search.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub kind: ResourceKind,
    /// `None`: every resource of the type.
    pub filter: Option<Resolved>,
    /// This type's sort key, when `sortBy` names one of its attributes.
    pub sort: Option<SortKey>,
    /// The response shows the membership attribute, so memberships must be loaded.
    pub memberships: bool,
    /// What the response shows of this type's resources.
    pub projection: Projection,
}

/// A checked root search: a part per resource type, one order, one window.
#[derive(Debug, Clone, PartialEq)]
pub struct RootSearch {
    pub parts: Vec<Part>,
    /// The direction when `sortBy` is given; each part brings its own key.
    pub order: Option<SortOrder>,
    pub window: Window,
}

impl RootSearch {
    /// `representation`, a resource of `rt`, with its type's projection applied.
    pub fn show(&self, rt: &ResourceType, representation: Value) -> Value {
        match self.parts.iter().find(|p| p.kind == rt.kind) {
            Some(part) => part.projection.apply(rt, representation),
            None => Projection::Default.apply(rt, representation),
        }
    }
}

/// Plans a root search over `types`. The filter is parsed once and resolved per type: an
/// attribute one type lacks makes that type's comparison false, unless no type has it (then
/// the first type's error). `sortBy` must name an attribute of at least one type.
pub fn plan(
    types: &[&ResourceType],
    params: &Params,
    leniency: Leniency,
    max_results: u64,
) -> Result<RootSearch, ScimError> {
    let filter = given(params.filter.as_deref())
        .map(|text| parse_filter(text, leniency))
        .transpose()?;
    let sort_by = given(params.sort_by.as_deref())
        .map(|s| sort_path(s, leniency))
        .transpose()?;
    let strict: Vec<_> = types
        .iter()
        .map(|rt| {
            filter
                .as_ref()
                .map(|f| filter::resolve(rt, f, leniency))
                .transpose()
        })
        .collect();
    if let Some(Err(err)) = strict.iter().find(|r| r.is_err())
        && strict.iter().all(|r| r.is_err())
    {
        return Err(err.clone());
    }
    let mut parts = Vec::with_capacity(types.len());
    for (rt, resolved) in types.iter().zip(strict) {
        let filter = match resolved {
            Ok(resolved) => resolved,
            Err(_) => filter
                .as_ref()
                .map(|f| resolve_partial(rt, f, leniency))
                .transpose()?,
        };
        let projection = Projection::parse(
            rt,
            params.attributes.as_deref(),
            params.excluded_attributes.as_deref(),
        );
        parts.push(Part {
            kind: rt.kind,
            filter,
            sort: sort_by.as_ref().and_then(|p| resolve_sort(rt, p).ok()),
            memberships: projection.includes(rt, rt.kind.membership_attribute()),
            projection,
        });
    }
    if sort_by.is_some() && parts.iter().all(|p| p.sort.is_none()) {
        return Err(ScimError::invalid_value(format!(
            "cannot sort by {:?}: no resource type has that attribute",
            params.sort_by.as_deref().unwrap_or_default()
        )));
    }
    Ok(RootSearch {
        parts,
        order: sort_by.map(|_| sort_order(params)).transpose()?,
        window: window(params, max_results)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimType;
    use crate::scim::schema::Registry;

    fn root(params: Params) -> Result<RootSearch, ScimError> {
        plan(
            &Registry::core().resource_types(),
            &params,
            Leniency::Lenient,
            100,
        )
    }

    fn filtered(text: &str) -> Params {
        Params {
            filter: Some(text.into()),
            ..Params::default()
        }
    }

    #[test]
    fn an_attribute_one_type_lacks_is_false_for_that_type() {
        let search = root(filtered("userName eq \"bjensen\"")).unwrap();
        let kinds: Vec<_> = search.parts.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [ResourceKind::User, ResourceKind::Group]);
        assert!(matches!(
            search.parts[0].filter,
            Some(Resolved::Compare { .. })
        ));
        assert_eq!(search.parts[1].filter, Some(Resolved::Const(false)));
    }

    #[test]
    fn an_attribute_no_type_has_is_an_invalid_filter() {
        let err = root(filtered("nickname2 eq \"x\"")).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
        assert!(root(filtered("userName eq")).is_err(), "grammar errors too");
    }

    #[test]
    fn sort_by_needs_one_type_with_the_attribute() {
        let sorted = |by: &str| {
            root(Params {
                sort_by: Some(by.into()),
                sort_order: Some("descending".into()),
                ..Params::default()
            })
        };
        let search = sorted("userName").unwrap();
        assert!(search.parts[0].sort.is_some());
        assert!(search.parts[1].sort.is_none());
        assert_eq!(search.order, Some(SortOrder::Descending));
        let err = sorted("nickname2").unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        assert_eq!(root(Params::default()).unwrap().order, None);
    }

    #[test]
    fn memberships_are_loaded_only_when_shown() {
        let search = root(Params::default()).unwrap();
        assert!(search.parts.iter().all(|p| p.memberships));
        let search = root(Params {
            attributes: Some("displayName".into()),
            ..Params::default()
        })
        .unwrap();
        assert!(search.parts.iter().all(|p| !p.memberships));
    }
}

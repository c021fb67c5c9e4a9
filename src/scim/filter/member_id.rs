//! Which Group members a filter on `members` selects (RFC 7644 §3.4.2.2 `members[…]`, §3.5.2.2
//! PATCH `remove` with a value filter), when the filter names one member by id: the shape Okta
//! and Entra send to remove one member (`members[value eq "id"]`) and that a client filters
//! groups by (`members.value eq "id"`). The store answers that case from the membership index
//! instead of reading every member.
use super::{CompareOp, Field, Literal, MemberField, Resolved, Target};

/// What a filter over one Group member's attributes selects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemberSelection<'f> {
    /// Exactly the member with this id (`value eq "id"`).
    Id(&'f str),
    /// The members this filter matches, judged member by member.
    Matching(&'f Resolved),
}

/// Reads `inner`, a filter resolved in the members' scope (the inside of
/// [`Resolved::Any`] over `Collection::Members`).
pub fn member_selection(inner: &Resolved) -> MemberSelection<'_> {
    match inner {
        Resolved::Compare {
            target:
                Target {
                    field: Field::Member(MemberField::Value),
                    ..
                },
            op: CompareOp::Eq,
            value: Literal::String(id),
        } => MemberSelection::Id(id),
        other => MemberSelection::Matching(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::{Collection, parse_filter, resolve};
    use crate::scim::schema::{Registry, ResourceKind};
    use crate::scim::validate::Leniency;

    /// The filter inside `members[…]` of a Group filter.
    fn inner(text: &str) -> Resolved {
        let rt = Registry::core().resource_type(ResourceKind::Group);
        let filter = parse_filter(text, Leniency::Strict).unwrap();
        match resolve(rt, &filter, Leniency::Strict).unwrap() {
            Resolved::Any {
                collection: Collection::Members,
                inner,
            } => *inner,
            other => panic!("not a members filter: {other:?}"),
        }
    }

    #[test]
    fn value_eq_names_one_member() {
        let id = "2819c223-7f76-453a-919d-413861904646";
        let f = inner(&format!(r#"members[value eq "{id}"]"#));
        assert_eq!(member_selection(&f), MemberSelection::Id(id));
        let f = inner(&format!(r#"members.value eq "{id}""#));
        assert_eq!(member_selection(&f), MemberSelection::Id(id));
    }

    #[test]
    fn any_other_shape_is_judged_member_by_member() {
        for text in [
            r#"members[value ne "x"]"#,
            r#"members[value sw "x"]"#,
            r#"members[type eq "User"]"#,
            r#"members[value eq "x" or value eq "y"]"#,
            r#"members[not (value eq "x")]"#,
        ] {
            let f = inner(text);
            assert_eq!(
                member_selection(&f),
                MemberSelection::Matching(&f),
                "{text}"
            );
        }
    }
}

//! The core Group schema, RFC 7643 §4.2 and §8.7.1.
use super::{Attribute, GROUP_URN, Mutability, Schema, Uniqueness, complex, reference, string};

pub(super) fn schema() -> Schema {
    Schema {
        id: GROUP_URN.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            // RFC 7643 §4.2 calls displayName REQUIRED; scimd also keeps it unique per tenant,
            // because IdPs match groups by it.
            string(
                "displayName",
                "A human-readable name for the Group. REQUIRED.",
            )
            .required()
            .unique(Uniqueness::Server),
            members(),
        ],
    }
}

fn members() -> Attribute {
    complex(
        "members",
        "A list of members of the Group.",
        vec![
            string("value", "Identifier of the member of this Group.")
                .required()
                .case_exact()
                .mutability(Mutability::Immutable),
            reference(
                "$ref",
                &["User", "Group"],
                "The URI corresponding to a SCIM resource that is a member of this Group.",
            )
            .case_exact()
            .mutability(Mutability::Immutable),
            string(
                "type",
                "A label indicating the type of resource, e.g., 'User' or 'Group'.",
            )
            .canonical(&["User", "Group"])
            .mutability(Mutability::Immutable),
            // Not readOnly: what a client labels a member with reads back as sent (checkers
            // compare it); without one, the member's current displayName is shown.
            string(
                "display",
                "A human-readable name for the member: as the client sent it, else the member's displayName (or userName).",
            ),
        ],
    )
    .multi()
}

//! Attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
use std::sync::LazyLock;

use super::{AttrType, Attribute, Returned, Uniqueness, complex, string};

static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    vec![
        string(
            "id",
            "A unique identifier for a SCIM resource as defined by the service provider.",
        )
        .case_exact()
        .read_only()
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
        string(
            "externalId",
            "A String that is an identifier for the resource as defined by the provisioning client.",
        )
        .case_exact(),
        complex(
            "meta",
            "A complex attribute containing resource metadata.",
            vec![
                string("resourceType", "The name of the resource type of the resource.")
                    .case_exact()
                    .read_only(),
                Attribute::new(
                    "created",
                    AttrType::DateTime,
                    "The DateTime that the resource was added to the service provider.",
                )
                .read_only(),
                Attribute::new(
                    "lastModified",
                    AttrType::DateTime,
                    "The most recent DateTime that the details of this resource were updated.",
                )
                .read_only(),
                Attribute::new(
                    "location",
                    AttrType::Reference,
                    "The URI of the resource being returned.",
                )
                .references(&["uri"])
                .case_exact()
                .read_only(),
                string("version", "The version of the resource being returned.")
                    .case_exact()
                    .read_only(),
            ],
        )
        .read_only(),
    ]
});

/// `id`, `externalId` and `meta`, in that order.
pub fn common_attributes() -> &'static [Attribute] {
    &COMMON
}

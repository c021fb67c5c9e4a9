//! The core User schema, RFC 7643 §4.1 and §8.7.1.
use super::{
    AttrType, Attribute, Mutability, Returned, Schema, USER_URN, Uniqueness, boolean, complex,
    multi_valued, reference, string,
};

pub(super) fn schema() -> Schema {
    Schema {
        id: USER_URN.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            string(
                "userName",
                "Unique identifier for the User, typically used by the user to directly \
                 authenticate to the service provider. REQUIRED.",
            )
            .required()
            .unique(Uniqueness::Server),
            name(),
            string(
                "displayName",
                "The name of the User, suitable for display to end-users.",
            ),
            string(
                "nickName",
                "The casual way to address the user in real life.",
            ),
            reference(
                "profileUrl",
                &["external"],
                "A fully qualified URL pointing to a page representing the User's online profile.",
            ),
            string("title", "The user's title, such as \"Vice President\"."),
            string(
                "userType",
                "Used to identify the relationship between the organization and the user.",
            ),
            string(
                "preferredLanguage",
                "Indicates the User's preferred written or spoken language (RFC 7231 \
                 Accept-Language format).",
            ),
            string(
                "locale",
                "Used to indicate the User's default location for purposes of localizing items \
                 such as currency, date time format, or numerical representations.",
            ),
            string(
                "timezone",
                "The User's time zone in the 'Olson' time zone database format.",
            ),
            boolean(
                "active",
                "A Boolean value indicating the User's administrative status.",
            ),
            string(
                "password",
                "The User's cleartext password. Write-only: never returned.",
            )
            .mutability(Mutability::WriteOnly)
            .returned(Returned::Never),
            multi_valued(
                "emails",
                "Email addresses for the user.",
                string("value", "Email address for the user."),
                &["work", "home", "other"],
            ),
            multi_valued(
                "phoneNumbers",
                "Phone numbers for the User.",
                string("value", "Phone number of the User."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            multi_valued(
                "ims",
                "Instant messaging addresses for the User.",
                string("value", "Instant messaging address for the User."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            multi_valued(
                "photos",
                "URLs of photos of the User.",
                reference("value", &["external"], "URL of a photo of the User."),
                &["photo", "thumbnail"],
            ),
            addresses(),
            groups(),
            multi_valued(
                "entitlements",
                "A list of entitlements for the User that represent a thing the User has.",
                string("value", "The value of an entitlement."),
                &[],
            ),
            multi_valued(
                "roles",
                "A list of roles for the User that collectively represent who the User is.",
                string("value", "The value of a role."),
                &[],
            ),
            multi_valued(
                "x509Certificates",
                "A list of certificates issued to the User.",
                Attribute::new(
                    "value",
                    AttrType::Binary,
                    "The value of an X.509 certificate (base64 DER).",
                ),
                &[],
            ),
        ],
    }
}

fn name() -> Attribute {
    complex(
        "name",
        "The components of the user's real name.",
        vec![
            string(
                "formatted",
                "The full name, including all middle names, titles, and suffixes as \
                 appropriate, formatted for display.",
            ),
            string("familyName", "The family name of the User, or last name."),
            string("givenName", "The given name of the User, or first name."),
            string("middleName", "The middle name(s) of the User."),
            string(
                "honorificPrefix",
                "The honorific prefix(es) of the User, or title.",
            ),
            string("honorificSuffix", "The honorific suffix(es) of the User."),
        ],
    )
}

fn addresses() -> Attribute {
    complex(
        "addresses",
        "A physical mailing address for this User.",
        vec![
            string(
                "formatted",
                "The full mailing address, formatted for display or use with a mailing label.",
            ),
            string(
                "streetAddress",
                "The full street address component, which may include house number, street \
                 name, P.O. box, and multi-line extended street address information.",
            ),
            string("locality", "The city or locality component."),
            string("region", "The state or region component."),
            string("postalCode", "The zip code or postal code component."),
            string(
                "country",
                "The country name component (ISO 3166-1 alpha-2).",
            ),
            string("type", "A label indicating the attribute's function.")
                .canonical(&["work", "home", "other"]),
            boolean(
                "primary",
                "A Boolean value indicating the 'primary' or preferred address.",
            ),
        ],
    )
    .multi()
}

/// Derived from group membership; clients change it through the Group resource.
fn groups() -> Attribute {
    complex(
        "groups",
        "A list of groups to which the user belongs, either through direct membership, \
         through nested groups, or dynamically calculated.",
        vec![
            string("value", "The identifier of the User's group.").read_only(),
            reference(
                "$ref",
                &["User", "Group"],
                "The URI of the corresponding 'Group' resource to which the user belongs.",
            )
            .read_only(),
            string(
                "display",
                "A human-readable name, primarily used for display purposes.",
            )
            .read_only(),
            string(
                "type",
                "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
            )
            .canonical(&["direct", "indirect"])
            .read_only(),
        ],
    )
    .multi()
    .read_only()
}

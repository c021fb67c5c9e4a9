//! The Enterprise User extension, RFC 7643 §4.3 and §8.7.1.
use super::{Attribute, ENTERPRISE_USER_URN, Schema, complex, reference, string};

pub(super) fn schema() -> Schema {
    Schema {
        id: ENTERPRISE_USER_URN.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            string(
                "employeeNumber",
                "Numeric or alphanumeric identifier assigned to a person, typically based on \
                 order of hire or association with an organization.",
            ),
            string("costCenter", "Identifies the name of a cost center."),
            string("organization", "Identifies the name of an organization."),
            string("division", "Identifies the name of a division."),
            string("department", "Identifies the name of a department."),
            manager(),
        ],
    }
}

fn manager() -> Attribute {
    complex(
        "manager",
        "The User's manager. A complex type that optionally allows service providers to \
         represent organizational hierarchy by referencing the 'id' attribute of another User.",
        vec![
            string(
                "value",
                "The id of the SCIM resource representing the User's manager.",
            )
            .case_exact(),
            reference(
                "$ref",
                &["User"],
                "The URI of the SCIM resource representing the User's manager.",
            ),
            string("displayName", "The displayName of the User's manager.").read_only(),
        ],
    )
}

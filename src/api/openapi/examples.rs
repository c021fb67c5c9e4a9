//! Request examples in the shapes real identity providers send (shared/idp-quirks.md §2.1,
//! §2.2), so the reference page shows what actually arrives, quirks included.
use serde_json::{Value, json};
use utoipa::openapi::example::Example;

use super::messages::PATCH_OP_URN;
use super::operations::example;
use crate::scim::schema::{ENTERPRISE_USER_URN, GROUP_URN, ResourceKind, USER_URN};

/// Okta's existence check before it creates a user.
pub const OKTA_FILTER: &str = r#"userName eq "test.user@okta.local""#;

/// Entra's match before it creates a group.
pub const ENTRA_GROUP_FILTER: &str = r#"displayName eq "Group1DisplayName""#;

/// A User or Group as the server returns it.
pub fn returned(kind: ResourceKind) -> Option<Value> {
    let id = "2819c223-7f76-453a-919d-413861904646";
    let meta = |rt: &str, endpoint: &str| {
        json!({
            "resourceType": rt,
            "created": "2026-11-23T10:15:02.123Z",
            "lastModified": "2026-11-23T10:15:02.123Z",
            "location": format!("https://scim.example.com/scim/v2/{endpoint}/{id}"),
            "version": "W/\"1\""
        })
    };
    Some(match kind {
        ResourceKind::User => json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "id": id,
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Barbara Jensen",
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_URN: {"employeeNumber": "701984", "department": "Tour Operations"},
            "meta": meta("User", "Users")
        }),
        ResourceKind::Group => json!({
            "schemas": [GROUP_URN],
            "id": id,
            "displayName": "Tour Guides",
            "members": [{
                // No `$ref` member here: tools resolve any `$ref` string in the document.
                "value": "902c246b-6245-4190-8e05-00816be7344a",
                "type": "User",
                "display": "Barbara Jensen"
            }],
            "meta": meta("Group", "Groups")
        }),
    })
}

/// POST bodies.
pub fn create(kind: ResourceKind) -> Vec<(&'static str, Example)> {
    match kind {
        ResourceKind::User => vec![
            (
                "entra",
                example(
                    "Entra ID creates a user (core and enterprise URNs, read-only meta, nulls)",
                    json!({
                        "schemas": [USER_URN, ENTERPRISE_USER_URN],
                        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                        "userName": "Test_User_ab6490ee@contoso.onmicrosoft.com",
                        "active": true,
                        "emails": [{
                            "primary": true,
                            "type": "work",
                            "value": "Test_User_fd0ea19b@testuser.com"
                        }],
                        "meta": {"resourceType": "User"},
                        "name": {
                            "formatted": "givenName familyName",
                            "familyName": "familyName",
                            "givenName": "givenName"
                        },
                        "roles": [],
                        "title": null,
                        ENTERPRISE_USER_URN: {"department": null, "employeeNumber": "701984"}
                    }),
                ),
            ),
            (
                "okta",
                example(
                    "Okta creates a user (core URN only, read-only groups, a password)",
                    json!({
                        "schemas": [USER_URN],
                        "userName": "test.user@okta.local",
                        "name": {"givenName": "Test", "familyName": "User"},
                        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                        "displayName": "Test User",
                        "locale": "en-US",
                        "externalId": "00ujl29u0le5T6Aj10h7",
                        "groups": [],
                        "password": "1mz050nq",
                        "active": true
                    }),
                ),
            ),
        ],
        ResourceKind::Group => vec![
            (
                "okta",
                example(
                    "Okta pushes a group",
                    json!({"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []}),
                ),
            ),
            (
                "entra",
                example(
                    "Entra ID creates a group (members follow by PATCH)",
                    json!({
                        "schemas": [
                            GROUP_URN,
                            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
                        ],
                        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                        "displayName": "Group1DisplayName",
                        "meta": {"resourceType": "Group"}
                    }),
                ),
            ),
        ],
    }
}

/// PUT bodies.
pub fn replace(kind: ResourceKind) -> Vec<(&'static str, Example)> {
    match kind {
        ResourceKind::User => vec![(
            "okta",
            example(
                "Okta updates a user with the whole representation (id and meta are ignored)",
                json!({
                    "schemas": [USER_URN],
                    "id": "2819c223-7f76-453a-919d-413861904646",
                    "userName": "test.user@okta.local",
                    "name": {"givenName": "Another", "familyName": "User"},
                    "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                    "displayName": "Another User",
                    "active": true,
                    "groups": [],
                    "meta": {"resourceType": "User"}
                }),
            ),
        )],
        ResourceKind::Group => vec![(
            "full-members",
            example(
                "Replace a group with its whole member list (Okta AIW apps)",
                json!({
                    "schemas": [GROUP_URN],
                    "displayName": "Tour Guides",
                    "members": [{"value": "902c246b-6245-4190-8e05-00816be7344a"}]
                }),
            ),
        )],
    }
}

/// PATCH bodies.
pub fn patch(kind: ResourceKind) -> Vec<(&'static str, Example)> {
    let ops = |ops: Value| json!({"schemas": [PATCH_OP_URN], "Operations": ops});
    match kind {
        ResourceKind::User => vec![
            (
                "entra",
                example(
                    "Entra ID updates a user (capitalised ops, filtered and URN paths)",
                    ops(json!([
                        {"op": "Replace", "path": "displayName", "value": "Pvlo"},
                        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@test.com"},
                        {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
                        {"op": "Replace", "path": "externalId", "value": "Eqpj"},
                        {
                            "op": "Replace",
                            "path": format!("{ENTERPRISE_USER_URN}:employeeNumber"),
                            "value": "Eqpj"
                        }
                    ])),
                ),
            ),
            (
                "entra-disable",
                example(
                    "Entra ID disables a user (boolean as a string)",
                    ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
                ),
            ),
            (
                "entra-no-path",
                example(
                    "Entra ID with aadOptscim062020: one path-less replace, dotted and URN keys",
                    ops(json!([{"op": "replace", "value": {
                        "displayName": "Bjfe",
                        "name.givenName": "Kkom",
                        "name.familyName": "Unua",
                        format!("{ENTERPRISE_USER_URN}:employeeNumber"): "Aklq"
                    }}])),
                ),
            ),
            (
                "okta-deactivate",
                example(
                    "Okta deactivates a user",
                    ops(json!([{"op": "replace", "value": {"active": false}}])),
                ),
            ),
        ],
        ResourceKind::Group => vec![
            (
                "entra-add-members",
                example(
                    "Entra ID adds members",
                    ops(json!([{"op": "Add", "path": "members", "value": [
                        {"$ref": null, "value": "902c246b-6245-4190-8e05-00816be7344a"}
                    ]}])),
                ),
            ),
            (
                "entra-remove-members",
                example(
                    "Entra ID removes members with a value list",
                    ops(json!([{"op": "Remove", "path": "members", "value": [
                        {"value": "902c246b-6245-4190-8e05-00816be7344a"}
                    ]}])),
                ),
            ),
            (
                "okta-membership",
                example(
                    "Okta pushes a rename and a membership change",
                    ops(json!([
                        {"op": "replace", "value": {
                            "id": "2819c223-7f76-453a-919d-413861904646",
                            "displayName": "Tour Guides"
                        }},
                        {"op": "remove", "path": "members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"]"},
                        {"op": "add", "path": "members", "value": [
                            {"value": "5f2a3b1c-0d4e-4f6a-8b7c-9d0e1f2a3b4c", "display": "user@example.com"}
                        ]}
                    ])),
                ),
            ),
        ],
    }
}

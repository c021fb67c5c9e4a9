//! `/Me` (RFC 7644 §3.11): routed for every method so clients learn why it is unavailable; the
//! tokens scimd issues belong to provisioning clients, not to users.
use utoipa::openapi::path::{HttpMethod, Paths};

use super::operations::{OperationExt, scim_op};
use crate::api::SCIM_PREFIX;

pub fn add_paths(paths: &mut Paths) {
    let operations = [
        (HttpMethod::Get, "getMe", "Read the authenticated user"),
        (
            HttpMethod::Post,
            "createMe",
            "Create the authenticated user",
        ),
        (
            HttpMethod::Put,
            "replaceMe",
            "Replace the authenticated user",
        ),
        (
            HttpMethod::Patch,
            "patchMe",
            "Modify the authenticated user",
        ),
        (
            HttpMethod::Delete,
            "deleteMe",
            "Delete the authenticated user",
        ),
    ];
    for (method, id, summary) in operations {
        paths.add_path_operation(
            format!("{SCIM_PREFIX}/Me"),
            vec![method],
            scim_op("Me", id, summary)
                .description(Some(
                    "RFC 7644 §3.11. Answers 501 for every token scimd issues: a token \
                     authenticates a tenant's provisioning client, not a SCIM user. Use \
                     `/Users/{id}`.",
                ))
                .responses_with(&["501"]),
        );
    }
}

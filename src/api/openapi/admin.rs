//! What the admin API's operations (`#[utoipa::path]` on the handlers in `api/admin`) share:
//! the `adminToken` security scheme, the 401 it answers with, and the shared SCIM error
//! responses it references by status.
use std::collections::BTreeMap;

use serde_json::json;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::Components;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

use super::components::www_authenticate;
use super::types::{SCIM_JSON, component};
use crate::scim::error::ERROR_URN;

/// Name of the security scheme of the admin API; the handlers' `security(...)` spell it out.
pub const ADMIN_TOKEN: &str = "adminToken";

/// The `adminToken` scheme and the admin API's 401.
pub fn add(components: &mut Components) {
    components.security_schemes.insert(
        ADMIN_TOKEN.to_owned(),
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The value of `SCIMD_ADMIN_TOKEN`, sent as `Authorization: Bearer <token>`. \
                     Only the admin API takes it, and it takes nothing else: tenant tokens, \
                     JWTs and OAuth access tokens get 401 there. Without `SCIMD_ADMIN_TOKEN` \
                     the admin API is disabled and answers 404.",
                ))
                .build(),
        )
        .into(),
    );
    components
        .responses
        .insert("AdminUnauthorized".to_owned(), unauthorized().into());
    for (name, description) in [
        ("AdminQueryError", "The query string could not be parsed"),
        (
            "AdminTenantNotFound",
            "The admin API is disabled (no `SCIMD_ADMIN_TOKEN`), or `tenant` names no tenant",
        ),
        (
            "AdminIdNotFound",
            "The admin API is disabled (no `SCIMD_ADMIN_TOKEN`), or nothing of this kind has \
             that id",
        ),
    ] {
        components
            .responses
            .insert(name.to_owned(), error_response(description).into());
    }
}

/// A SCIM error answer with this description.
fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            SCIM_JSON,
            ContentBuilder::new()
                .schema(Some(component("Error")))
                .build(),
        )
        .build()
}

fn unauthorized() -> Response {
    ResponseBuilder::new()
        .description(
            "The admin token is missing or wrong. A tenant's token is not an admin token and \
             gets 401 here too",
        )
        .header("WWW-Authenticate", www_authenticate())
        .content(
            SCIM_JSON,
            ContentBuilder::new()
                .schema(Some(component("Error")))
                .example(Some(json!({
                    "schemas": [ERROR_URN],
                    "status": "401",
                    "detail": "the admin token is invalid; the admin API takes SCIMD_ADMIN_TOKEN, \
                               not a tenant's token"
                })))
                .build(),
        )
        .build()
}

/// One status answered with a response component: `responses(..., PayloadTooLarge, ...)` in a
/// `#[utoipa::path]`.
macro_rules! shared_responses {
    ($($(#[$doc:meta])* $ty:ident: $status:literal => $name:literal;)*) => {$(
        $(#[$doc])*
        pub struct $ty;

        impl utoipa::IntoResponses for $ty {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([($status.to_owned(), Ref::from_response_name($name).into())])
            }
        }
    )*};
}

shared_responses! {
    /// 400: the query string could not be parsed.
    QueryError: "400" => "AdminQueryError";
    /// 401: not the admin token.
    Unauthorized: "401" => "AdminUnauthorized";
    /// 404: the admin API is disabled, or `tenant` names no tenant.
    TenantNotFound: "404" => "AdminTenantNotFound";
    /// 404: the admin API is disabled, or no credential has the id.
    IdNotFound: "404" => "AdminIdNotFound";
    /// 413: the body exceeds `SCIMD_MAX_PAYLOAD_BYTES`.
    PayloadTooLarge: "413" => "PayloadTooLarge";
    /// 415: the body is not JSON.
    UnsupportedMediaType: "415" => "UnsupportedMediaType";
    /// 500: the database failed.
    InternalServerError: "500" => "InternalServerError";
}

//! Shared components: the SCIM error responses (RFC 7644 §3.12) and the list, projection and
//! precondition parameters (RFC 7644 §3.4.2, §3.9, §3.14; RFC 9865 cursors).
use serde_json::json;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Components, Schema};
use utoipa::openapi::{ContentBuilder, RefOr, Required};

use super::examples;
use super::messages::sort_order;
use super::types::{SCIM_JSON, component, integer, string};
use crate::scim::error::ERROR_URN;
use crate::scim::schema::ResourceKind;

/// SCIM error responses: (status, component name, description, example detail).
pub const ERRORS: [(&str, &str, &str, Option<&str>, &str); 11] = [
    (
        "400",
        "BadRequest",
        "The request is invalid: malformed JSON, a bad filter, a wrong attribute value",
        Some("invalidFilter"),
        "expected a comparison operator after `userName` at column 10",
    ),
    (
        "401",
        "Unauthorized",
        "The bearer token is missing, invalid, expired or revoked",
        None,
        "missing Authorization header; send `Authorization: Bearer <token>`",
    ),
    (
        "404",
        "NotFound",
        "No such resource in this tenant",
        None,
        "User 2819c223-7f76-453a-919d-413861904646 not found",
    ),
    (
        "409",
        "Conflict",
        "A unique attribute (`userName`, Group `displayName`) is taken, or the resource kept \
         changing concurrently",
        Some("uniqueness"),
        "userName is already taken by another resource of this tenant",
    ),
    (
        "412",
        "PreconditionFailed",
        "`If-Match` names a version that is not the current one",
        None,
        "the resource has changed since that version (If-Match); read it again and retry",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The body exceeds `SCIMD_MAX_PAYLOAD_BYTES`",
        None,
        "the request body exceeds 1048576 bytes",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not `application/scim+json` or `application/json`",
        None,
        "send the body as application/scim+json or application/json",
    ),
    (
        "429",
        "TooManyRequests",
        "This token is over its rate limit (`SCIMD_RATE_LIMIT`, `SCIMD_RATE_LIMIT_BURST`); \
         retry after `Retry-After` seconds",
        None,
        "too many requests for this token: the limit is 100 requests per second (bursts of up \
         to 500); retry in 1 s (Retry-After)",
    ),
    (
        "500",
        "InternalServerError",
        "An unexpected failure; the server log has the cause",
        None,
        "internal server error; the server log has the cause",
    ),
    (
        "501",
        "NotImplemented",
        "The operation is not available for this credential",
        None,
        crate::api::scim::me::NO_SUBJECT,
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database is not answering",
        None,
        "the database is not answering",
    ),
];

/// Statuses every SCIM operation can answer with.
pub const ALWAYS: &[&str] = &["400", "401", "429", "500"];
/// Statuses of operations that read a request body.
pub const WITH_BODY: &[&str] = &["413", "415"];

/// The challenge every 401 carries.
pub fn www_authenticate() -> Header {
    HeaderBuilder::new()
        .schema(Some(string()))
        .description(Some("`Bearer realm=\"scimd\"`"))
        .build()
}

pub fn add(components: &mut Components) {
    for (status, name, description, scim_type, detail) in ERRORS {
        let mut example = json!({"schemas": [ERROR_URN], "status": status, "detail": detail});
        if let Some(t) = scim_type {
            example["scimType"] = json!(t);
        }
        let mut response = ResponseBuilder::new().description(description).content(
            SCIM_JSON,
            ContentBuilder::new()
                .schema(Some(component("Error")))
                .example(Some(example))
                .build(),
        );
        if status == "401" {
            response = response.header("WWW-Authenticate", www_authenticate());
        }
        if status == "429" {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(integer()))
                    .description(Some("Whole seconds to wait before retrying, at least 1"))
                    .example(Some(json!(1)))
                    .build(),
            );
        }
        components
            .responses
            .insert(name.to_owned(), response.build().into());
    }
    let query = |name: &str, schema: RefOr<Schema>, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .schema(Some(schema))
            .description(Some(description))
    };
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .schema(Some(string()))
            .description(Some(description))
            .example(Some(json!("W/\"3\"")))
    };
    let parameters = [
        query(
            "sortOrder",
            sort_order().into(),
            "`ascending` (default) or `descending`.",
        ),
        query(
            "startIndex",
            integer().minimum(Some(1)).into(),
            "1-based index of the first result (index paging; values below 1 mean 1).",
        )
        .example(Some(json!(1))),
        query(
            "count",
            integer().minimum(Some(0)).into(),
            "Largest page wanted; capped at `filter.maxResults`. With `cursor`, a count above \
             it is 400 `invalidCount`.",
        )
        .example(Some(json!(100))),
        query(
            "cursor",
            string().into(),
            "RFC 9865 cursor paging: empty for the first page, then the `nextCursor` of the \
             previous page. Not together with `startIndex`; an unknown cursor is 400 \
             `invalidCursor`.",
        ),
        query(
            "attributes",
            string().into(),
            "Comma-separated attribute paths to return (plus those always returned).",
        )
        .example(Some(json!("userName,emails"))),
        query(
            "excludedAttributes",
            string().into(),
            "Comma-separated attribute paths to leave out; Entra sends `members` on Group \
             reads.",
        )
        .example(Some(json!("members"))),
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(string()))
            .description(Some("The resource's `id`, as the server assigned it."))
            .example(Some(json!("2819c223-7f76-453a-919d-413861904646"))),
        header(
            "If-Match",
            "RFC 7644 §3.14: change only if the resource still has this ETag; else 412.",
        ),
        header(
            "If-None-Match",
            "RFC 7644 §3.14: answer 304 without a body if the resource still has this ETag.",
        ),
    ];
    for parameter in parameters {
        let parameter = parameter.build();
        components
            .parameters
            .insert(parameter.name.clone(), parameter.into());
    }
}

/// `filter` with the query each IdP sends before it creates a resource.
pub fn list_filter(kind: ResourceKind) -> ParameterBuilder {
    let (example, idp) = match kind {
        ResourceKind::User => (examples::OKTA_FILTER, "Okta's existence check"),
        ResourceKind::Group => (examples::ENTRA_GROUP_FILTER, "Entra's group match"),
    };
    ParameterBuilder::new()
        .name("filter")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .schema(Some(string()))
        .description(Some(format!(
            "RFC 7644 §3.4.2.2 filter; the example is {idp}. Attribute names and operators \
             are case-insensitive; an unknown attribute is 400 `invalidFilter`."
        )))
        .example(Some(json!(example)))
}

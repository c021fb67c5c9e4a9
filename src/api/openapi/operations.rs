//! The operations of the route table in `api/mod.rs`, with their parameters, bodies and
//! responses. Users and Groups are generated per resource type of the registry; a test
//! (`tests/api/openapi.rs`) checks every documented path against the live route table.
use serde_json::json;
use utoipa::openapi::example::{Example, ExampleBuilder};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Ref, Schema};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, RefOr, Required};

use super::BEARER;
use super::components::{ALWAYS, ERRORS, WITH_BODY, list_filter};
use super::examples;
use super::registry;
use super::types::{JSON, SCIM_JSON, component, requiring, string, uri};
use crate::api::SCIM_PREFIX;
use crate::scim::schema::{Registry, ResourceKind, ResourceType};

pub fn add_paths(paths: &mut Paths) {
    for rt in Registry::core().resource_types() {
        resource_paths(paths, rt);
    }
    let scim = |p: &str| format!("{SCIM_PREFIX}{p}");
    paths.add_path_operation(
        scim("/.search"),
        vec![HttpMethod::Post],
        scim_op("Search", "searchAll", "Search Users and Groups together")
            .description(Some(
                "RFC 7644 §3.4.3 at the service root: Users and Groups in one list. A filter \
                 attribute that one type lacks is false for that type.",
            ))
            .request_body(Some(body(component("SearchRequest").into(), Vec::new())))
            .response("200", list_ok("ListResponse"))
            .responses_with(WITH_BODY),
    );
    paths.add_path_operation(
        scim("/Bulk"),
        vec![HttpMethod::Post],
        scim_op("Bulk", "bulk", "Many operations in one request")
            .description(Some(
                "RFC 7644 §3.7. The response is 200 with one result per operation; an \
                 operation's own failure is its `status` and `response`, not the request's.",
            ))
            .request_body(Some(body(component("BulkRequest").into(), Vec::new())))
            .response("200", ok("BulkResponse", "The results"))
            .responses_with(WITH_BODY),
    );
    super::me::add_paths(paths);
    paths.add_path_operation(
        scim("/ServiceProviderConfig"),
        vec![HttpMethod::Get],
        scim_op(
            "Discovery",
            "getServiceProviderConfig",
            "What this server supports",
        )
        .response("200", ok("ServiceProviderConfig", "The configuration")),
    );
    paths.add_path_operation(
        scim("/ResourceTypes"),
        vec![HttpMethod::Get],
        scim_op("Discovery", "listResourceTypes", "Every resource type")
            .response("200", list_ok("ResourceTypeListResponse")),
    );
    paths.add_path_operation(
        scim("/ResourceTypes/{name}"),
        vec![HttpMethod::Get],
        scim_op("Discovery", "getResourceType", "One resource type")
            .parameter(
                ParameterBuilder::new()
                    .name("name")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(string()))
                    .description(Some("`User` or `Group` (case-insensitive)."))
                    .example(Some(json!("User"))),
            )
            .response("200", ok("ResourceType", "The resource type"))
            .responses_with(&["404"]),
    );
    paths.add_path_operation(
        scim("/Schemas"),
        vec![HttpMethod::Get],
        scim_op(
            "Discovery",
            "listSchemas",
            "Every schema, with every attribute",
        )
        .response("200", list_ok("SchemaListResponse")),
    );
    paths.add_path_operation(
        scim("/Schemas/{id}"),
        vec![HttpMethod::Get],
        scim_op("Discovery", "getSchema", "One schema")
            .parameter(
                ParameterBuilder::new()
                    .name("id")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(string()))
                    .description(Some("The schema URN (case-insensitive)."))
                    .example(Some(json!(crate::scim::schema::USER_URN))),
            )
            .response("200", ok("Schema", "The schema"))
            .responses_with(&["404"]),
    );
}

fn resource_paths(paths: &mut Paths, rt: &ResourceType) {
    let name = rt.name();
    let plural = &rt.endpoint()[1..];
    let collection = format!("{SCIM_PREFIX}{}", rt.endpoint());
    let required = registry::required(rt);
    let input = || RefOr::Ref(component(&registry::request_schema(rt)));
    let projection = ["attributes", "excludedAttributes"];

    paths.add_path_operation(
        &collection,
        vec![HttpMethod::Get],
        scim_op(
            plural,
            &format!("list{plural}"),
            &format!("List or filter {plural}"),
        )
        .description(Some(format!(
            "RFC 7644 §3.4.2: a filtered, sorted page. No match is 200 with an empty \
                 list, never 404 (Entra's and Okta's existence checks rely on it). Index \
                 paging with `startIndex`/`count`, or RFC 9865 cursor paging with `cursor`. \
                 {}",
            if rt.kind == ResourceKind::User {
                format!("Okta checks existence with `{}`.", examples::OKTA_FILTER)
            } else {
                "Entra matches groups with `excludedAttributes=members&filter=displayName \
                     eq \"…\"`."
                    .to_owned()
            }
        )))
        .parameter(list_filter(rt.kind))
        .parameter(
            ParameterBuilder::new()
                .name("sortBy")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(string()))
                .description(Some("Attribute path to sort by (RFC 7644 §3.4.2.3)."))
                .example(Some(json!(required.first().copied().unwrap_or("id")))),
        )
        .params(&[
            "sortOrder",
            "startIndex",
            "count",
            "cursor",
            "attributes",
            "excludedAttributes",
        ])
        .response("200", list_ok(&format!("{name}ListResponse"))),
    );
    paths.add_path_operation(
        &collection,
        vec![HttpMethod::Post],
        scim_op(
            plural,
            &format!("create{name}"),
            &format!("Create a {name}"),
        )
        .description(Some(format!(
            "RFC 7644 §3.3. Read-only attributes in the body (`id`, `meta`, `groups`) are \
                 ignored; `{}` is required.",
            required.join("`, `")
        )))
        .params(&projection)
        .request_body(Some(body(input(), examples::create(rt.kind))))
        .response("201", resource_ok(name, "Created", true))
        .responses_with(&["409"])
        .responses_with(WITH_BODY),
    );
    paths.add_path_operation(
        format!("{collection}/.search"),
        vec![HttpMethod::Post],
        scim_op(
            plural,
            &format!("search{plural}"),
            &format!("Search {plural}"),
        )
        .description(Some(
            "RFC 7644 §3.4.3: the list parameters in a SearchRequest body, so filters \
                 stay out of URLs and logs.",
        ))
        .request_body(Some(body(component("SearchRequest").into(), Vec::new())))
        .response("200", list_ok(&format!("{name}ListResponse")))
        .responses_with(WITH_BODY),
    );

    let item = format!("{collection}/{{id}}");
    paths.add_path_operation(
        &item,
        vec![HttpMethod::Get],
        scim_op(plural, &format!("get{name}"), &format!("Read a {name}"))
            .params(&["id", "attributes", "excludedAttributes", "If-None-Match"])
            .response("200", resource_ok(name, "The resource", false))
            .response(
                "304",
                ResponseBuilder::new().description("Not modified: `If-None-Match` matched"),
            )
            .responses_with(&["404"]),
    );
    paths.add_path_operation(
        &item,
        vec![HttpMethod::Put],
        scim_op(
            plural,
            &format!("replace{name}"),
            &format!("Replace a {name}"),
        )
        .description(Some(
            "RFC 7644 §3.5.1: every readWrite attribute the body omits is cleared; \
                 immutable values stay, and an omitted password keeps the stored one. Okta \
                 updates users this way.",
        ))
        .params(&["id", "attributes", "excludedAttributes", "If-Match"])
        .request_body(Some(body(input(), examples::replace(rt.kind))))
        .response("200", resource_ok(name, "The replaced resource", false))
        .responses_with(&["404", "409", "412"])
        .responses_with(WITH_BODY),
    );
    paths.add_path_operation(
        &item,
        vec![HttpMethod::Patch],
        scim_op(plural, &format!("patch{name}"), &format!("Modify a {name}"))
            .description(Some(
                "RFC 7644 §3.5.2: all operations apply in one transaction, or none does. \
                 Accepts what Entra, Okta and the Microsoft validators send (see PatchOp).",
            ))
            .params(&["id", "attributes", "excludedAttributes", "If-Match"])
            .request_body(Some(body(
                component("PatchOp").into(),
                examples::patch(rt.kind),
            )))
            .response("200", resource_ok(name, "The modified resource", false))
            .response(
                "204",
                ResponseBuilder::new().description(if rt.kind == ResourceKind::Group {
                    "Modified; no body, the new version in `ETag`. A Group PATCH without \
                     `attributes`/`excludedAttributes` answers so unless the server runs with \
                     SCIMD_GROUP_PATCH_RESPONSE=resource, so its cost does not grow with the group."
                } else {
                    "Modified; no body"
                }),
            )
            .responses_with(&["404", "409", "412"])
            .responses_with(WITH_BODY),
    );
    paths.add_path_operation(
        &item,
        vec![HttpMethod::Delete],
        scim_op(
            plural,
            &format!("delete{name}"),
            &format!("Delete a {name}"),
        )
        .description(Some(if rt.kind == ResourceKind::User {
            "RFC 7644 §3.6. Also removes the user from every group."
        } else {
            "RFC 7644 §3.6. Members are not deleted, only the membership."
        }))
        .params(&["id", "If-Match"])
        .response("204", ResponseBuilder::new().description("Deleted"))
        .responses_with(&["404", "412"]),
    );
}

/// A SCIM operation: bearer auth and the error statuses every SCIM operation can answer.
pub(super) fn scim_op(tag: &str, id: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .tag(tag)
        .operation_id(Some(id))
        .summary(Some(summary))
        .security(SecurityRequirement::new(BEARER, Vec::<String>::new()))
        .responses_with(ALWAYS)
}

pub(super) trait OperationExt {
    /// Adds the shared error responses for these statuses.
    fn responses_with(self, statuses: &[&str]) -> Self;
    /// References these shared parameters.
    fn params(self, names: &[&str]) -> Self;
}

impl OperationExt for OperationBuilder {
    fn responses_with(self, statuses: &[&str]) -> Self {
        statuses.iter().fold(self, |op, status| {
            match ERRORS.iter().find(|(s, ..)| s == status) {
                Some((status, name, ..)) => op.response(*status, Ref::from_response_name(*name)),
                None => op,
            }
        })
    }

    fn params(self, names: &[&str]) -> Self {
        names.iter().fold(self, |op, name| {
            op.parameter_ref(Ref::new(format!("#/components/parameters/{name}")))
        })
    }
}

/// A request body in both media types scimd accepts.
fn body(schema: RefOr<Schema>, examples: Vec<(&'static str, Example)>) -> RequestBody {
    let content = |media: &str| {
        let mut content = ContentBuilder::new().schema(Some(schema.clone()));
        if media == SCIM_JSON && !examples.is_empty() {
            content = content.examples_from_iter(examples.clone());
        }
        content.build()
    };
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .description(Some(
            "`application/scim+json`; `application/json` is accepted too.",
        ))
        .content(SCIM_JSON, content(SCIM_JSON))
        .content(JSON, content(JSON))
        .build()
}

fn ok(schema: &str, description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        SCIM_JSON,
        ContentBuilder::new()
            .schema(Some(component(schema)))
            .build(),
    )
}

fn list_ok(schema: &str) -> ResponseBuilder {
    ok(schema, "A ListResponse page")
}

/// A resource with its `ETag` (and, on 201, its `Location`).
fn resource_ok(name: &str, description: &str, created: bool) -> ResponseBuilder {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(
            SCIM_JSON,
            ContentBuilder::new()
                .schema(Some(requiring(name, &["schemas", "id"])))
                .build(),
        )
        .header(
            "ETag",
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some("The weak version tag, as in `meta.version`"))
                .example(Some(json!("W/\"1\"")))
                .build(),
        );
    if created {
        response = response.header(
            "Location",
            HeaderBuilder::new()
                .schema(Some(uri()))
                .description(Some("The new resource's URL, as in `meta.location`"))
                .build(),
        );
    }
    response
}

/// A named example for a request body.
pub fn example(summary: &str, value: serde_json::Value) -> Example {
    ExampleBuilder::new()
        .summary(summary)
        .value(Some(value))
        .build()
}

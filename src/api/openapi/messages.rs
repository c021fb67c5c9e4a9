//! Schemas of the SCIM messages (RFC 7644 §3.4.2 ListResponse, §3.4.3 SearchRequest, §3.5.2
//! PatchOp, §3.12 Error; RFC 9865 cursors) and discovery documents (RFC 7643 §5–§7).
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Components, ObjectBuilder, OneOfBuilder, Schema};

use super::types::{add_typed, requiring, urns};
use super::types::{array, component, integer, object, one_of, string};
use crate::scim::bulk::{BULK_REQUEST_URN, BulkResponse};
use crate::scim::error::ErrorBody;
use crate::scim::list::params::SEARCH_REQUEST_URN;
use crate::scim::schema::{LIST_RESPONSE_URN, Registry};

pub use crate::scim::patch::PATCH_OP_URN;

pub fn add_schemas(components: &mut Components) {
    add_typed::<ErrorBody>(components);
    add_typed::<BulkResponse>(components);
    let schemas = &mut components.schemas;
    let mut add = |name: &str, schema: RefOr<Schema>| {
        schemas.insert(name.to_owned(), schema);
    };
    add("SearchRequest", search_request());
    add("PatchOp", patch_op());
    add("PatchOperation", patch_operation());
    add("BulkRequest", bulk_request());
    for rt in Registry::core().resource_types() {
        add(
            &format!("{}ListResponse", rt.name()),
            list_response(
                requiring(rt.name(), &["schemas", "id"]),
                &format!("A page of {} resources.", rt.name()),
            ),
        );
    }
    let any_resource = Registry::core()
        .resource_types()
        .iter()
        .fold(OneOfBuilder::new(), |b, rt| {
            b.item(requiring(rt.name(), &["schemas", "id"]))
        });
    add(
        "ListResponse",
        list_response(
            any_resource.into(),
            "A page of resources of every type (`POST /.search` at the service root).",
        ),
    );
    add(
        "ResourceTypeListResponse",
        list_response(component("ResourceType").into(), "Every resource type."),
    );
    add(
        "SchemaListResponse",
        list_response(component("Schema").into(), "Every schema."),
    );
}

fn list_response(item: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    object()
        .description(Some(format!(
            "{description} RFC 7644 §3.4.2: index pages carry `startIndex`; RFC 9865 cursor \
             pages carry `nextCursor` while more results remain."
        )))
        .property(
            "schemas",
            urns(&[LIST_RESPONSE_URN], "The ListResponse URN."),
        )
        .property(
            "totalResults",
            integer()
                .minimum(Some(0))
                .description(Some("How many resources match, on all pages.")),
        )
        .property(
            "startIndex",
            integer().minimum(Some(1)).description(Some(
                "1-based index of the first result (index paging only).",
            )),
        )
        .property(
            "itemsPerPage",
            integer()
                .minimum(Some(0))
                .description(Some("How many resources this page holds.")),
        )
        .property(
            "nextCursor",
            string().description(Some(
                "RFC 9865: pass as `cursor` to get the next page; absent on the last page.",
            )),
        )
        .property("Resources", array(item).description(Some("This page.")))
        .required("schemas")
        .required("totalResults")
        .required("itemsPerPage")
        .required("Resources")
        .into()
}

fn search_request() -> RefOr<Schema> {
    let names = |what: &str| {
        array(string()).description(Some(format!(
            "{what} (RFC 7644 §3.9). A comma-separated string is accepted too."
        )))
    };
    object()
        .description(Some(
            "RFC 7644 §3.4.3: the parameters of a list, in a body. Numbers may also be sent as \
             strings.",
        ))
        .property(
            "schemas",
            urns(
                &[SEARCH_REQUEST_URN],
                "The SearchRequest URN (required in strict mode).",
            ),
        )
        .property(
            "attributes",
            names("Return only these attributes (and those always returned)"),
        )
        .property(
            "excludedAttributes",
            names("Return the default attributes except these"),
        )
        .property(
            "filter",
            string()
                .description(Some("RFC 7644 §3.4.2.2 filter."))
                .examples([r#"userName eq "bjensen@example.com""#]),
        )
        .property(
            "sortBy",
            string()
                .description(Some("Attribute path to sort by."))
                .examples(["userName"]),
        )
        .property("sortOrder", sort_order())
        .property(
            "startIndex",
            integer()
                .minimum(Some(1))
                .description(Some("1-based index of the first result.")),
        )
        .property(
            "count",
            integer().minimum(Some(0)).description(Some(
                "Largest page wanted; capped at `filter.maxResults` (with `cursor`, above it \
                 is 400 `invalidCount`).",
            )),
        )
        .property(
            "cursor",
            string().description(Some(
                "RFC 9865: `\"\"` for the first page, then a `nextCursor`. Not together with \
                 `startIndex`.",
            )),
        )
        .examples([serde_json::json!({
            "schemas": [SEARCH_REQUEST_URN],
            "attributes": ["userName", "displayName"],
            "filter": "emails[type eq \"work\"].value ew \"@example.com\"",
            "sortBy": "userName",
            "startIndex": 1,
            "count": 10
        })])
        .into()
}

pub fn sort_order() -> ObjectBuilder {
    one_of(&["ascending", "descending"]).description(Some(
        "Sort direction; `ascending` by default (compared case-insensitively).",
    ))
}

fn patch_op() -> RefOr<Schema> {
    object()
        .description(Some(
            "RFC 7644 §3.5.2: operations applied in order, all or none. Entra's and Okta's \
             variants are accepted: `op` in any case, a path-less `value` with dotted or URN \
             keys, `remove` with a `value` list of members.",
        ))
        .property("schemas", urns(&[PATCH_OP_URN], "The PatchOp URN."))
        .property(
            "Operations",
            array(component("PatchOperation"))
                .description(Some("The operations; an empty list changes nothing.")),
        )
        .required("schemas")
        .required("Operations")
        .into()
}

fn patch_operation() -> RefOr<Schema> {
    object()
        .property(
            "op",
            string()
                // `add`, `remove` or `replace` in any case: Entra sends "Replace".
                .pattern(Some(
                    "^([Aa][Dd][Dd]|[Rr][Ee][Mm][Oo][Vv][Ee]|[Rr][Ee][Pp][Ll][Aa][Cc][Ee])$",
                ))
                .description(Some(
                    "`add`, `remove` or `replace`, compared case-insensitively.",
                ))
                .examples(["add", "remove", "replace", "Replace"]),
        )
        .property(
            "path",
            string()
                .description(Some(
                    "Attribute path, optionally with a value filter (RFC 7644 §3.5.2); \
                     required for `remove`. Without it, `value` is an object of attributes.",
                ))
                .examples([
                    "displayName",
                    "emails[type eq \"work\"].value",
                    "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                ]),
        )
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                .description(Some(
                    "The new value: any JSON value the path's attribute takes, or an object \
                     of attributes when there is no path.",
                )),
        )
        .required("op")
        .into()
}

/// `POST`, `PUT`, `PATCH` or `DELETE` in any case.
const BULK_METHOD: &str =
    "^([Pp][Oo][Ss][Tt]|[Pp][Uu][Tt]|[Pp][Aa][Tt][Cc][Hh]|[Dd][Ee][Ll][Ee][Tt][Ee])$";

fn bulk_request() -> RefOr<Schema> {
    let any = || ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue);
    object()
        .description(Some(
            "RFC 7644 §3.7: operations on Users and Groups in one request. A POST declares a \
             `bulkId`; later operations refer to what it created as `bulkId:<id>`, in paths \
             and in data (e.g. group members), whatever their order.",
        ))
        .property("schemas", urns(&[BULK_REQUEST_URN], "The BulkRequest URN."))
        .property(
            "failOnErrors",
            integer()
                .minimum(Some(1))
                .description(Some("Stop after this many failed operations.")),
        )
        .property(
            "Operations",
            array(
                object()
                    .property(
                        "method",
                        string()
                            .pattern(Some(BULK_METHOD))
                            .examples(["POST", "PUT", "PATCH", "DELETE"]),
                    )
                    .property(
                        "bulkId",
                        string().description(Some("Required on POST; unique in the request.")),
                    )
                    .property(
                        "path",
                        string()
                            .description(Some(
                                "`/Users` or `/Groups` for POST, else `/Users/{id}` or \
                                 `/Groups/{id}` (the id may be `bulkId:<id>`).",
                            ))
                            .examples(["/Users", "/Groups/bulkId:qwerty"]),
                    )
                    .property(
                        "data",
                        any().description(Some(
                            "The body the single request would carry: a resource, or a PatchOp.",
                        )),
                    )
                    .property("version", string().description(Some("As `If-Match`.")))
                    .required("method")
                    .required("path"),
            )
            .description(Some(
                "At most `bulk.maxOperations` (ServiceProviderConfig); more is 413.",
            )),
        )
        .required("Operations")
        .examples([serde_json::json!({
            "schemas": [BULK_REQUEST_URN],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty",
                 "data": {"schemas": [crate::scim::schema::USER_URN], "userName": "alice@example.com"}},
                {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
                 "data": {"schemas": [crate::scim::schema::GROUP_URN], "displayName": "Tour Guides",
                          "members": [{"type": "User", "value": "bulkId:qwerty"}]}}
            ]
        })])
        .into()
}

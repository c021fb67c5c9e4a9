//! The OpenAPI 3.1 `webhooks` section: one entry per event type, the POST scimd sends to an
//! endpoint (`scimd webhook add`), with its Standard Webhooks headers, the event as its body
//! (a named component per type, narrowing `ChangeEvent`'s `type` and `data`) and what each
//! answer makes scimd do. The same bodies are what `GET /admin/v1/events` lists.
use serde_json::json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AllOfBuilder, Components};
use utoipa::openapi::{ContentBuilder, Required};

use super::types::{JSON, component, object, one_of, string};
use crate::scim::event::EventType;

/// What an event of one type carries in `data`, as a component name: a created or changed
/// resource as `GET` returns it (without a group's `members` or a user's `groups`, which are
/// events of their own, and never a `password`).
fn data_of(event: EventType) -> &'static str {
    match event {
        EventType::UserCreated
        | EventType::UserUpdated
        | EventType::UserDeactivated
        | EventType::UserReactivated => "User",
        EventType::UserDeleted => "DeletedUserData",
        EventType::GroupCreated | EventType::GroupUpdated => "Group",
        EventType::GroupDeleted => "DeletedGroupData",
        EventType::GroupMemberAdded | EventType::GroupMemberRemoved => "MembershipData",
    }
}

/// `group.member_added` → `GroupMemberAddedEvent`: the component of one event type.
fn component_name(event: EventType) -> String {
    let mut name = String::new();
    for word in event.as_str().split(['.', '_']) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name.push_str("Event");
    name
}

fn summary(event: EventType) -> &'static str {
    match event {
        EventType::UserCreated => "A user was created",
        EventType::UserUpdated => "A user changed (other than `active` flipping)",
        EventType::UserDeactivated => "A user's `active` became false",
        EventType::UserReactivated => "A user's `active` became true again",
        EventType::UserDeleted => "A user was deleted",
        EventType::GroupCreated => "A group was created",
        EventType::GroupUpdated => "A group changed (other than its members)",
        EventType::GroupDeleted => "A group was deleted (one event, not one per member)",
        EventType::GroupMemberAdded => "One member joined a group",
        EventType::GroupMemberRemoved => "One member left a group (or was deleted)",
    }
}

/// The `data` schemas and one event schema per type.
pub fn add_schemas(components: &mut Components) {
    let deleted = |name: &str| {
        object()
            .description(Some(
                "The resource's last identifiers, kept for the application to find its copy.",
            ))
            .property("id", string())
            .required("id")
            .property("externalId", string())
            .property(name, string())
            .build()
    };
    let schemas = &mut components.schemas;
    schemas.insert("DeletedUserData".to_owned(), deleted("userName").into());
    schemas.insert("DeletedGroupData".to_owned(), deleted("displayName").into());
    schemas.insert(
        "MembershipData".to_owned(),
        object()
            .description(Some(
                "The one member added or removed; the group is the event's `resource`.",
            ))
            .property(
                "member",
                object()
                    .property("value", string().description(Some("The member's `id`.")))
                    .required("value")
                    .property("type", one_of(&["User", "Group"]))
                    .required("type"),
            )
            .required("member")
            .examples([json!({"member": {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"}})])
            .build()
            .into(),
    );
    for event in EventType::ALL {
        let narrowed = object()
            .property("type", string().enum_values(Some([event.as_str()])))
            .property("data", component(data_of(event)));
        let schema = AllOfBuilder::new()
            .item(component("ChangeEvent"))
            .item(narrowed)
            .description(Some(summary(event)));
        schemas.insert(component_name(event), schema.into());
    }
}

/// One webhook per event type, keyed by its name.
pub fn paths() -> Paths {
    let header = |name: &str, description: &str, example: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .schema(Some(string()))
            .description(Some(description))
            .example(Some(json!(example)))
            .build()
    };
    let retried_after = || {
        ResponseBuilder::new()
            .description("Retried after the answer's `Retry-After`, else on the retry schedule")
    };
    let mut webhooks = PathsBuilder::new();
    for event in EventType::ALL {
        let operation = OperationBuilder::new()
            .tag("Webhooks")
            .operation_id(Some(format!("webhook{}", component_name(event))))
            .summary(Some(summary(event)))
            .description(Some(
                "Sent to every enabled endpoint whose filter takes this type, one event per \
                 POST, in `seq` order per endpoint and tenant, at least once. Verify it with \
                 any Standard Webhooks library: the signature covers `webhook-id`, \
                 `webhook-timestamp` and the exact body bytes. A retry sends the same bytes \
                 with the same `webhook-id`, so deduplicate on it.",
            ))
            .parameter(header(
                "webhook-id",
                "The event's `id`; the same on every retry.",
                "01939b62-6a8e-7c2e-9f4b-3d2a1c0b9e8f",
            ))
            .parameter(header(
                "webhook-timestamp",
                "Seconds since the Unix epoch when this attempt was signed.",
                "1764806400",
            ))
            .parameter(header(
                "webhook-signature",
                "`v1,<base64 HMAC-SHA256>`; during a secret rotation's 24 hours two entries, \
                 space-separated, one per secret.",
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(component(&component_name(event))))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "2XX",
                ResponseBuilder::new()
                    .description("Received: the endpoint gets the tenant's next event"),
            )
            .response(
                "410",
                ResponseBuilder::new().description(
                    "Gone: the endpoint is disabled (`scimd webhook enable ID` resumes it \
                     with this event)",
                ),
            )
            .response("429", retried_after())
            .response("503", retried_after())
            .response(
                "default",
                ResponseBuilder::new().description(
                    "Any other answer, a timeout (10 s) or no connection: retried with backoff \
                     (`SCIMD_WEBHOOK_RETRY_SCHEDULE`); an endpoint failing for 5 days is \
                     disabled",
                ),
            );
        webhooks = webhooks.path(event.as_str(), PathItem::new(HttpMethod::Post, operation));
    }
    webhooks.build()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn every_event_type_is_a_webhook_with_signed_headers_and_its_own_body() {
        let doc: Value = serde_json::from_str(crate::api::openapi::to_json()).unwrap();
        for event in EventType::ALL {
            let post = &doc["webhooks"][event.as_str()]["post"];
            let headers: Vec<&str> = post["parameters"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no webhook", event.as_str()))
                .iter()
                .filter(|p| p["in"] == "header" && p["required"] == true)
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert_eq!(
                headers,
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
            );
            let body = post["requestBody"]["content"][JSON]["schema"]["$ref"]
                .as_str()
                .unwrap();
            let name = body.rsplit('/').next().unwrap();
            assert_eq!(name, component_name(event));
            let schema = &doc["components"]["schemas"][name]["allOf"];
            assert_eq!(schema[0]["$ref"], "#/components/schemas/ChangeEvent");
            assert_eq!(schema[1]["properties"]["type"]["enum"][0], event.as_str());
            let data = schema[1]["properties"]["data"]["$ref"].as_str().unwrap();
            let data = data.rsplit('/').next().unwrap();
            assert!(doc["components"]["schemas"][data].is_object(), "{data}");
        }
    }
}

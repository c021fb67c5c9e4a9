use serde_json::Value;

use super::admin::ADMIN_TOKEN;
use crate::scim::schema::{Attribute, Registry};

fn doc() -> Value {
    serde_json::from_str(super::to_json()).unwrap()
}

#[test]
fn every_scim_type_is_listed() {
    // The Error schema is derived from ScimType, so a new variant is in it by construction;
    // this holds the document to the wire names.
    let doc = doc();
    let error = &doc["components"]["schemas"]["Error"]["properties"]["scimType"];
    assert_eq!(error["$ref"], "#/components/schemas/ScimType", "{error}");
    let listed = doc["components"]["schemas"]["ScimType"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 12);
    for name in [
        "invalidFilter",
        "uniqueness",
        "invalidCursor",
        "invalidCount",
    ] {
        assert!(listed.contains(&name.into()), "{name}");
    }
}

#[test]
fn is_openapi_3_1_with_a_license_and_pretty_with_a_trailing_newline() {
    let text = super::to_json();
    assert!(text.ends_with("}\n"));
    assert!(text.starts_with("{\n  \""));
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["license"]["name"], "Apache-2.0");
}

fn assert_attributes(schema: &Value, attrs: &[Attribute], at: &str) {
    for attr in attrs {
        let property = &schema["properties"][&attr.name];
        assert!(property.is_object(), "{at}{} is missing", attr.name);
        let expected = if attr.multi_valued { "array" } else { "" };
        if attr.multi_valued {
            assert_eq!(property["type"], expected, "{at}{}", attr.name);
        }
        if !attr.sub_attributes.is_empty() {
            let object = if attr.multi_valued {
                &property["items"]
            } else {
                property
            };
            assert_attributes(object, &attr.sub_attributes, &format!("{at}{}.", attr.name));
        }
    }
}

#[test]
fn resource_schemas_cover_every_registry_attribute() {
    let doc = doc();
    for rt in Registry::core().resource_types() {
        let schema = &doc["components"]["schemas"][rt.name()];
        assert_attributes(schema, &rt.schema.attributes, "");
        assert_attributes(schema, crate::scim::schema::common_attributes(), "");
        for ext in &rt.extensions {
            assert_eq!(
                schema["properties"][&ext.schema.id]["$ref"],
                format!("#/components/schemas/{}", ext.schema.name)
            );
            let ext_schema = &doc["components"]["schemas"][&ext.schema.name];
            assert_attributes(ext_schema, &ext.schema.attributes, "");
        }
    }
}

#[test]
fn canonical_values_are_examples_not_enums() {
    let doc = doc();
    let emails_type = &doc["components"]["schemas"]["User"]["properties"]["emails"]["items"]["properties"]
        ["type"];
    assert!(emails_type.get("enum").is_none());
    assert_eq!(emails_type["examples"][0], "work");
}

#[test]
fn scim_operations_require_the_bearer_token_and_document_400_401_and_429() {
    let doc = doc();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scim = path.starts_with("/scim/v2");
            let admin = path.starts_with(crate::api::admin::ADMIN_PREFIX);
            // The token endpoint authenticates OAuth clients (HTTP Basic), not bearers.
            let secured = scim || admin || path == "/oauth/token";
            assert_eq!(op.get("security").is_some(), secured, "{method} {path}");
            let scheme = if admin { ADMIN_TOKEN } else { super::BEARER };
            if scim || admin {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{ scheme: [] }]),
                    "{method} {path}"
                );
            }
            if scim {
                for status in ["400", "401", "429", "500"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn admin_operations_answer_401_404_500_with_scim_errors_and_say_no_store() {
    let doc = doc();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with(crate::api::admin::ADMIN_PREFIX) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert_eq!(op["tags"], serde_json::json!(["Admin"]), "{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            assert_eq!(
                responses["401"]["$ref"], "#/components/responses/AdminUnauthorized",
                "{method} {path}"
            );
            assert_eq!(
                responses["500"]["$ref"], "#/components/responses/InternalServerError",
                "{method} {path}"
            );
            assert!(
                responses.contains_key("404"),
                "{method} {path}: 404 when disabled"
            );
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{method} {path} {status}");
                }
            }
            for (status, response) in responses {
                // Every $ref names a response that exists.
                if let Some(name) = response["$ref"].as_str() {
                    let name = name.trim_start_matches("#/components/responses/");
                    assert!(
                        doc["components"]["responses"][name].is_object(),
                        "{method} {path} {status}: {name}"
                    );
                } else if status.starts_with('2') {
                    if let Some(content) = response.get("content") {
                        assert!(content.get("application/json").is_some(), "{method} {path}");
                        assert!(
                            response["headers"]["Cache-Control"].is_object(),
                            "{method} {path} {status}: Cache-Control"
                        );
                    }
                } else {
                    assert_eq!(
                        response["content"]["application/scim+json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 15, "{operations} admin operations");
    let scheme = &doc["components"]["securitySchemes"][ADMIN_TOKEN];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert!(
        scheme["description"]
            .as_str()
            .unwrap()
            .contains("SCIMD_ADMIN_TOKEN")
    );
}

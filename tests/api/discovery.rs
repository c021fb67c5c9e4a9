use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn service_provider_config_describes_the_server() {
    let app = spawn_app().await;
    let r = app.get("/ServiceProviderConfig").await;
    assert_eq!(r.headers()["content-type"], "application/scim+json");
    let spc = json_ok(r).await;
    assert_eq!(
        spc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["filter"]["maxResults"], 1000);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        spc["meta"]["location"],
        format!("{}/ServiceProviderConfig", app.base())
    );
}

#[tokio::test]
async fn resource_types_list_users_and_groups() {
    let app = spawn_app().await;
    let list = json_ok(app.get("/ResourceTypes").await).await;
    assert_eq!(list["totalResults"], 2);
    let user = &list["Resources"][0];
    assert_eq!(user["id"], "User");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_URN);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_URN, "required": false}])
    );
    let group = json_ok(app.get("/ResourceTypes/Group").await).await;
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(
        group["meta"]["location"],
        format!("{}/ResourceTypes/Group", app.base())
    );
    scim_error(app.get("/ResourceTypes/Device").await, 404, None).await;
}

#[tokio::test]
async fn schemas_list_core_and_enterprise_with_all_characteristics() {
    let app = spawn_app().await;
    let list = json_ok(app.get("/Schemas").await).await;
    let ids: Vec<_> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [json!(USER_URN), json!(GROUP_URN), json!(ENTERPRISE_URN)]
    );
    let user = json_ok(app.get(&format!("/Schemas/{USER_URN}")).await).await;
    let password = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "password")
        .unwrap();
    assert_eq!(password["mutability"], "writeOnly");
    assert_eq!(password["returned"], "never");
    let group = json_ok(app.get(&format!("/Schemas/{GROUP_URN}")).await).await;
    let members = &group["attributes"][1];
    assert_eq!(members["name"], "members");
    assert_eq!(members["multiValued"], true);
    scim_error(app.get("/Schemas/urn:example:nope").await, 404, None).await;
}

#[tokio::test]
async fn discovery_endpoints_answer_405_to_other_methods() {
    let app = spawn_app().await;
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/Schemas",
        "/ResourceTypes/User",
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let r = app.send(method.clone(), path, Some(&json!({}))).await;
            let detail = scim_error(r, 405, None).await;
            assert!(detail.contains(method.as_str()), "{detail}");
        }
    }
}

#[tokio::test]
async fn discovery_needs_a_token() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/Schemas", app.base()))
        .send()
        .await
        .unwrap();
    scim_error(r, 401, None).await;
}

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax_and_creates_nothing() {
    let app = spawn_app().await;
    let r = app
        .request(Method::POST, "/Users")
        .header("Content-Type", "application/scim+json")
        .body("{\"userName\": \"x\",")
        .send()
        .await
        .unwrap();
    let detail = scim_error(r, 400, Some("invalidSyntax")).await;
    assert!(detail.contains("JSON"), "{detail}");
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_400() {
    let app = spawn_app().await;
    scim_error(
        app.post_user(&json!(["userName"])).await,
        400,
        Some("invalidSyntax"),
    )
    .await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app_with(|s| s.api.max_payload = 1024).await;
    let body = json!({"userName": "big", "displayName": "x".repeat(4096)});
    scim_error(app.post_user(&body).await, 413, None).await;
}

#[tokio::test]
async fn a_non_json_content_type_is_415() {
    let app = spawn_app().await;
    let r = app
        .request(Method::POST, "/Users")
        .header("Content-Type", "text/plain")
        .body("{\"userName\": \"x\"}")
        .send()
        .await
        .unwrap();
    scim_error(r, 415, None).await;
}

#[tokio::test]
async fn application_json_is_accepted_as_well_as_scim_json() {
    let app = spawn_app().await;
    let r = app
        .request(Method::POST, "/Users")
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Accept", "application/json; charset=utf-8")
        .body("{\"userName\": \"okta\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["content-type"], "application/scim+json");
}

#[tokio::test]
async fn unknown_routes_are_scim_404s() {
    let app = spawn_app().await;
    scim_error(app.get("/Devices").await, 404, None).await;
    let r = app
        .client
        .get(format!("{}/nowhere", app.root()))
        .send()
        .await
        .unwrap();
    scim_error(r, 404, None).await;
}

#[tokio::test]
async fn unsupported_methods_on_resources_are_scim_405s() {
    let app = spawn_app().await;
    scim_error(app.send(Method::DELETE, "/Users", None).await, 405, None).await;
    scim_error(
        app.send(Method::PUT, "/Groups", Some(&json!({}))).await,
        405,
        None,
    )
    .await;
}

#[tokio::test]
async fn a_trailing_slash_reaches_the_same_endpoint() {
    let app = spawn_app().await;
    app.create_user("slash").await;
    assert_eq!(json_ok(app.get("/Users/").await).await["totalResults"], 1);
}

#[tokio::test]
async fn hostile_values_are_client_errors_never_500s() {
    let app = spawn_app().await;
    let r = app.post_user(&json!({"userName": "nul\u{0}byte"})).await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("NUL"), "{detail}");
    let r = app
        .post_user(&json!({"userName": "u", "name": {"givenName": "a\u{0}"}}))
        .await;
    scim_error(r, 400, Some("invalidValue")).await;
    let r = app.post_user(&json!({"userName": "x".repeat(5000)})).await;
    scim_error(r, 400, Some("invalidValue")).await;
    let r = app
        .post_user(&json!({"userName": "u", "emails": [{"value": "x".repeat(5000)}]}))
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("emails.value"), "{detail}");
    for id in ["%00", "not-a-uuid", "'%20OR%201=1--", &"a".repeat(3000)] {
        scim_error(app.get(&format!("/Users/{id}")).await, 404, None).await;
        scim_error(
            app.put(&format!("/Groups/{id}"), &json!({"displayName": "g"}))
                .await,
            404,
            None,
        )
        .await;
        scim_error(app.delete(&format!("/Users/{id}")).await, 404, None).await;
    }
    let r = app
        .post_group(&json!({"displayName": "g", "members": [{"value": "a\u{0}b"}]}))
        .await;
    scim_error(r, 400, Some("invalidValue")).await;
    let r = app
        .post_group(
            &json!({"displayName": "g", "members": [{"value": "'; DROP TABLE resources;--"}]}),
        )
        .await;
    assert_eq!(
        json_status(r, StatusCode::CREATED).await["members"],
        json!([])
    );
    let deep = (0..200).fold(json!("x"), |v, _| json!([v]));
    let r = app
        .post_user(&json!({"userName": "deep", "title": deep}))
        .await;
    scim_error(r, 400, Some("invalidSyntax")).await;
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

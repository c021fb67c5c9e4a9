//! The OpenAPI document: committed copy, served copy, the docs page, and no drift from the
//! route table.
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_document_is_the_generated_one() {
    let generated = scimd::api::openapi::to_json();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` \
         and commit the result"
    );
}

#[test]
fn scimd_openapi_prints_the_committed_bytes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimd"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == COMMITTED.as_bytes(),
        "`scimd openapi` differs from openapi/openapi.json: run \
         `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn openapi_json_is_served_without_a_token() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/openapi.json", app.root()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(response.text().await.unwrap(), COMMITTED);
}

#[tokio::test]
async fn docs_page_renders_without_a_token_from_local_assets() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.root())).send();
    let page = get("/docs").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<base href=\"docs/\">"), "{html}");
    assert!(!html.contains("//cdn") && !html.contains("unpkg"), "{html}");
    // The assets the page loads relative to its base, and the config naming the document.
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"] {
        assert_eq!(
            get(asset).await.unwrap().status(),
            StatusCode::OK,
            "{asset}"
        );
    }
    let init = get("/docs/swagger-initializer.js").await.unwrap();
    assert_eq!(init.status(), StatusCode::OK);
    assert!(init.text().await.unwrap().contains("../openapi.json"));
}

/// Every documented path without a path parameter is routed for its documented methods, so
/// the document and the route table in `api/mod.rs` cannot drift apart.
#[tokio::test]
async fn every_documented_route_exists() {
    const ADMIN_TOKEN: &str = "admin-token-for-the-openapi-test";
    let app = spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
    })
    .await;
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.contains('{') {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app
                .client
                .request(method.clone(), format!("{}{path}", app.root()))
                .bearer_auth(if path.starts_with("/admin/") {
                    ADMIN_TOKEN
                } else {
                    &app.token
                });
            if method == Method::POST {
                request = request
                    .header("Content-Type", "application/scim+json")
                    .body("{}");
            }
            let status = request.send().await.unwrap().status();
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but answers {status}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} operations checked");
}

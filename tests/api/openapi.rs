//! The OpenAPI document: committed copy, served copy, the docs page, and no drift from the
//! route table.
use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestDb, settings, spawn_app};

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

/// `/docs/` served as is would resolve the page's `<base href="docs/">` to `/docs/docs/` and
/// show a blank page: it redirects to `/docs`, relatively so a proxy's path prefix is kept.
#[tokio::test]
async fn docs_with_a_trailing_slash_redirects_to_docs() {
    let app = spawn_app().await;
    scimd::startup::install_crypto_provider();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, to) in [("/docs/", "../docs"), ("/docs/?x=1", "../docs?x=1")] {
        let response = no_redirects
            .get(format!("{}{path}", app.root()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(response.headers()["location"], to, "{path}");
        let resolved = response.url().join(to).unwrap();
        assert_eq!(resolved.path(), "/docs", "{path}");
    }
    // Followed, it is the page.
    let page = app
        .client
        .get(format!("{}/docs/", app.root()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.url().path(), "/docs");
    assert!(page.text().await.unwrap().contains("<base href=\"docs/\">"));
}

/// Routes the document leaves out on purpose: (method, path template, why). Empty today.
///
/// Not needed here, because neither is in the route table: the Swagger UI's asset service
/// (`/docs/{_:.*}`, registered beside the table: static files, not an operation), and the SCIM
/// endpoint names in other cases (`/scim/v2/users`) and Microsoft's `/serviceConfiguration`,
/// which `api::http::endpoint_names` rewrites to the canonical path before routing.
const UNDOCUMENTED: &[(&str, &str, &str)] = &[];

/// Documented operations that are not routes: (method, path template, why). Empty today.
const UNROUTED: &[(&str, &str, &str)] = &[];

/// The document and the route table hold the same (method, path template) pairs: every route
/// the server registers is documented, admin API included, and every documented operation is
/// served, so the two cannot drift apart.
#[tokio::test]
async fn the_document_and_the_route_table_agree() {
    let db = TestDb::new().await;
    let mut api = settings(&db, "a-token").api;
    let table = scimd::api::route_table(&api);
    // The admin API is routed whether or not it is enabled (disabled, it answers 404).
    api.admin_token_hash = Some(scimd::secrets::token_hash("an-admin-token"));
    assert_eq!(scimd::api::route_table(&api), table);

    let routed: BTreeSet<(String, String)> = table
        .0
        .iter()
        .map(|(method, path)| (method.as_str().to_owned(), path.clone()))
        .collect();
    assert_eq!(routed.len(), table.0.len(), "a route is registered twice");
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let excepted = |list: &[(&str, &str, &str)], (method, path): &(String, String)| {
        list.iter().any(|(m, p, _)| m == method && p == path)
    };
    let undocumented: Vec<_> = routed
        .difference(&documented)
        .filter(|route| !excepted(UNDOCUMENTED, route))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document (add `#[utoipa::path]` to the handler and \
         list it, or add it to UNDOCUMENTED with a reason): {undocumented:?}"
    );
    let unrouted: Vec<_> = documented
        .difference(&routed)
        .filter(|op| !excepted(UNROUTED, op))
        .collect();
    assert!(
        unrouted.is_empty(),
        "documented operations the server does not route: {unrouted:?}"
    );
    for (method, path, _) in UNDOCUMENTED {
        assert!(
            routed.contains(&(method.to_string(), path.to_string())),
            "UNDOCUMENTED lists {method} {path}, which is not routed"
        );
    }
    for (method, path, _) in UNROUTED {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "UNROUTED lists {method} {path}, which is not documented"
        );
    }
    assert!(
        routed
            .iter()
            .any(|(_, path)| path.starts_with("/admin/v1/")),
        "the admin API is in the table"
    );
}

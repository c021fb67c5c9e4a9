//! /Me (RFC 7644 §3.11): scimd's tokens have no user subject, so an authenticated request gets
//! 501 and an unauthenticated one 401, for every method.
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

#[tokio::test]
async fn me_answers_501_for_a_token_without_a_user() {
    let app = spawn_app().await;
    let body = json!({"schemas": [USER_URN], "userName": "me@example.com"});
    for method in METHODS {
        let with_body = matches!(method, Method::POST | Method::PUT | Method::PATCH);
        let r = app
            .send(method.clone(), "/Me", with_body.then_some(&body))
            .await;
        let detail = scim_error(r, 501, None).await;
        assert!(
            detail.contains("not associated with a SCIM user"),
            "{method}: {detail}"
        );
    }
    // Nothing was created on the way.
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn me_without_a_valid_token_is_401() {
    let app = spawn_app().await;
    for method in METHODS {
        let url = format!("{}/Me", app.base());
        let r = app
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        scim_error(r, 401, None).await;
        let r = app
            .client
            .request(method.clone(), &url)
            .bearer_auth("scimd_wrong")
            .send()
            .await
            .unwrap();
        scim_error(r, 401, None).await;
    }
}

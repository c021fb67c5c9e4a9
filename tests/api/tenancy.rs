use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn another_tenant_sees_nothing_of_the_first() {
    let app = spawn_app().await;
    let user = app.create_user("alice").await;
    let group = app.create_group("Admins", &[&user]).await;
    let other = app.token_for("other").await;
    let as_other = |method: Method, path: String| {
        app.client
            .request(method, format!("{}{path}", app.base()))
            .bearer_auth(&other)
    };

    for path in [format!("/Users/{user}"), format!("/Groups/{group}")] {
        let r = as_other(Method::GET, path.clone()).send().await.unwrap();
        scim_error(r, 404, None).await;
        let r = as_other(Method::PUT, path.clone())
            .json(&json!({"userName": "x", "displayName": "x"}))
            .send()
            .await
            .unwrap();
        scim_error(r, 404, None).await;
        let r = as_other(Method::DELETE, path).send().await.unwrap();
        scim_error(r, 404, None).await;
    }
    for path in ["/Users", "/Groups"] {
        let list: serde_json::Value = as_other(Method::GET, path.to_owned())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["totalResults"], 0, "{path}");
    }
    // The same names are free in the other tenant.
    let r = as_other(Method::POST, "/Users".into())
        .json(&json!({"userName": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // And the first tenant still has everything.
    assert_eq!(
        json_ok(app.get_user(&user).await).await["userName"],
        "alice"
    );
    assert_eq!(
        json_ok(app.get_group(&group).await).await["members"][0]["value"],
        user.as_str()
    );
}

#[tokio::test]
async fn members_naming_another_tenants_ids_are_dropped() {
    let app = spawn_app().await;
    let victim = app.create_user("victim").await;
    let other = app.token_for("other").await;
    let r = app
        .client
        .post(format!("{}/Groups", app.base()))
        .bearer_auth(&other)
        .json(&json!({"displayName": "Grab", "members": [{"value": victim}]}))
        .send()
        .await
        .unwrap();
    let group = json_status(r, StatusCode::CREATED).await;
    assert_eq!(group["members"], json!([]));
    assert!(
        json_ok(app.get_user(&victim).await)
            .await
            .get("groups")
            .is_none()
    );
}

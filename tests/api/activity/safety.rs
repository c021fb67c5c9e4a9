//! No password, token or secret — nor any attribute value besides the identifiers — ever
//! lands in a record, whatever the request carried and however it ended.
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::json;

use super::*;

#[tokio::test]
async fn no_secret_or_attribute_value_lands_in_any_record() {
    let app = activity_app_with(|s| s.api.activity_reads = true).await;
    let password = "Pa55-word-that-must-never-be-logged";
    let phone = "+1-555-0100-unique";
    let user = json!({
        "schemas": [USER_URN], "userName": "secretive", "password": password,
        "phoneNumbers": [{"value": phone, "type": "work"}],
        "name": {"familyName": "Hidden-Family-Name"}
    });
    let r = send_as(&app, OKTA, Method::POST, "/Users", Some(&user)).await;
    let id = id_of(json_status(r, StatusCode::CREATED).await);
    let set = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "path": "password", "value": format!("{password}-2")}]});
    let r = send_as(
        &app,
        OKTA,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&set),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A refused body with a password, a 400 that repeats nothing of it.
    let bad = json!({"schemas": [USER_URN], "password": password});
    let r = send_as(&app, OKTA, Method::POST, "/Users", Some(&bad)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "POST", "path": "/Users", "bulkId": "x",
            "data": {"schemas": [USER_URN], "userName": "bulky", "password": password}}]
    });
    let r = send_as(&app, OKTA, Method::POST, "/Bulk", Some(&bulk)).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A token that is not one, in the header and in the query string.
    let wrong = "wrong-token-value-that-must-never-be-logged";
    let r = app
        .client
        .get(format!("{}/Users?access_token={wrong}", app.base()))
        .bearer_auth(wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The admin issues a token: its secret is in the answer only.
    let r = app
        .client
        .post(format!("{}/admin/v1/tokens", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"tenant": "default", "label": "second"}))
        .send()
        .await
        .unwrap();
    let issued = json_status(r, StatusCode::CREATED).await;
    let secret = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_user(&id).await.status(), StatusCode::OK);

    // Every column of every row, as stored.
    records(&app, "all=true").await;
    let rows = entity::activity::Entity::find()
        .all(&app.db.connect().await)
        .await
        .unwrap();
    assert!(rows.len() >= 7, "{rows:?}");
    let stored = format!("{rows:?}");
    for forbidden in [
        password,
        phone,
        "Hidden-Family-Name",
        wrong,
        &secret,
        &app.token,
        ADMIN_TOKEN,
    ] {
        assert!(
            !stored.contains(forbidden),
            "{forbidden:?} is in the log: {stored}"
        );
    }
    // The names of what changed are there; their values are not.
    let patch = rows.iter().find(|r| r.operation == "patch").unwrap();
    assert_eq!(patch.changed.as_deref(), Some(r#"["password"]"#));
}

//! POST and PUT bodies in the shapes of shared/idp-quirks.md §2.1–§2.3 and §2.9.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use scimd::scim::validate::Leniency;

#[tokio::test]
async fn entra_create_user_with_nulls_meta_and_a_malformed_urn_succeeds() {
    let app = spawn_app().await;
    let body = json!({
        "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": true,
        "addresses": null,
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "title": null,
        "preferredLanguage": null,
        ENTERPRISE_URN: {"department": null, "manager": null}
    });
    let created = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    // What the IdP reads back later is what counts.
    let user = json_ok(app.get_user(&id_of(created.clone())).await).await;
    assert_eq!(user, created);
    assert_eq!(user["active"], true);
    assert_eq!(user["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(user["name"]["givenName"], "givenName");
    assert_eq!(user["emails"][0]["value"], "Test_User_ab6490ee@contoso.com");
    for unassigned in [
        "addresses",
        "roles",
        "title",
        "preferredLanguage",
        ENTERPRISE_URN,
    ] {
        assert!(
            user.get(unassigned).is_none(),
            "{unassigned} is unassigned: {user}"
        );
    }
}

#[tokio::test]
async fn entra_string_booleans_are_coerced() {
    let app = spawn_app().await;
    let body =
        json!({"userName": "u", "active": "True", "emails": [{"value": "a@x", "primary": "true"}]});
    let id = id_of(json_status(app.post_user(&body).await, StatusCode::CREATED).await);
    let user = json_ok(app.get_user(&id).await).await;
    assert_eq!(user["active"], true);
    assert_eq!(user["emails"][0]["primary"], true);
    json_ok(
        app.put_user(&id, &json!({"userName": "u", "active": "False"}))
            .await,
    )
    .await;
    assert_eq!(json_ok(app.get_user(&id).await).await["active"], false);
}

#[tokio::test]
async fn okta_create_with_groups_password_and_application_json_succeeds() {
    let app = spawn_app().await;
    let r = app
        .request(Method::POST, "/Users")
        .header("Content-Type", "application/json")
        .header("User-Agent", "Okta SCIM Client 1.0.0")
        .json(&json!({
            "schemas": [USER_URN],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [], "password": "1mz050nq", "active": true
        }))
        .send()
        .await
        .unwrap();
    let created = json_status(r, StatusCode::CREATED).await;
    assert!(created.get("password").is_none() && created.get("groups").is_none());
    let id = id_of(created);
    let user = json_ok(app.get_user(&id).await).await;
    assert_eq!(user["locale"], "en-US");
    assert_eq!(user["externalId"], "00ujl29u0le5T6Aj10h7");
    assert!(user.get("password").is_none(), "{user}");
    // Okta's password was stored, hashed.
    use sea_orm::EntityTrait;
    let row = entity::resource::Entity::find_by_id(id)
        .one(&app.db.connect().await)
        .await
        .unwrap()
        .unwrap();
    let hash = row.password_hash.expect("the password is stored");
    assert!(scimd::secrets::verify_password("1mz050nq", &hash));
}

#[tokio::test]
async fn okta_put_with_id_groups_and_meta_replaces_the_user() {
    let app = spawn_app().await;
    let created = json_status(
        app.post_user(&json!({"userName": "okta.put", "active": true}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let mut full = created.clone();
    full["active"] = json!(false);
    full["groups"] = json!([]);
    full["name"] = json!({"givenName": "Okta"});
    let answered = json_ok(app.put_user(id, &full).await).await;
    let user = json_ok(app.get_user(id).await).await;
    assert_eq!(user, answered);
    assert_eq!(user["active"], false);
    assert_eq!(user["name"]["givenName"], "Okta");
    assert_eq!(user["id"], created["id"]);
}

#[tokio::test]
async fn onelogin_template_without_schemas_with_string_active_and_single_email_succeeds() {
    let app = spawn_app().await;
    let body = json!({
        "id": null, "userName": "jdoe@onelogin.test", "active": "true",
        "emails": {"value": "jdoe@onelogin.test", "type": "work"},
        "user_mobile": "+1 555 0100", "meta": {"resourceType": "User"}
    });
    let created = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    let user = json_ok(app.get_user(&id_of(created)).await).await;
    assert_eq!(user["active"], true);
    assert_eq!(
        user["emails"],
        json!([{"value": "jdoe@onelogin.test", "type": "work"}])
    );
    assert!(user.get("user_mobile").is_none());
}

#[tokio::test]
async fn entra_create_group_with_a_microsoft_schema_urn_succeeds() {
    let app = spawn_app().await;
    let body = json!({
        "schemas": [GROUP_URN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0", "displayName": "Group1DisplayName", "meta": {"resourceType": "Group"}
    });
    let created = json_status(app.post_group(&body).await, StatusCode::CREATED).await;
    let group = json_ok(app.get_group(&id_of(created)).await).await;
    assert_eq!(group["externalId"], "8aa1a0c0");
    assert_eq!(group["displayName"], "Group1DisplayName");
    assert_eq!(group["members"], json!([]));
}

#[tokio::test]
async fn okta_push_group_with_empty_members_succeeds() {
    let app = spawn_app().await;
    let r = app
        .post_group(&json!({"schemas": [GROUP_URN], "displayName": "Okta Push", "members": []}))
        .await;
    let id = id_of(json_status(r, StatusCode::CREATED).await);
    let group = json_ok(app.get_group(&id).await).await;
    assert_eq!(group["displayName"], "Okta Push");
    assert_eq!(group["members"], json!([]));
}

#[tokio::test]
async fn strict_mode_rejects_the_non_rfc_shapes_and_accepts_rfc_ones() {
    let app = spawn_app_with(|s| s.api.leniency = Leniency::Strict).await;
    let rejected = [
        (
            json!({"schemas": [USER_URN], "userName": "u", "active": "True"}),
            "invalidValue",
            "active",
        ),
        (json!({"userName": "u"}), "invalidSyntax", "schemas"),
        (
            json!({"schemas": [USER_URN], "userName": "u", "emails": {"value": "a@x"}}),
            "invalidValue",
            "emails",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "u", "user_mobile": "1"}),
            "invalidSyntax",
            "user_mobile",
        ),
    ];
    for (body, scim_type, names) in rejected {
        let detail = scim_error(app.post_user(&body).await, 400, Some(scim_type)).await;
        assert!(detail.contains(names), "{detail}");
    }
    assert_eq!(app.list_users("").await["totalResults"], 0);
    let ok = app
        .post_user(&json!({"schemas": [USER_URN], "userName": "u", "active": true}))
        .await;
    let id = id_of(json_status(ok, StatusCode::CREATED).await);
    assert_eq!(json_ok(app.get_user(&id).await).await["active"], true);
}

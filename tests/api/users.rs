use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn barbara() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": "ext-1",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "password": "t1meMa$heen",
        ENTERPRISE_URN: {"department": "Tour Operations", "employeeNumber": "701984"}
    })
}

#[tokio::test]
async fn create_user_returns_201_with_location_etag_and_meta() {
    let app = spawn_app().await;
    let response = app.post_user(&barbara()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "application/scim+json");
    let user: Value = response.json().await.unwrap();
    let id = user["id"].as_str().unwrap();
    assert_eq!(location, format!("{}/Users/{id}", app.base()));
    assert_eq!(user["meta"]["location"], location.as_str());
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_eq!(user["meta"]["version"], etag.as_str());
    assert!(etag.starts_with("W/\""));
    assert_eq!(user["meta"]["created"], user["meta"]["lastModified"]);
    assert_eq!(user["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    assert_eq!(user["userName"], "bjensen@example.com");
    assert_eq!(user["name"]["familyName"], "Jensen");
    assert_eq!(user[ENTERPRISE_URN]["department"], "Tour Operations");
    assert!(user.get("password").is_none(), "password is never returned");
    // What was stored is what the answer showed.
    assert_eq!(json_ok(app.get_user(id).await).await, user);
}

#[tokio::test]
async fn get_user_returns_what_create_returned() {
    let app = spawn_app().await;
    let created = json_status(app.post_user(&barbara()).await, StatusCode::CREATED).await;
    let id = created["id"].as_str().unwrap();
    let response = app.get_user(id).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let fetched = json_ok(response).await;
    assert_eq!(fetched, created);
    assert_eq!(etag, created["meta"]["version"].as_str().unwrap());
}

#[tokio::test]
async fn password_is_stored_as_an_argon2_hash_only() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let id = id_of(json_status(app.post_user(&barbara()).await, StatusCode::CREATED).await);
    let conn = app.db.connect().await;
    let row = entity::resource::Entity::find_by_id(id.clone())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let hash = row.password_hash.expect("a password hash is stored");
    assert!(scimd::secrets::verify_password("t1meMa$heen", &hash));
    assert!(
        !row.data.to_string().contains("t1meMa$heen"),
        "cleartext never stored"
    );
    let fetched = json_ok(app.get_user(&id).await).await;
    assert!(!fetched.to_string().contains("t1meMa$heen"));
}

#[tokio::test]
async fn read_only_attributes_in_the_body_are_ignored() {
    let app = spawn_app().await;
    let body = json!({
        "schemas": [USER_URN], "userName": "okta.user", "id": "chosen-by-client",
        "groups": [{"value": "g1"}], "meta": {"resourceType": "User", "created": "2001-01-01T00:00:00Z"}
    });
    let user = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    assert_ne!(user["id"], "chosen-by-client");
    assert_ne!(user["meta"]["created"], "2001-01-01T00:00:00Z");
    assert!(user.get("groups").is_none());
}

#[tokio::test]
async fn get_unknown_user_is_a_scim_404() {
    let app = spawn_app().await;
    let detail = scim_error(app.get_user("00919288221112222").await, 404, None).await;
    assert!(detail.contains("00919288221112222"), "{detail}");
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let app = spawn_app().await;
    app.create_user("Runscope12Alice@atko.com").await;
    let r = app
        .post_user(&json!({"schemas": [USER_URN], "userName": "RUNSCOPE12ALICE@ATKO.COM"}))
        .await;
    let detail = scim_error(r, 409, Some("uniqueness")).await;
    assert!(detail.contains("userName"), "{detail}");
    assert_eq!(app.list_users("").await["totalResults"], 1);
}

#[tokio::test]
async fn external_id_is_not_unique() {
    let app = spawn_app().await;
    for name in ["a", "b"] {
        let r = app
            .post_user(&json!({"userName": name, "externalId": "same"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let same = app.list_users("filter=externalId%20eq%20%22same%22").await;
    assert_eq!(names(&same), ["a", "b"]);
}

#[tokio::test]
async fn missing_user_name_is_400_and_creates_nothing() {
    let app = spawn_app().await;
    let r = app
        .post_user(&json!({"schemas": [USER_URN], "displayName": "No Name"}))
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("userName"), "{detail}");
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn a_wrongly_typed_value_is_400_naming_the_attribute() {
    let app = spawn_app().await;
    let r = app
        .post_user(&json!({"userName": "u", "emails": [{"value": "a@x", "primary": "yes"}]}))
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("emails[0].primary"), "{detail}");
    let r = app
        .post_user(&json!({"userName": "u", "name": "Barbara"}))
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("`name`"), "{detail}");
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn put_replaces_and_clears_omitted_attributes() {
    let app = spawn_app().await;
    let created = json_status(app.post_user(&barbara()).await, StatusCode::CREATED).await;
    let id = created["id"].as_str().unwrap();
    let replacement = json!({
        "schemas": [USER_URN], "userName": "bjensen@example.com", "nickName": "Babs", "active": false
    });
    let response = app.put_user(id, &replacement).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let replaced = json_ok(response).await;
    assert_eq!(replaced["nickName"], "Babs");
    assert_eq!(replaced["active"], false);
    for gone in [
        "name",
        "displayName",
        "emails",
        "externalId",
        ENTERPRISE_URN,
    ] {
        assert!(
            replaced.get(gone).is_none(),
            "{gone} was cleared: {replaced}"
        );
    }
    assert_eq!(replaced["schemas"], json!([USER_URN]));
    assert_eq!(replaced["meta"]["created"], created["meta"]["created"]);
    assert_ne!(
        etag,
        created["meta"]["version"].as_str().unwrap(),
        "version changes"
    );
    assert_eq!(json_ok(app.get_user(id).await).await, replaced);
}

#[tokio::test]
async fn put_without_password_keeps_the_stored_one() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let id = id_of(json_status(app.post_user(&barbara()).await, StatusCode::CREATED).await);
    let r = app
        .put_user(
            &id,
            &json!({"userName": "bjensen@example.com", "active": false}),
        )
        .await;
    let replaced = json_ok(r).await;
    assert_eq!(replaced["active"], false);
    assert_eq!(json_ok(app.get_user(&id).await).await, replaced);
    let conn = app.db.connect().await;
    let row = entity::resource::Entity::find_by_id(id)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert!(scimd::secrets::verify_password(
        "t1meMa$heen",
        &row.password_hash.unwrap()
    ));
}

#[tokio::test]
async fn put_to_a_taken_user_name_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_user("taken").await;
    let id = app.create_user("mine").await;
    let r = app.put_user(&id, &json!({"userName": "TAKEN"})).await;
    scim_error(r, 409, Some("uniqueness")).await;
    assert_eq!(json_ok(app.get_user(&id).await).await["userName"], "mine");
}

#[tokio::test]
async fn put_without_user_name_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app.create_user("keep").await;
    let r = app.put_user(&id, &json!({"displayName": "x"})).await;
    scim_error(r, 400, Some("invalidValue")).await;
    let user = json_ok(app.get_user(&id).await).await;
    assert_eq!(user["userName"], "keep");
    assert_eq!(user["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn put_to_an_unknown_user_is_404() {
    let app = spawn_app().await;
    scim_error(
        app.put_user("missing", &json!({"userName": "x"})).await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn delete_returns_204_and_then_404() {
    let app = spawn_app().await;
    let id = app.create_user("leaver").await;
    let r = app.delete_user(&id).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.text().await.unwrap().is_empty());
    scim_error(app.get_user(&id).await, 404, None).await;
    scim_error(app.delete_user(&id).await, 404, None).await;
}

#[tokio::test]
async fn twelve_concurrent_creates_of_one_user_name_give_one_201_and_eleven_409s() {
    let app = spawn_app().await;
    let attempts = (0..12).map(|i| {
        let app = &app;
        async move {
            let name = if i % 2 == 0 {
                "race@example.com"
            } else {
                "RACE@example.com"
            };
            app.post_user(&json!({"userName": name})).await.status()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 11), "{statuses:?}");
    assert_eq!(app.list_users("").await["totalResults"], 1);
}

#[tokio::test]
async fn enterprise_manager_round_trips_as_an_object() {
    let app = spawn_app().await;
    let boss = app.create_user("boss").await;
    let body = json!({"userName": "report", ENTERPRISE_URN: {"manager": boss.clone()}});
    let user = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    assert_eq!(user[ENTERPRISE_URN]["manager"]["value"], boss.as_str());
    let stored = json_ok(app.get_user(&id_of(user)).await).await;
    assert_eq!(stored[ENTERPRISE_URN]["manager"]["value"], boss.as_str());
}

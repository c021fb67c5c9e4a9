//! `password` (RFC 7643 §4.1.1: writeOnly, returned never): accepted in every write, kept only
//! as an Argon2id hash, and absent from every answer, whatever the client asks for.
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Asserts that no answer mentions a password, by name or by value.
fn assert_hidden(body: &Value, passwords: &[&str], context: &str) {
    let text = body.to_string();
    assert!(
        !text.to_lowercase().contains("\"password\""),
        "{context}: {text}"
    );
    for password in passwords {
        assert!(!text.contains(password), "{context}: {text}");
    }
}

/// The stored row of `id`: its password hash, and everything else it holds as text.
async fn stored(app: &TestApp, id: &str) -> (Option<String>, String) {
    let conn = app.db.connect().await;
    let row = entity::resource::Entity::find_by_id(id.to_owned())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let values = entity::resource_value::Entity::find()
        .filter(entity::resource_value::Column::ResourceId.eq(id))
        .all(&conn)
        .await
        .unwrap();
    let mut text = format!("{} {} {:?}", row.data, row.data_ci, row.external_id);
    for v in values {
        text.push_str(&v.value);
    }
    (row.password_hash, text)
}

/// The stored hash is Argon2id, verifies `current` and no other, and the cleartext is
/// nowhere else in the row or its index values.
async fn assert_stored_hashed(app: &TestApp, id: &str, current: &str, others: &[&str]) {
    let (hash, text) = stored(app, id).await;
    let hash = hash.expect("a password hash is stored");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(scimd::secrets::verify_password(current, &hash), "{current}");
    for other in others {
        assert!(!scimd::secrets::verify_password(other, &hash), "{other}");
    }
    for password in others.iter().chain([&current]) {
        assert!(
            !hash.contains(password) && !text.contains(password),
            "{text}"
        );
    }
}

#[tokio::test]
async fn passwords_are_accepted_stored_hashed_and_never_returned() {
    let app = spawn_app().await;
    let pw = [
        "Pw-post-1",
        "Pw-put-2",
        "Pw-path-3",
        "Pw-nopath-4",
        "Pw-urn-5",
        "Pw-urnpath-6",
    ];
    let created = json_status(
        app.post_user(&json!({"schemas": [USER_URN], "userName": "pat", "password": pw[0]}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_hidden(&created, &pw, "POST");
    let id = id_of(created);
    assert_stored_hashed(&app, &id, pw[0], &pw[1..]).await;

    let put = json!({"schemas": [USER_URN], "userName": "pat", "password": pw[1]});
    assert_hidden(&json_ok(app.put_user(&id, &put).await).await, &pw, "PUT");
    assert_stored_hashed(&app, &id, pw[1], &[pw[0]]).await;
    // A PUT without a password keeps the stored one (writeOnly: the client cannot read it
    // back to send it again).
    let put = json!({"schemas": [USER_URN], "userName": "pat", "title": "kept"});
    json_ok(app.put_user(&id, &put).await).await;
    assert_stored_hashed(&app, &id, pw[1], &[pw[0]]).await;

    let user_urn_password = format!("{USER_URN}:password");
    for (i, op) in [
        json!({"op": "replace", "path": "password", "value": pw[2]}),
        json!({"op": "replace", "value": {"password": pw[3]}}),
        json!({"op": "replace", "value": {user_urn_password.clone(): pw[4]}}),
        json!({"op": "add", "path": user_urn_password, "value": pw[5]}),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"schemas": [PATCH_OP], "Operations": [op]});
        let r = app
            .send(Method::PATCH, &format!("/Users/{id}"), Some(&body))
            .await;
        assert_hidden(&json_ok(r).await, &pw, &format!("PATCH {body}"));
        let current = pw[i + 2];
        let others: Vec<&str> = pw.iter().copied().filter(|p| *p != current).collect();
        assert_stored_hashed(&app, &id, current, &others).await;
    }
}

#[tokio::test]
async fn no_read_shows_a_password_even_when_asked_for_it() {
    let app = spawn_app().await;
    let secret = "Pw-read-7";
    let id = id_of(
        json_status(
            app.post_user(&json!({"schemas": [USER_URN], "userName": "pat", "password": secret}))
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    for path in [
        format!("/Users/{id}"),
        format!("/Users/{id}?attributes=password"),
        format!("/Users/{id}?attributes=password,userName"),
        format!("/Users/{id}?attributes={USER_URN}:password"),
        format!("/Users/{id}?excludedAttributes=userName"),
        "/Users".to_owned(),
        "/Users?attributes=password".to_owned(),
        "/Users?filter=userName%20eq%20%22pat%22&attributes=password,id".to_owned(),
    ] {
        assert_hidden(&json_ok(app.get(&path).await).await, &[secret], &path);
    }
    for (path, body) in [
        ("/Users/.search", json!({"attributes": ["password"]})),
        (
            "/Users/.search",
            json!({"filter": "userName eq \"pat\"", "attributes": "password,userName"}),
        ),
        ("/.search", json!({"attributes": ["password", "userName"]})),
        ("/.search", json!({})),
    ] {
        assert_hidden(&json_ok(app.post(path, &body).await).await, &[secret], path);
    }
    // A password cannot be searched for either: comparing it would leak it bit by bit.
    let r = app.get("/Users?filter=password%20pr").await;
    scim_error(r, 400, Some("invalidFilter")).await;
}

#[tokio::test]
async fn bulk_answers_carry_no_password_and_bulk_writes_store_hashes() {
    let app = spawn_app().await;
    let id = app.create_user("pat").await;
    let pw = [
        "Pw-bulk-post-8",
        "Pw-bulk-put-9",
        "Pw-bulk-patch-10",
        "Pw-bulk-bad-11",
    ];
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "u",
         "data": {"schemas": [USER_URN], "userName": "bulky", "password": pw[0]}},
        {"method": "PUT", "path": format!("/Users/{id}"),
         "data": {"schemas": [USER_URN], "userName": "pat", "password": pw[1]}},
        {"method": "PATCH", "path": "/Users/bulkId:u",
         "data": {"Operations": [{"op": "replace", "path": "password", "value": pw[2]}]}},
        {"method": "POST", "path": "/Users", "bulkId": "dup",
         "data": {"schemas": [USER_URN], "userName": "PAT", "password": pw[3]}}
    ]});
    let r = json_ok(app.post("/Bulk", &body).await).await;
    assert_hidden(&r, &pw, "Bulk");
    let statuses: Vec<&str> = r["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "200", "200", "409"], "{r}");
    let bulky = r["Operations"][0]["location"].as_str().unwrap();
    let bulky = bulky.rsplit('/').next().unwrap();
    assert_stored_hashed(&app, bulky, pw[2], &[pw[0]]).await;
    assert_stored_hashed(&app, &id, pw[1], &[]).await;
}

#[tokio::test]
async fn a_group_has_no_password_to_store() {
    let app = spawn_app().await;
    let r = app
        .post_group(&json!({"schemas": [GROUP_URN], "displayName": "G", "password": "Pw-group-12"}))
        .await;
    let id = id_of(json_status(r, StatusCode::CREATED).await);
    let (hash, text) = stored(&app, &id).await;
    assert_eq!(hash, None);
    assert!(!text.contains("Pw-group-12"), "{text}");
}

#[tokio::test]
async fn a_refused_password_is_not_echoed_in_the_error() {
    let app = spawn_app_with(|s| s.api.leniency = scimd::scim::validate::Leniency::Strict).await;
    for (password, text) in [(json!(73_519_246), "73519246"), (json!(true), "true")] {
        let r = app
            .post_user(&json!({"schemas": [USER_URN], "userName": "pat", "password": password}))
            .await;
        let detail = scim_error(r, 400, Some("invalidValue")).await;
        assert!(detail.contains("password"), "{detail}");
        assert!(!detail.contains(text), "{detail}");
    }
    let id = app.create_user("pat").await;
    let body = json!({"schemas": [PATCH_OP],
                      "Operations": [{"op": "replace", "path": "password", "value": 73_519_246}]});
    let r = app
        .send(Method::PATCH, &format!("/Users/{id}"), Some(&body))
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("password"), "{detail}");
    assert!(!detail.contains("73519246"), "{detail}");
    let (hash, text) = stored(&app, &id).await;
    assert_eq!(hash, None, "the refused password set nothing");
    assert!(!text.contains("73519246"), "{text}");
}

//! PATCH (RFC 7644 §3.5.2) in the shapes Entra ID and Okta send (shared/idp-quirks.md §2.1,
//! §2.2, §2.9), each read back; and ETags (§3.14).
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

async fn patch(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.send(Method::PATCH, path, Some(body)).await
}

/// PATCHes and returns the resource: the answer's body, or for a Group PATCH that names no
/// attributes (204 by default, SCIMD_GROUP_PATCH_RESPONSE) the group read back, whose ETag must
/// be the one the 204 carried.
async fn patched(app: &TestApp, path: &str, body: Value) -> Value {
    let r = patch(app, path, &body).await;
    if !path.starts_with("/Groups/") || path.contains('?') {
        return json_ok(r).await;
    }
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "Group PATCH answers 204"
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(r.bytes().await.unwrap().is_empty(), "a 204 has no body");
    let read = app.get(path).await;
    assert_eq!(read.headers()["etag"].to_str().unwrap(), etag);
    json_ok(read).await
}

async fn entra_user(app: &TestApp) -> String {
    let body = json!({
        "schemas": [USER_URN, ENTERPRISE],
        "userName": "Test_User_1@contoso.com", "active": true, "displayName": "Test User",
        "externalId": "0a21f0f2", "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "type": "work", "value": "Test_User_1@contoso.com"}],
        ENTERPRISE: {"employeeNumber": "1"}
    });
    id_of(json_status(app.post_user(&body).await, StatusCode::CREATED).await)
}

#[tokio::test]
async fn entra_update_with_capitalised_ops_and_filtered_paths() {
    let app = spawn_app().await;
    let id = entra_user(&app).await;
    let path = format!("/Users/{id}");
    patched(
        &app,
        &path,
        ops(json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@test.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"},
            {"op": "Add", "path": "nickName", "value": "Babs"}
        ])),
    )
    .await;
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(user["displayName"], "Pvlo");
    assert_eq!(
        user["emails"],
        json!([{"primary": true, "type": "work", "value": "x@test.com"}])
    );
    assert_eq!(
        user["name"],
        json!({"givenName": "Gtfd", "familyName": "User"})
    );
    assert_eq!(user["externalId"], "Eqpj");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert_eq!(user["nickName"], "Babs");
    // The filter index follows the change.
    let list = app
        .list_users("filter=emails.value%20eq%20%22x%40test.com%22")
        .await;
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn entra_flag_no_path_replace_with_dotted_and_urn_keys() {
    let app = spawn_app().await;
    let id = entra_user(&app).await;
    let path = format!("/Users/{id}");
    patched(
        &app,
        &path,
        ops(json!([{"op": "replace", "value": {
            "displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
            format!("{ENTERPRISE}:employeeNumber"): "Aklq"
        }}])),
    )
    .await;
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(user["displayName"], "Bjfe");
    assert_eq!(
        user["name"],
        json!({"givenName": "Kkom", "familyName": "Unua"})
    );
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Aklq");
}

#[tokio::test]
async fn add_on_a_filtered_path_that_matches_nothing_creates_the_element() {
    let app = spawn_app().await;
    let id = app.create_user("nomail").await;
    let path = format!("/Users/{id}");
    patched(
        &app,
        &path,
        ops(json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "new@x.com"}])),
    )
    .await;
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(
        user["emails"],
        json!([{"type": "work", "value": "new@x.com"}])
    );
}

#[tokio::test]
async fn disable_and_enable_with_string_and_boolean_values() {
    let app = spawn_app().await;
    let id = entra_user(&app).await;
    let path = format!("/Users/{id}");
    for (value, expected) in [
        (json!("False"), false),
        (json!(true), true),
        (json!(false), false),
    ] {
        patched(
            &app,
            &path,
            ops(json!([{"op": "Replace", "path": "active", "value": value}])),
        )
        .await;
        assert_eq!(json_ok(app.get(&path).await).await["active"], expected);
    }
    // Okta: no path, value object.
    patched(
        &app,
        &path,
        ops(json!([{"op": "replace", "value": {"active": true}}])),
    )
    .await;
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(user["active"], true);
    let list = app.list_users("filter=active%20eq%20true").await;
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn manager_in_every_shape_entra_sends() {
    let app = spawn_app().await;
    let id = entra_user(&app).await;
    let boss = app.create_user("boss").await;
    let path = format!("/Users/{id}");
    for value in [
        json!([{"$ref": format!("http://x/Users/{boss}"), "value": boss}]),
        json!(boss),
        json!({"value": boss}),
    ] {
        for target in ["manager".to_owned(), format!("{ENTERPRISE}:manager")] {
            patched(
                &app,
                &path,
                ops(json!([{"op": "Add", "path": target, "value": value}])),
            )
            .await;
            let user = json_ok(app.get(&path).await).await;
            assert_eq!(
                user[ENTERPRISE]["manager"]["value"], boss,
                "{value} at {target}"
            );
            patched(&app, &path, ops(json!([{"op": "remove", "path": target}]))).await;
            let user = json_ok(app.get(&path).await).await;
            assert!(user[ENTERPRISE].get("manager").is_none(), "{user}");
        }
    }
}

#[tokio::test]
async fn group_membership_the_entra_and_okta_ways() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let b = app.create_user("b").await;
    let c = app.create_user("c").await;
    let group = app.create_group("G", &[]).await;
    let path = format!("/Groups/{group}");
    let members = |g: &Value| -> Vec<String> {
        let mut v: Vec<String> = g["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    // Entra: multi-member add, with a null $ref; an unknown id is ignored, not a 400.
    patched(
        &app,
        &path,
        ops(json!([{"op": "Add", "path": "members", "value": [
            {"$ref": null, "value": a}, {"value": b},
            {"value": "00000000-0000-4000-8000-000000000000"}
        ]}])),
    )
    .await;
    assert_eq!(
        members(&json_ok(app.get(&path).await).await),
        sorted(vec![&a, &b])
    );
    // Entra without the flag: remove with a value list.
    patched(
        &app,
        &path,
        ops(json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}])),
    )
    .await;
    assert_eq!(
        members(&json_ok(app.get(&path).await).await),
        vec![b.clone()]
    );
    // Okta and Entra with the flag: remove by filter, add in the same request.
    patched(
        &app,
        &path,
        ops(json!([
            {"op": "remove", "path": format!("members[value eq \"{b}\"]")},
            {"op": "add", "path": "members", "value": [{"value": c, "display": "c"}]}
        ])),
    )
    .await;
    assert_eq!(
        members(&json_ok(app.get(&path).await).await),
        vec![c.clone()]
    );
    // Removing a member that is not there succeeds.
    patched(
        &app,
        &path,
        ops(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])),
    )
    .await;
    // Okta Push Groups: replace the whole list; Okta rename with id inside the value.
    patched(
        &app,
        &path,
        ops(json!([
            {"op": "replace", "path": "members", "value": [{"value": a}, {"value": b}]},
            {"op": "replace", "value": {"id": group, "displayName": "Renamed"}}
        ])),
    )
    .await;
    let g = json_ok(app.get(&path).await).await;
    assert_eq!(members(&g), sorted(vec![&a, &b]));
    assert_eq!(g["displayName"], "Renamed");
    // The response honours excludedAttributes.
    let r = patched(
        &app,
        &format!("{path}?excludedAttributes=members"),
        ops(json!([{"op": "remove", "path": "members"}])),
    )
    .await;
    assert!(r.get("members").is_none());
    assert_eq!(
        members(&json_ok(app.get(&path).await).await),
        Vec::<String>::new()
    );
    // Derived User.groups follows.
    patched(
        &app,
        &path,
        ops(json!([{"op": "add", "path": "members", "value": [{"value": c}]}])),
    )
    .await;
    let user = json_ok(app.get_user(&c).await).await;
    assert_eq!(user["groups"][0]["value"], group);
}

#[tokio::test]
async fn empty_operations_change_nothing() {
    let app = spawn_app().await;
    let id = app.create_user("still").await;
    let before = json_ok(app.get_user(&id).await).await;
    let after = patched(&app, &format!("/Users/{id}"), ops(json!([]))).await;
    assert_eq!(before["meta"]["version"], after["meta"]["version"]);
}

#[tokio::test]
async fn bad_patches_are_scim_errors_and_change_nothing() {
    let app = spawn_app().await;
    let id = entra_user(&app).await;
    let path = format!("/Users/{id}");
    let before = json_ok(app.get(&path).await).await;
    for (body, status, scim_type) in [
        (ops(json!([{"op": "remove"}])), 400, "noTarget"),
        (
            ops(json!([{"op": "jump", "path": "title", "value": "x"}])),
            400,
            "invalidSyntax",
        ),
        (
            ops(json!([{"op": "replace", "path": "nosuch", "value": "x"}])),
            400,
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
            400,
            "invalidFilter",
        ),
        (
            ops(json!([{"op": "replace", "path": "name..x", "value": "x"}])),
            400,
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "groups", "value": []}])),
            400,
            "mutability",
        ),
        (
            ops(
                json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
            ),
            400,
            "mutability",
        ),
        // The first op is fine; the second fails; neither applies.
        (
            ops(json!([{"op": "replace", "path": "title", "value": "boss"},
                       {"op": "replace", "path": "active", "value": "maybe"}])),
            400,
            "invalidValue",
        ),
        (json!({"Operations": "x"}), 400, "invalidSyntax"),
    ] {
        scim_error(patch(&app, &path, &body).await, status, Some(scim_type)).await;
    }
    let after = json_ok(app.get(&path).await).await;
    assert_eq!(before, after);
    scim_error(
        patch(
            &app,
            "/Users/00000000-0000-4000-8000-000000000000",
            &ops(json!([])),
        )
        .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn strict_mode_rejects_the_non_rfc_shapes() {
    let app = spawn_app_with(|s| s.api.leniency = scimd::scim::validate::Leniency::Strict).await;
    let id = app.create_user("strict").await;
    let path = format!("/Users/{id}");
    scim_error(
        patch(
            &app,
            &path,
            &ops(json!([{"op": "Replace", "path": "title", "value": "x"}])),
        )
        .await,
        400,
        Some("invalidSyntax"),
    )
    .await;
    scim_error(
        patch(
            &app,
            &path,
            &ops(json!([{"op": "replace", "value": {"name.givenName": "x"}}])),
        )
        .await,
        400,
        Some("invalidPath"),
    )
    .await;
    patched(
        &app,
        &path,
        ops(json!([{"op": "replace", "path": "title", "value": "x"}])),
    )
    .await;
}

#[tokio::test]
async fn etags_make_writes_conditional() {
    let app = spawn_app().await;
    let id = app.create_user("tagged").await;
    let path = format!("/Users/{id}");
    let current = app.get(&path).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    // If-None-Match on GET: 304 while unchanged.
    let r = app
        .request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let body = ops(json!([{"op": "replace", "path": "title", "value": "x"}]));
    let r = app
        .request(Method::PATCH, &path)
        .header("If-Match", &etag)
        .header("Content-Type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let new_etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(new_etag, etag);
    // The old tag no longer matches: PATCH, PUT and DELETE are refused with 412.
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let body = if method == Method::PUT {
            json!({"schemas": [USER_URN], "userName": "tagged"})
        } else {
            body.clone()
        };
        let r = app
            .request(method.clone(), &path)
            .header("If-Match", &etag)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        scim_error(r, 412, None).await;
    }
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(user["title"], "x");
    let r = app
        .request(Method::DELETE, &path)
        .header("If-Match", &new_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

/// 24 single-member adds to one group at once, spread over `apps`; returns the group.
async fn add_members_in_parallel(apps: &[&TestApp]) -> Value {
    let group = apps[0].create_group("busy", &[]).await;
    let mut users = Vec::new();
    for i in 0..24 {
        users.push(apps[0].create_user(&format!("p{i}")).await);
    }
    let path = format!("/Groups/{group}");
    let sends = users.iter().enumerate().map(|(i, u)| {
        let body = ops(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
        let app = apps[i % apps.len()];
        let path = &path;
        async move { patch(app, path, &body).await.status() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{statuses:?}"
    );
    json_ok(apps[apps.len() - 1].get(&path).await).await
}

#[tokio::test]
async fn parallel_member_adds_are_never_lost() {
    let app = spawn_app().await;
    let g = add_members_in_parallel(&[&app]).await;
    assert_eq!(g["members"].as_array().unwrap().len(), 24);
}

#[tokio::test]
async fn two_instances_on_one_database_lose_no_update() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let g = add_members_in_parallel(&[&first, &second]).await;
    assert_eq!(g["members"].as_array().unwrap().len(), 24);
    assert_eq!(g["meta"]["version"], "W/\"25\"");
}

#[tokio::test]
async fn operations_apply_in_order_within_one_request() {
    let app = spawn_app().await;
    let u1 = app.create_user("u1").await;
    let u2 = app.create_user("u2").await;
    let group = app.create_group("ordered", &[]).await;
    let path = format!("/Groups/{group}");
    let g = patched(
        &app,
        &path,
        ops(json!([
            {"op": "Add", "path": "members", "value": [{"value": u1}, {"value": u2}]},
            {"op": "Replace", "path": "displayName", "value": "X"},
            {"op": "Remove", "path": "members", "value": [{"value": u1}]},
            {"op": "remove", "path": format!("members[value eq \"{u2}\"]")}
        ])),
    )
    .await;
    assert!(g["members"].as_array().is_none_or(|m| m.is_empty()), "{g}");
    assert_eq!(g["displayName"], "X");
}

#[tokio::test]
async fn unknown_keys_inside_an_extension_value_are_ignored() {
    let app = spawn_app().await;
    let id = app.create_user("ext").await;
    let path = format!("/Users/{id}");
    for body in [
        ops(json!([{"op": "add", "path": ENTERPRISE,
                    "value": {"schemas": [ENTERPRISE], "employeeNumber": "42", "fooBar": 1}}])),
        ops(
            json!([{"op": "replace", "value": {ENTERPRISE: {"schemas": [ENTERPRISE], "department": "D"}}}]),
        ),
    ] {
        patched(&app, &path, body).await;
    }
    let user = json_ok(app.get(&path).await).await;
    assert_eq!(
        user[ENTERPRISE],
        json!({"employeeNumber": "42", "department": "D"})
    );
}

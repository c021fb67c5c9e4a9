//! Request shapes of Microsoft's SCIM validator and reference collection, Entra's and Okta's
//! PATCH answers, and values in the wrong shape: what real clients trip over.
use reqwest::{Method, StatusCode};
use scimd::api::GroupPatchResponse;
use scimd::scim::validate::Leniency;
use serde_json::{Value, json};

use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

#[tokio::test]
async fn endpoint_names_match_in_any_case_and_service_configuration_is_an_alias() {
    let app = spawn_app().await;
    let created = json_status(
        app.post(
            "/users",
            &json!({"schemas": [USER_URN], "userName": "lower"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id_of(created.clone());
    // The canonical name is what the answer shows.
    assert_eq!(
        created["meta"]["location"],
        format!("{}/Users/{id}", app.base())
    );
    let by_lower = json_ok(app.get(&format!("/users/{id}")).await).await;
    assert_eq!(by_lower["userName"], "lower");
    assert_eq!(
        names(&json_ok(app.get("/USERS?filter=userName%20eq%20%22lower%22").await).await),
        ["lower"]
    );
    let group = json_status(
        app.post(
            "/groups",
            &json!({"schemas": [GROUP_URN], "displayName": "g", "members": [{"value": id}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let searched = json_ok(
        app.post(
            "/groups/.SEARCH",
            &json!({"filter": "displayName eq \"g\""}),
        )
        .await,
    )
    .await;
    assert_eq!(names(&searched), ["g"]);
    let root = json_ok(
        app.post("/.Search", &json!({"filter": "userName eq \"lower\""}))
            .await,
    )
    .await;
    assert_eq!(names(&root), ["lower"]);
    for path in ["/schemas", "/resourcetypes", "/resourcetypes/User"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let canonical = json_ok(app.get("/ServiceProviderConfig").await).await;
    for alias in [
        "/serviceproviderconfig",
        "/serviceConfiguration",
        "/ServiceConfiguration",
    ] {
        assert_eq!(json_ok(app.get(alias).await).await, canonical, "{alias}");
    }
    let bulk = json_ok(
        app.post(
            "/bulk",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": [{"method": "DELETE", "path": format!("/Groups/{}", id_of(group))}]}),
        )
        .await,
    )
    .await;
    assert_eq!(bulk["Operations"][0]["status"], "204");
    assert_eq!(app.get("/me").await.status(), StatusCode::NOT_IMPLEMENTED);
    // Ids keep their case; unknown endpoints stay 404.
    scim_error(
        app.get(&format!("/users/{}", id.to_uppercase())).await,
        404,
        None,
    )
    .await;
    scim_error(app.get("/usersx").await, 404, None).await;
}

#[tokio::test]
async fn a_bare_string_for_a_complex_attribute_is_refused_and_changes_nothing() {
    for leniency in [Leniency::Lenient, Leniency::Strict] {
        let app = spawn_app_with(|s| s.api.leniency = leniency).await;
        let detail = scim_error(
            app.post_user(&json!({"schemas": [USER_URN], "userName": "u", "emails": "a@b.c"}))
                .await,
            400,
            Some("invalidValue"),
        )
        .await;
        assert!(detail.contains("`emails`"), "{detail}");
        assert_eq!(app.list_users("").await["totalResults"], 0, "{leniency:?}");

        let id = app.create_user("kept").await;
        let before = json_ok(app.get_user(&id).await).await;
        for (path, value) in [("emails", json!("a@b.c")), ("name", json!("Barbara"))] {
            let r = app
                .send(
                    Method::PATCH,
                    &format!("/Users/{id}"),
                    Some(&ops(json!([{"op": "add", "path": path, "value": value}]))),
                )
                .await;
            let detail = scim_error(r, 400, Some("invalidValue")).await;
            assert!(detail.contains(path), "{detail}");
        }
        let r = app
            .put_user(
                &id,
                &json!({"schemas": [USER_URN], "userName": "kept", "phoneNumbers": "555"}),
            )
            .await;
        scim_error(r, 400, Some("invalidValue")).await;
        assert_eq!(json_ok(app.get_user(&id).await).await, before);
    }
}

#[tokio::test]
async fn the_known_leniencies_for_reference_shapes_stay() {
    let app = spawn_app().await;
    let boss = app.create_user("boss").await;
    let member = app.create_user("member").await;
    // Old OneLogin templates: one object where an array belongs.
    let user = json_status(
        app.post_user(&json!({"schemas": [USER_URN], "userName": "one",
            "emails": {"value": "one@x", "type": "work"},
            ENTERPRISE_URN: {"manager": boss}}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let stored = json_ok(app.get_user(&id_of(user)).await).await;
    assert_eq!(
        stored["emails"],
        json!([{"value": "one@x", "type": "work"}])
    );
    assert_eq!(stored[ENTERPRISE_URN]["manager"]["value"], boss);
    // Microsoft's reference shape: members as bare ids.
    let group = json_status(
        app.post_group(
            &json!({"schemas": [GROUP_URN], "displayName": "bare", "members": [member]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stored = json_ok(app.get_group(&id_of(group)).await).await;
    assert_eq!(stored["members"][0]["value"], member);
}

#[tokio::test]
async fn a_member_label_sent_as_display_name_reads_back_as_display() {
    let app = spawn_app().await;
    let user = app.create_user("labelled").await;
    let other = app.create_user("other").await;
    let group = app.create_group("labels", &[]).await;
    let path = format!("/Groups/{group}");
    // Microsoft's reference collection: add a member with a displayName, expect it back.
    let r = app
        .send(
            Method::PATCH,
            &path,
            Some(&ops(json!([{"op": "add", "path": "members",
                "value": [{"value": user, "displayName": "new User"}]}]))),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let created = json_status(
        app.post_group(&json!({"schemas": [GROUP_URN], "displayName": "posted",
            "members": [{"value": other, "displayName": "Other Person"}]}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let labels = |g: &Value| -> Vec<(String, String)> {
        g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["value"].as_str().unwrap().to_owned(),
                    m["display"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        labels(&json_ok(app.get(&path).await).await),
        [(user.clone(), "new User".to_owned())]
    );
    assert_eq!(
        labels(&json_ok(app.get_group(&id_of(created)).await).await),
        [(other.clone(), "Other Person".to_owned())]
    );

    let strict = spawn_app_with(|s| s.api.leniency = Leniency::Strict).await;
    let user = strict.create_user("strict").await;
    let r = strict
        .post_group(&json!({"schemas": [GROUP_URN], "displayName": "s",
            "members": [{"value": user, "displayName": "x"}]}))
        .await;
    let detail = scim_error(r, 400, Some("invalidSyntax")).await;
    assert!(detail.contains("displayName"), "{detail}");
}

/// Entra's exact shape: `PATCH /Groups/{id}` with no query, one member added.
fn entra_member_add(member: &str) -> Value {
    ops(json!([{"op": "Add", "path": "members", "value": [{"value": member}]}]))
}

#[tokio::test]
async fn a_group_patch_without_attributes_answers_204_with_the_new_etag() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let b = app.create_user("b").await;
    let group = app.create_group("big", &[&a]).await;
    let path = format!("/Groups/{group}");
    let r = app
        .send(Method::PATCH, &path, Some(&entra_member_add(&b)))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(r.bytes().await.unwrap().is_empty());
    let read = app.get(&path).await;
    assert_eq!(read.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(json_ok(read).await["members"].as_array().unwrap().len(), 2);
    // The ETag is usable for the next conditional write.
    let r = app
        .request(Method::PATCH, &path)
        .header("If-Match", &etag)
        .header("Content-Type", "application/scim+json")
        .body(ops(json!([{"op": "replace", "path": "displayName", "value": "bigger"}])).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A client naming what it wants gets it.
    let answer = json_ok(
        app.send(
            Method::PATCH,
            &format!("{path}?excludedAttributes=members"),
            Some(&ops(
                json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
            )),
        )
        .await,
    )
    .await;
    assert_eq!(answer["displayName"], "bigger");
    assert!(answer.get("members").is_none(), "{answer}");
    let answer = json_ok(
        app.send(
            Method::PATCH,
            &format!("{path}?attributes=members"),
            Some(&entra_member_add(&a)),
        )
        .await,
    )
    .await;
    assert_eq!(answer["members"].as_array().unwrap().len(), 2);
    // Errors are still errors.
    let r = app
        .send(
            Method::PATCH,
            "/Groups/00000000-0000-4000-8000-000000000000",
            Some(&entra_member_add(&a)),
        )
        .await;
    scim_error(r, 404, None).await;
    // User PATCH answers stay 200 with the user: Okta reads them.
    let user = json_ok(
        app.send(
            Method::PATCH,
            &format!("/Users/{a}"),
            Some(&ops(
                json!([{"op": "replace", "path": "active", "value": false}]),
            )),
        )
        .await,
    )
    .await;
    assert_eq!(user["active"], false);
}

#[tokio::test]
async fn group_patch_response_resource_answers_200_with_the_members() {
    let app = spawn_app_with(|s| s.api.group_patch_response = GroupPatchResponse::Resource).await;
    let a = app.create_user("a").await;
    let group = app.create_group("g", &[]).await;
    let answer = json_ok(
        app.send(
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(&entra_member_add(&a)),
        )
        .await,
    )
    .await;
    assert_eq!(answer["members"][0]["value"], a);
}

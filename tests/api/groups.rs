use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn created_group_lists_members_with_ref_type_and_display() {
    let app = spawn_app().await;
    let user = app
        .post_user(&json!({"userName": "bjensen", "displayName": "Babs"}))
        .await;
    let user = id_of(json_status(user, StatusCode::CREATED).await);
    let other = app.create_user("jsmith").await;
    let r = app
        .post_group(
            &json!({"schemas": [GROUP_URN], "displayName": "Tour Guides",
            "members": [{"value": user}, {"value": other, "display": "Jo (contractor)"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let group: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("{}/Groups/{}", app.base(), group["id"].as_str().unwrap())
    );
    assert_eq!(group["schemas"], json!([GROUP_URN]));
    assert_eq!(group["meta"]["resourceType"], "Group");
    // A label the client sent reads back as sent; without one, the member's displayName.
    let display_of = |group: &Value, id: &str| {
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == id)
            .unwrap_or_else(|| panic!("{id} in {group}"))
            .clone()
    };
    assert_eq!(
        display_of(&group, &user),
        json!({"value": user, "$ref": format!("{}/Users/{user}", app.base()), "type": "User", "display": "Babs"})
    );
    assert_eq!(display_of(&group, &other)["display"], "Jo (contractor)");
    let id = group["id"].as_str().unwrap().to_owned();
    let read = json_ok(app.get_group(&id).await).await;
    assert_eq!(display_of(&read, &other)["display"], "Jo (contractor)");
    let found = app
        .list_groups("filter=members%5Bdisplay%20eq%20%22jo%20(CONTRACTOR)%22%5D")
        .await;
    assert_eq!(found["totalResults"], 1, "filters see the stored label");
    let found = app
        .list_groups("filter=members%5Bdisplay%20eq%20%22babs%22%5D")
        .await;
    assert_eq!(found["totalResults"], 1, "and the fallback");
}

#[tokio::test]
async fn members_that_do_not_exist_are_dropped() {
    let app = spawn_app().await;
    let user = app.create_user("real").await;
    let group = app.create_group("G", &[&user, "no-such-id"]).await;
    let group = json_ok(app.get_group(&group).await).await;
    assert_eq!(member_ids(&group), vec![user]);
}

#[tokio::test]
async fn group_display_name_is_unique_case_insensitively() {
    let app = spawn_app().await;
    app.create_group("Engineering", &[]).await;
    let r = app.post_group(&json!({"displayName": "ENGINEERING"})).await;
    let detail = scim_error(r, 409, Some("uniqueness")).await;
    assert!(detail.contains("displayName"), "{detail}");
}

#[tokio::test]
async fn group_without_display_name_is_400() {
    let app = spawn_app().await;
    let detail = scim_error(
        app.post_group(&json!({"members": []})).await,
        400,
        Some("invalidValue"),
    )
    .await;
    assert!(detail.contains("displayName"), "{detail}");
}

#[tokio::test]
async fn nested_groups_are_members_and_users_see_direct_and_indirect_groups() {
    let app = spawn_app().await;
    let user = app.create_user("nested.user").await;
    let inner = app.create_group("Inner", &[&user]).await;
    let outer = app.create_group("Outer", &[&inner]).await;
    let outer_json = json_ok(app.get_group(&outer).await).await;
    assert_eq!(outer_json["members"][0]["type"], "Group");
    assert_eq!(outer_json["members"][0]["display"], "Inner");
    let user_json = json_ok(app.get_user(&user).await).await;
    assert_eq!(
        user_json["groups"],
        json!([
            {"value": inner, "$ref": format!("{}/Groups/{inner}", app.base()), "display": "Inner", "type": "direct"},
            {"value": outer, "$ref": format!("{}/Groups/{outer}", app.base()), "display": "Outer", "type": "indirect"},
        ])
    );
}

#[tokio::test]
async fn membership_cycles_terminate() {
    let app = spawn_app().await;
    let user = app.create_user("cyclist").await;
    let a = app.create_group("A", &[&user]).await;
    let b = app.create_group("B", &[&a]).await;
    let r = app
        .put_group(
            &a,
            &json!({"displayName": "A", "members": [{"value": user}, {"value": b}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let groups = json_ok(app.get_user(&user).await).await["groups"].clone();
    assert_eq!(groups.as_array().unwrap().len(), 2, "{groups}");
}

#[tokio::test]
async fn put_replaces_the_member_list() {
    let app = spawn_app().await;
    let (a, b, c) = (
        app.create_user("a").await,
        app.create_user("b").await,
        app.create_user("c").await,
    );
    let group = app.create_group("Push", &[&a, &b]).await;
    let r = app
        .put_group(&group, &json!({"schemas": [GROUP_URN], "displayName": "Push", "members": [{"value": b}, {"value": c}]}))
        .await;
    assert_eq!(
        member_ids(&json_ok(r).await),
        sorted(vec![b.clone(), c.clone()])
    );
    let r = app
        .put_group(&group, &json!({"displayName": "Push Renamed"}))
        .await;
    let renamed = json_ok(r).await;
    assert_eq!(renamed["displayName"], "Push Renamed");
    assert_eq!(
        renamed["members"],
        json!([]),
        "PUT without members clears them"
    );
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_every_group_and_bumps_their_version() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g1 = app.create_group("G1", &[&a, &b]).await;
    let g2 = app.create_group("G2", &[&a]).await;
    let before = json_ok(app.get_group(&g1).await).await["meta"]["version"].clone();
    assert_eq!(app.delete_user(&a).await.status(), StatusCode::NO_CONTENT);
    let g1 = json_ok(app.get_group(&g1).await).await;
    assert_eq!(member_ids(&g1), vec![b]);
    assert_ne!(g1["meta"]["version"], before);
    assert_eq!(
        json_ok(app.get_group(&g2).await).await["members"],
        json!([])
    );
}

#[tokio::test]
async fn deleting_a_group_removes_it_from_parents_and_from_user_groups() {
    let app = spawn_app().await;
    let user = app.create_user("u").await;
    let inner = app.create_group("Inner", &[&user]).await;
    let outer = app.create_group("Outer", &[&inner]).await;
    assert_eq!(
        app.delete_group(&inner).await.status(),
        StatusCode::NO_CONTENT
    );
    scim_error(app.get_group(&inner).await, 404, None).await;
    assert_eq!(
        json_ok(app.get_group(&outer).await).await["members"],
        json!([])
    );
    assert!(
        json_ok(app.get_user(&user).await)
            .await
            .get("groups")
            .is_none()
    );
}

#[tokio::test]
async fn list_groups_returns_members() {
    let app = spawn_app().await;
    let user = app.create_user("u").await;
    app.create_group("With", &[&user]).await;
    app.create_group("Without", &[]).await;
    let list = app.list_groups("").await;
    assert_eq!(list["totalResults"], 2);
    let with = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "With")
        .unwrap();
    assert_eq!(member_ids(with), vec![user]);
}

//! Writes with another tenant's token: PUT, PATCH and DELETE on its ids, preconditions with
//! its ETags, /Bulk, memberships and manager references naming its ids, uniqueness per tenant.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Two, mentions_none, person, pick};
use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The member ids of a group as `a` (tenant A) or B sees it, sorted.
async fn members(two: &Two, a: bool, group: &str) -> Vec<String> {
    let r = two
        .send(a, Method::GET, &format!("/Groups/{group}"), None)
        .await;
    let mut ids: Vec<String> = json_ok(r).await["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn put_patch_and_delete_on_another_tenants_ids_are_404_and_change_nothing() {
    let two = Two::new().await;
    let before = two.snapshot_a().await;
    let user_put = person("mallory", "Intruder");
    let group_put = json!({"schemas": [GROUP_URN], "displayName": "Taken", "members": [{"value": two.b.alice}]});
    let user_patch = patch(json!([{"op": "replace", "path": "title", "value": "Owned"},
                                  {"op": "add", "path": "emails", "value": [{"value": "x@evil.test"}]}]));
    let group_patch = patch(
        json!([{"op": "add", "path": "members", "value": [{"value": two.b.alice}]},
                                   {"op": "remove", "path": format!("members[value eq \"{}\"]", two.a.alice)},
                                   {"op": "replace", "path": "displayName", "value": "Owned"}]),
    );
    let targets = [
        (format!("/Users/{}", two.a.alice), &user_put, &user_patch),
        (format!("/Users/{}", two.a.bob), &user_put, &user_patch),
        (
            format!("/Groups/{}", two.a.admins),
            &group_put,
            &group_patch,
        ),
        (
            format!("/Groups/{}", two.a.everyone),
            &group_put,
            &group_patch,
        ),
    ];
    for (i, (path, put, patch)) in targets.iter().enumerate() {
        let etag = before[i]["meta"]["version"].as_str().unwrap().to_owned();
        // Without a precondition, with A's current ETag, and with `*`: a 412 would confirm
        // that the id exists somewhere.
        for if_match in [None, Some(etag.as_str()), Some("*")] {
            for (method, body) in [
                (Method::PUT, Some(*put)),
                (Method::PATCH, Some(*patch)),
                (Method::DELETE, None),
            ] {
                let mut req = two.request(false, method.clone(), path);
                if let Some(tag) = if_match {
                    req = req.header("If-Match", tag);
                }
                if let Some(body) = body {
                    req = req
                        .header("Content-Type", "application/scim+json")
                        .body(body.to_string());
                }
                let r = req.send().await.unwrap();
                scim_error(r, 404, None).await;
            }
        }
    }
    assert_eq!(
        two.snapshot_a().await,
        before,
        "A's resources are untouched"
    );
    // B's own resources are as they were, too: nothing B sent landed anywhere.
    assert_eq!(
        members(&two, false, &two.b.admins).await,
        pick(&two.b, &["alice", "bob"])
    );
    let r = two.app.list_users("filter=title%20eq%20%22Owned%22").await;
    assert_eq!(r["totalResults"], 0);
}

#[tokio::test]
async fn bulk_operations_on_another_tenants_ids_fail_one_by_one() {
    let two = Two::new().await;
    let before = two.snapshot_a().await;
    let etag = before[0]["meta"]["version"].as_str().unwrap();
    let (alice, bob, admins) = (&two.a.alice, &two.a.bob, &two.a.admins);
    let body = json!({"schemas": [BULK], "Operations": [
        {"method": "PUT", "path": format!("/Users/{alice}"), "data": person("alice", "Owned")},
        {"method": "PATCH", "path": format!("/Users/{alice}"), "version": etag,
         "data": patch(json!([{"op": "replace", "path": "active", "value": false}]))},
        {"method": "DELETE", "path": format!("/Users/{bob}")},
        {"method": "PATCH", "path": format!("/Groups/{admins}"),
         "data": patch(json!([{"op": "remove", "path": "members"}]))},
        {"method": "DELETE", "path": format!("/Groups/{admins}"), "version": "*"},
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"schemas": [GROUP_URN], "displayName": "Grab",
                  "members": [{"value": alice}, {"value": bob}, {"value": admins},
                              {"value": two.b.bob}]}},
        {"method": "PATCH", "path": "/Groups/bulkId:g",
         "data": patch(json!([{"op": "add", "path": "members", "value": [{"value": two.a.everyone}]}]))}
    ]});
    let r = json_ok(two.as_b(Method::POST, "/Bulk", Some(&body)).await).await;
    let statuses: Vec<&str> = r["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["404", "404", "404", "404", "404", "201", "200"],
        "{r}"
    );
    mentions_none(
        &json!(r["Operations"].as_array().unwrap()[5..]),
        &two.a,
        "bulk results",
    );
    let grab = r["Operations"][5]["location"].as_str().unwrap();
    let grab = grab.rsplit('/').next().unwrap();
    assert_eq!(members(&two, false, grab).await, vec![two.b.bob.clone()]);
    assert_eq!(
        two.snapshot_a().await,
        before,
        "A's resources are untouched"
    );
}

#[tokio::test]
async fn memberships_naming_another_tenants_ids_are_never_linked() {
    let two = Two::new().await;
    let before = two.snapshot_a().await;
    let (a, b) = (&two.a, &two.b);
    let r = two
        .as_b(
            Method::POST,
            "/Groups",
            Some(&json!({"schemas": [GROUP_URN], "displayName": "Mixed",
                         "members": [{"value": a.alice}, {"value": a.admins, "type": "Group"},
                                     {"value": b.bob}]})),
        )
        .await;
    let created = json_status(r, StatusCode::CREATED).await;
    mentions_none(&created, a, "POST answer");
    let mixed = id_of(created);
    assert_eq!(members(&two, false, &mixed).await, vec![b.bob.clone()]);

    let put = json!({"schemas": [GROUP_URN], "displayName": "Mixed",
                     "members": [{"value": a.bob}, {"value": b.alice}]});
    let r = two
        .as_b(Method::PUT, &format!("/Groups/{mixed}"), Some(&put))
        .await;
    mentions_none(&json_ok(r).await, a, "PUT answer");
    assert_eq!(members(&two, false, &mixed).await, vec![b.alice.clone()]);

    for ops in [
        json!([{"op": "add", "path": "members", "value": [{"value": a.bob}, {"value": a.everyone}]}]),
        json!([{"op": "add", "value": {"members": [{"value": a.alice}]}}]),
        json!([{"op": "replace", "path": "members", "value": [{"value": a.alice}, {"value": b.alice}]}]),
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", a.alice)}]),
        json!([{"op": "remove", "path": "members", "value": [{"value": a.admins}]}]),
    ] {
        let r = two
            .as_b(
                Method::PATCH,
                // Asking for members makes the answer carry them (else it is a 204).
                &format!("/Groups/{mixed}?attributes=members,displayName"),
                Some(&patch(ops.clone())),
            )
            .await;
        mentions_none(&json_ok(r).await, a, &format!("PATCH {ops}"));
        assert_eq!(
            members(&two, false, &mixed).await,
            vec![b.alice.clone()],
            "{ops}"
        );
    }
    // B's user is in B's groups only; A's users never joined a group of B.
    let r = two
        .as_b(Method::GET, &format!("/Users/{}", b.alice), None)
        .await;
    mentions_none(&json_ok(r).await, a, "B's alice");
    let r = two.as_b(Method::GET, "/Groups", None).await;
    mentions_none(&json_ok(r).await, a, "B's groups");
    assert_eq!(
        two.snapshot_a().await,
        before,
        "A's resources are untouched"
    );
    assert_eq!(
        members(&two, true, &a.admins).await,
        pick(a, &["alice", "bob"])
    );
}

#[tokio::test]
async fn a_manager_naming_another_tenants_user_is_an_opaque_id_that_reveals_nothing() {
    let two = Two::new().await;
    let before = two.snapshot_a().await;
    // scimd does not look managers up (Entra may send a manager before provisioning it), so
    // an id from another tenant is kept as the text the client sent: the answer is the same
    // as for an id that exists nowhere, and carries nothing of the other tenant.
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut answers = Vec::new();
    for (name, manager) in [("carol", &two.a.bob), ("dave", &unknown)] {
        let mut user = person(name, "Staff");
        user[ENTERPRISE_URN]["manager"] = json!({"value": manager});
        let r = two.as_b(Method::POST, "/Users", Some(&user)).await;
        let created = json_status(r, StatusCode::CREATED).await;
        let manager_json = created[ENTERPRISE_URN]["manager"].clone();
        assert_eq!(manager_json["value"], json!(manager), "{created}");
        assert!(!created.to_string().contains("bob display"), "{created}");
        answers.push(
            manager_json
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>(),
        );
        let id = id_of(created);
        let ops = patch(json!([{"op": "replace",
            "path": format!("{ENTERPRISE_URN}:manager"), "value": {"value": two.a.alice}}]));
        let r = two
            .as_b(Method::PATCH, &format!("/Users/{id}"), Some(&ops))
            .await;
        let patched = json_ok(r).await;
        assert!(!patched.to_string().contains("alice display"), "{patched}");
    }
    assert_eq!(
        answers[0], answers[1],
        "no different answer for a real id of A"
    );
    // Filtering on it finds B's own user, which holds the text B wrote.
    let filter = format!("{ENTERPRISE_URN}:manager.value eq \"{}\"", two.a.alice);
    let r = two
        .as_b(
            Method::GET,
            &format!("/Users?filter={}", super::encode(&filter)),
            None,
        )
        .await;
    assert_eq!(json_ok(r).await["totalResults"], 2);
    let r = two
        .send(
            true,
            Method::GET,
            &format!("/Users?filter={}", super::encode(&filter)),
            None,
        )
        .await;
    assert_eq!(json_ok(r).await["totalResults"], 0, "A has no such user");
    assert_eq!(
        two.snapshot_a().await,
        before,
        "A's resources are untouched"
    );
}

#[tokio::test]
async fn names_are_unique_per_tenant_not_across_tenants() {
    let two = Two::new().await;
    // The fixture created alice, bob and Admins in both tenants; within B they are taken.
    for (path, body) in [
        (
            "/Users",
            json!({"schemas": [USER_URN], "userName": "ALICE"}),
        ),
        (
            "/Groups",
            json!({"schemas": [GROUP_URN], "displayName": "admins"}),
        ),
    ] {
        scim_error(
            two.as_b(Method::POST, path, Some(&body)).await,
            409,
            Some("uniqueness"),
        )
        .await;
    }
    let rename = json!({"schemas": [USER_URN], "userName": "Alice"});
    let r = two
        .as_b(Method::PUT, &format!("/Users/{}", two.b.bob), Some(&rename))
        .await;
    scim_error(r, 409, Some("uniqueness")).await;
    // A name only A uses is free in B, and taking it there leaves A's alone.
    two.app.create_user("only-in-a").await;
    let body: Value = json!({"schemas": [USER_URN], "userName": "only-in-a"});
    let r = two.as_b(Method::POST, "/Users", Some(&body)).await;
    json_status(r, StatusCode::CREATED).await;
    let list = two
        .app
        .list_users("filter=userName%20eq%20%22only-in-a%22")
        .await;
    assert_eq!(list["totalResults"], 1);
}

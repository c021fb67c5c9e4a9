//! The change-event outbox at the write seam: exactly one event per committed change, none
//! for what failed or changed nothing, `seq` gap-free per tenant in commit order, and the
//! envelope of shared/CONTRACT.md.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use scimd::scim::event::TypeFilter;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// Every event of `tenant`, oldest first, as stored.
pub async fn events_of(app: &TestApp, tenant: &str) -> Vec<Value> {
    let found = app.store.tenants().find(tenant).await.unwrap().unwrap();
    let page = app
        .store
        .events()
        .after(found.id, 0, 1000, &TypeFilter::default())
        .await
        .unwrap();
    page.events
        .iter()
        .map(|e| serde_json::from_str(&e.envelope).unwrap())
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn patch(app: &TestApp, path: &str, ops: Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        path,
        Some(&json!({"schemas": [PATCH_OP], "Operations": ops})),
    )
    .await
}

#[tokio::test]
async fn a_user_s_life_is_told_in_events_with_the_contract_s_envelope() {
    let app = spawn_app().await;
    let created = app
        .post_user(
            &json!({"schemas": [USER_URN], "userName": "ann", "externalId": "e-1",
            "password": "Secret-123!", "name": {"givenName": "Ann"}}),
        )
        .await;
    let request_id = created.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let body = json_status(created, StatusCode::CREATED).await;
    let id = body["id"].as_str().unwrap().to_owned();

    let events = events_of(&app, "default").await;
    assert_eq!(types(&events), ["user.created"]);
    let e = &events[0];
    assert_eq!(e["seq"], 1);
    assert_eq!(e["tenant"], "default");
    assert!(
        uuid::Uuid::parse_str(e["id"].as_str().unwrap()).is_ok(),
        "{e}"
    );
    assert_eq!(
        e["resource"],
        json!({"type": "User", "id": id, "externalId": "e-1", "version": etag})
    );
    assert_eq!(e["requestId"], request_id.as_str());
    let credential = e["actor"]["credential"].as_str().unwrap();
    assert!(credential.starts_with("token:"), "{e}");
    assert!(e["occurredAt"].as_str().unwrap().ends_with('Z'));
    let changed: Vec<&str> = e["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"userName") && changed.contains(&"name.givenName"),
        "{changed:?}"
    );
    // `data` is the resource as GET returns it, without `groups`; never the password.
    let mut got = json_ok(app.get_user(&id).await).await;
    got.as_object_mut().unwrap().remove("groups");
    assert_eq!(e["data"], got);
    assert!(!e.to_string().contains("Secret-123!"));

    let path = format!("/Users/{id}");
    json_ok(
        patch(
            &app,
            &path,
            json!([{"op": "replace", "path": "title", "value": "CTO"}]),
        )
        .await,
    )
    .await;
    json_ok(
        patch(
            &app,
            &path,
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await,
    )
    .await;
    json_ok(
        patch(
            &app,
            &path,
            json!([{"op": "replace", "value": {"active": true}}]),
        )
        .await,
    )
    .await;
    let events = events_of(&app, "default").await;
    assert_eq!(
        types(&events),
        [
            "user.created",
            "user.updated",
            "user.deactivated",
            "user.reactivated"
        ]
    );
    assert_eq!(events[1]["changed"], json!(["title"]));
    assert_eq!(events[2]["changed"], json!(["active"]));
    assert_eq!(events[3]["resource"]["version"], "W/\"4\"");

    let r = app.delete_user(&id).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let events = events_of(&app, "default").await;
    let deleted = events.last().unwrap();
    assert_eq!(deleted["type"], "user.deleted");
    assert_eq!(
        deleted["data"],
        json!({"id": id, "externalId": "e-1", "userName": "ann"})
    );
    assert_eq!(deleted["resource"]["version"], Value::Null);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn what_fails_or_changes_nothing_writes_no_event_and_keeps_the_version() {
    let app = spawn_app().await;
    let body = json!({"schemas": [USER_URN], "userName": "bob", "title": "Eng",
        "emails": [{"value": "bob@x.example", "type": "work", "primary": true}]});
    let user = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    // The same value again (Entra re-sends), an unchanged full PUT (Okta), a failed request.
    let r = patch(
        &app,
        &path,
        json!([{"op": "replace", "path": "title", "value": "Eng"}]),
    )
    .await;
    assert_eq!(r.headers()["etag"], "W/\"1\"");
    let r = app.put_user(&id, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "W/\"1\"");
    assert_eq!(
        json_ok(r).await["meta"]["lastModified"],
        user["meta"]["lastModified"]
    );
    scim_error(app.post_user(&body).await, 409, Some("uniqueness")).await;
    scim_error(
        patch(
            &app,
            &path,
            json!([{"op": "frobnicate", "path": "title", "value": "x"}]),
        )
        .await,
        400,
        Some("invalidSyntax"),
    )
    .await;
    let stale = app
        .request(Method::PUT, &path)
        .header("If-Match", "W/\"9\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let r = app
        .request(Method::DELETE, &path)
        .header("If-Match", "W/\"9\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(types(&events_of(&app, "default").await), ["user.created"]);
    // A password is a change even though it is never shown.
    let r = patch(
        &app,
        &path,
        json!([{"op": "replace", "path": "password", "value": "New-pass-123!"}]),
    )
    .await;
    assert_eq!(r.headers()["etag"], "W/\"2\"");
    let events = events_of(&app, "default").await;
    assert_eq!(events.last().unwrap()["changed"], json!(["password"]));
}

#[tokio::test]
async fn memberships_are_events_of_their_own_and_a_group_delete_is_one_event() {
    let app = spawn_app().await;
    let (u1, u2) = (app.create_user("u1").await, app.create_user("u2").await);
    let group = app.create_group("staff", &[&u1]).await;
    let path = format!("/Groups/{group}");
    let r = patch(
        &app,
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": u2}]}]),
    )
    .await;
    assert!(r.status().is_success());
    // Adding a member that is already there changes nothing.
    let r = patch(
        &app,
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": u2}]}]),
    )
    .await;
    assert!(r.status().is_success());
    let r = patch(
        &app,
        &path,
        json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]),
    )
    .await;
    assert!(r.status().is_success());
    assert_eq!(app.delete_user(&u2).await.status(), StatusCode::NO_CONTENT);
    let parent = app.create_group("all", &[&group]).await;
    assert_eq!(
        app.delete_group(&group).await.status(),
        StatusCode::NO_CONTENT
    );

    let events = events_of(&app, "default").await;
    assert_eq!(
        types(&events),
        [
            "user.created",
            "user.created",
            "group.created",
            "group.member_added",
            "group.member_added",
            "group.member_removed",
            "user.deleted",
            "group.member_removed",
            "group.created",
            "group.member_added",
            "group.deleted",
            "group.member_removed",
        ]
    );
    let member = |e: &Value| {
        (
            e["resource"]["id"].clone(),
            e["data"]["member"]["value"].clone(),
        )
    };
    assert_eq!(member(&events[3]), (json!(group), json!(u1)));
    assert_eq!(events[3]["data"]["member"]["type"], "User");
    assert_eq!(member(&events[4]), (json!(group), json!(u2)));
    assert_eq!(member(&events[5]), (json!(group), json!(u1)));
    // The user's deletion removed it from the group: the group's version moved, and said so.
    assert_eq!(member(&events[7]), (json!(group), json!(u2)));
    assert_eq!(events[7]["resource"]["version"], "W/\"4\"");
    assert_eq!(member(&events[11]), (json!(parent), json!(group)));
    assert_eq!(events[11]["data"]["member"]["type"], "Group");
    // A group's data never carries its member list.
    assert!(events[2]["data"].get("members").is_none(), "{}", events[2]);
}

#[tokio::test]
async fn bulk_operations_make_events_for_what_succeeded_only() {
    let app = spawn_app().await;
    let taken = app.create_user("taken").await;
    let body = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER_URN], "userName": "b1"}},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": [USER_URN], "userName": "taken"}},
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP_URN], "displayName": "g", "members": [{"value": "bulkId:a"}]}},
        {"method": "DELETE", "path": format!("/Users/{taken}")},
        {"method": "DELETE", "path": "/Users/00000000-0000-0000-0000-000000000000"}
    ]});
    let r = app.send(Method::POST, "/Bulk", Some(&body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let events = events_of(&app, "default").await;
    assert_eq!(
        types(&events),
        [
            "user.created",
            "user.created",
            "group.created",
            "group.member_added",
            "user.deleted"
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn concurrent_writers_get_gap_free_seqs_per_tenant_in_commit_order() {
    let app = spawn_app().await;
    let other = app.token_for("other").await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (client, base, token) = (app.client.clone(), app.base(), app.token.clone());
        let other = other.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                for (token, name) in [(&token, format!("w{t}-{i}")), (&other, format!("o{t}-{i}"))]
                {
                    let r = client
                        .post(format!("{base}/Users"))
                        .bearer_auth(token)
                        .json(&json!({"schemas": [USER_URN], "userName": name}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), StatusCode::CREATED);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for tenant in ["default", "other"] {
        let events = events_of(&app, tenant).await;
        let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=80).collect::<Vec<_>>(), "{tenant}");
        assert!(events.iter().all(|e| e["tenant"] == tenant));
        if tenant == "other" {
            // The token's label (`token_for` labels its tokens "test").
            assert!(
                events.iter().all(|e| e["actor"]["label"] == "test"),
                "{}",
                events[0]
            );
        }
        let mut ids: Vec<&str> = events
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 80, "one event per created user");
    }
}

#[tokio::test]
async fn a_crash_during_a_bulk_write_loses_no_committed_event_and_invents_none() {
    use crate::secrets::process::Server;
    let db = TestDb::new().await;
    let token = "crash-test-bootstrap-token-0123456789";
    let env = [
        ("SCIMD_DATABASE_URL", db.url.as_str()),
        ("SCIMD_BOOTSTRAP_TOKEN", token),
        ("SCIMD_RATE_LIMIT", "0"),
        ("SCIMD_LOG", "error"),
    ];
    let server = Server::start(&env);
    let client = client();
    // Bulk requests of 1,000 creates (two transactions of 500 each) until the crash.
    let writer = {
        let (client, base) = (client.clone(), server.base.clone());
        tokio::spawn(async move {
            for round in 0..50 {
                let ops: Vec<Value> = (0..1000)
                    .map(|i| {
                        json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                        "data": {"schemas": [USER_URN], "userName": format!("r{round}-{i}")}})
                    })
                    .collect();
                let sent = client
                    .post(format!("{base}/Bulk"))
                    .bearer_auth(token)
                    .json(&json!({"schemas": [BULK], "Operations": ops}))
                    .send()
                    .await;
                if sent.is_err() {
                    return round;
                }
            }
            50
        })
    };
    // Crash once something has committed, in the middle of later writes.
    let started = std::time::Instant::now();
    loop {
        let list: Value = client
            .get(format!("{}/Users?count=0", server.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if list["totalResults"].as_u64().unwrap_or(0) >= 500 {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "no bulk write committed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    server.crash();
    let rounds = writer.await.unwrap();
    assert!(
        rounds < 50,
        "the crash came while bulk requests were being written"
    );

    // After a restart, the users that exist and the user.created events name the same set.
    let restarted = Server::start(&env);
    let store = scimd::store::Store::connect(&db.url, &Default::default())
        .await
        .unwrap();
    let tenant = store.tenants().find("default").await.unwrap().unwrap();
    let page = store
        .events()
        .after(tenant.id, 0, 1_000_000, &TypeFilter::default())
        .await
        .unwrap();
    let seqs: Vec<i64> = page.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let mut from_events: Vec<String> = page
        .events
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_str(&e.envelope).unwrap();
            assert_eq!(v["type"], "user.created");
            v["resource"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    from_events.sort();
    let mut stored = Vec::new();
    let mut start = 1;
    loop {
        let list: Value = client
            .get(format!(
                "{}/Users?startIndex={start}&count=1000&attributes=id",
                restarted.base
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let page = list["Resources"].as_array().unwrap();
        if page.is_empty() {
            break;
        }
        stored.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        start += page.len();
    }
    stored.sort();
    assert!(!stored.is_empty(), "something committed before the crash");
    assert_eq!(stored.len() % 500, 0, "transactions of 500 commit whole");
    assert_eq!(from_events, stored);
    store.close().await;
    restarted.stop().await;
}

#[tokio::test]
async fn scimd_import_writes_events_with_the_import_actor() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, "userName,title\nimp1,Eng\nimp2,Ops\n").unwrap();
    let run = || {
        crate::cli::scimd(
            &app.db,
            &["import", "--tenant", "default", csv.to_str().unwrap()],
        )
    };
    assert!(run().status.success());
    assert!(run().status.success(), "a re-run changes nothing");
    std::fs::write(&csv, "userName,title\nimp1,Eng\nimp2,Sales\n").unwrap();
    assert!(run().status.success());
    let events = events_of(&app, "default").await;
    assert_eq!(
        types(&events),
        ["user.created", "user.created", "user.updated"]
    );
    assert!(
        events
            .iter()
            .all(|e| e["actor"] == json!({"credential": null, "label": "import"}))
    );
    assert_eq!(events[2]["changed"], json!(["title"]));
    assert!(
        events[2]["data"]["meta"].get("location").is_none(),
        "no request, no base URL"
    );
}

#[tokio::test]
async fn removing_a_schema_tells_each_resource_that_lost_its_values() {
    use crate::custom_schemas::{ACME, acme_document, register};
    let app = spawn_app().await;
    register(&app, &acme_document(), &[]);
    let with = app
        .post_user(
            &json!({"schemas": [USER_URN, ACME], "userName": "acme1", ACME: {"Company": "Acme"}}),
        )
        .await;
    let with = json_status(with, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_user("plain").await;
    let out = crate::cli::scimd(&app.db, &["schema", "remove", "--tenant", "default", ACME]);
    assert!(out.status.success(), "{out:?}");
    let events = events_of(&app, "default").await;
    assert_eq!(
        types(&events),
        ["user.created", "user.created", "user.updated"]
    );
    let e = &events[2];
    assert_eq!(e["resource"]["id"], with.as_str());
    assert_eq!(e["resource"]["version"], "W/\"2\"");
    assert_eq!(e["changed"], json!([ACME]));
    assert_eq!(e["actor"]["label"], "cli");
    assert!(e["data"].get(ACME).is_none(), "{e}");
}

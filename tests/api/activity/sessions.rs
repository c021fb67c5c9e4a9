//! What realistic IdP sessions leave in the log: one record per write and per failure, with
//! the credential, client, identifiers, changed paths and event seqs.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn an_entra_session_leaves_one_record_per_write_with_its_events() {
    let app = activity_app().await;
    // Entra's first step: is the user there? A read, not recorded by default.
    let path = "/Users?filter=userName+eq+%22alice%40contoso.com%22";
    let r = send_as(&app, ENTRA, Method::GET, path, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let user = json!({
        "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Alice@contoso.com",
        "active": true,
        "displayName": "Alice Smith",
        "emails": [{"primary": true, "type": "work", "value": "alice@contoso.com"}],
        "name": {"formatted": "Alice Smith", "familyName": "Smith", "givenName": "Alice"},
    });
    let r = send_as(&app, ENTRA, Method::POST, "/Users", Some(&user)).await;
    let alice = id_of(json_status(r, StatusCode::CREATED).await);
    // Entra deactivates with a capitalised op and a string boolean.
    let deactivate = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]});
    let r = send_as(
        &app,
        ENTRA,
        Method::PATCH,
        &format!("/Users/{alice}"),
        Some(&deactivate),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let group =
        json!({"schemas": [GROUP_URN], "displayName": "Sales", "externalId": "g-1", "members": []});
    let r = send_as(&app, ENTRA, Method::POST, "/Groups", Some(&group)).await;
    let sales = id_of(json_status(r, StatusCode::CREATED).await);
    let add = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": alice}]}]});
    let r = send_as(
        &app,
        ENTRA,
        Method::PATCH,
        &format!("/Groups/{sales}"),
        Some(&add),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let remove = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Remove", "path": format!("members[value eq \"{alice}\"]")}]});
    let r = send_as(
        &app,
        ENTRA,
        Method::PATCH,
        &format!("/Groups/{sales}"),
        Some(&remove),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = send_as(
        &app,
        ENTRA,
        Method::DELETE,
        &format!("/Users/{alice}"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let all = records(&app, "tenant=default").await;
    assert_eq!(
        operations(&all),
        [
            "create",
            "patch",
            "create",
            "member_add",
            "member_remove",
            "delete"
        ]
    );
    for record in &all {
        assert_eq!(record["tenant"], "default", "{record}");
        assert_eq!(record["client"], "entra", "{record}");
        assert_eq!(record["credentialKind"], "token", "{record}");
        assert_eq!(record["credentialLabel"], "bootstrap", "{record}");
        assert!(
            record["credential"].as_str().unwrap().starts_with("token:"),
            "{record}"
        );
        assert_eq!(record["outcome"], "succeeded", "{record}");
        assert!(
            record["requestId"]
                .as_str()
                .is_some_and(|id| !id.is_empty()),
            "{record}"
        );
        assert!(record["latencyMs"].as_f64().unwrap() >= 0.0, "{record}");
    }
    let [
        delete,
        member_remove,
        member_add,
        group_create,
        patch,
        create,
    ] = &all[..]
    else {
        panic!("six records: {all:?}")
    };
    assert_eq!(create["status"], 201);
    assert_eq!(create["method"], "POST");
    assert_eq!(create["route"], "/scim/v2/Users");
    assert_eq!(create["resourceType"], "User");
    assert_eq!(create["resourceId"], alice.as_str());
    assert_eq!(create["userName"], "Alice@contoso.com");
    assert_eq!(create["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(
        create["displayName"],
        Value::Null,
        "a user's displayName is not an identifier"
    );
    assert_eq!(patch["route"], "/scim/v2/Users/{id}");
    assert_eq!(patch["changed"], json!(["active"]));
    assert_eq!(patch["userName"], "Alice@contoso.com");
    assert_eq!(group_create["displayName"], "Sales");
    assert_eq!(member_add["status"], 204);
    assert_eq!(member_add["resourceId"], sales.as_str());
    assert_eq!(member_add["displayName"], "Sales");
    assert_eq!(member_remove["changed"], json!(["members"]));
    assert_eq!(delete["status"], 204);
    assert_eq!(
        delete["userName"], "Alice@contoso.com",
        "a deleted user stays findable"
    );

    // The seqs are the events the feed holds for each request, in order.
    let feed = app
        .client
        .get(format!("{}/admin/v1/events?tenant=default", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let feed = json_ok(feed).await;
    let types_of = |record: &Value| -> Vec<String> {
        record["eventSeqs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|seq| {
                let event = feed["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["seq"] == *seq)
                    .expect("the seq is in the feed");
                event["type"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(types_of(create), ["user.created"]);
    assert_eq!(types_of(patch), ["user.deactivated"]);
    assert_eq!(types_of(member_add), ["group.member_added"]);
    assert_eq!(types_of(member_remove), ["group.member_removed"]);
    assert_eq!(types_of(delete), ["user.deleted"]);
}

#[tokio::test]
async fn an_okta_session_records_unchanged_puts_and_failures_too() {
    let app = activity_app().await;
    let user = json!({
        "schemas": [USER_URN], "userName": "bob@okta.local", "externalId": "00u1",
        "name": {"givenName": "Bob", "familyName": "Jones"}, "active": true,
        "emails": [{"primary": true, "value": "bob@okta.local", "type": "work"}],
        "password": "okta-Secret-1"
    });
    let r = send_as(&app, OKTA, Method::POST, "/Users", Some(&user)).await;
    let bob = id_of(json_status(r, StatusCode::CREATED).await);
    // Okta PUTs the whole user again, unchanged: a write request, no change, no event.
    let mut unchanged = user.clone();
    unchanged.as_object_mut().unwrap().remove("password");
    let r = send_as(
        &app,
        OKTA,
        Method::PUT,
        &format!("/Users/{bob}"),
        Some(&unchanged),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut renamed = unchanged.clone();
    renamed["name"]["familyName"] = json!("Smith");
    let r = send_as(
        &app,
        OKTA,
        Method::PUT,
        &format!("/Users/{bob}"),
        Some(&renamed),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The same userName again: 409 uniqueness, recorded with what the body named.
    let mut twin = user.clone();
    twin["externalId"] = json!("00u2");
    let r = send_as(&app, OKTA, Method::POST, "/Users", Some(&twin)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let missing = "/Users/0193f1c2-7a8b-7c3d-9e4f-5a6b7c8d9e0f";
    let deactivate = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "value": {"active": false}}]});
    let r = send_as(&app, OKTA, Method::PATCH, missing, Some(&deactivate)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let all = records(&app, "tenant=default").await;
    assert_eq!(
        operations(&all),
        ["create", "replace", "replace", "create", "patch"]
    );
    assert!(all.iter().all(|r| r["client"] == "okta"), "{all:?}");
    let [not_found, conflict, renamed, unchanged, created] = &all[..] else {
        panic!("five records: {all:?}")
    };
    assert_eq!(created["eventSeqs"].as_array().unwrap().len(), 1);
    assert_eq!(unchanged["outcome"], "succeeded");
    assert_eq!(
        unchanged["eventSeqs"],
        json!([]),
        "an unchanged PUT makes no event"
    );
    assert_eq!(unchanged["resourceId"], bob.as_str());
    assert_eq!(renamed["changed"], json!(["name.familyName"]));
    assert_eq!(conflict["status"], 409);
    assert_eq!(conflict["outcome"], "failed");
    assert_eq!(conflict["scimType"], "uniqueness");
    assert!(
        conflict["detail"].as_str().unwrap().contains("userName"),
        "{conflict}"
    );
    assert_eq!(conflict["userName"], "bob@okta.local");
    assert_eq!(conflict["externalId"], "00u2");
    assert_eq!(not_found["status"], 404);
    assert_eq!(
        not_found["resourceId"],
        "0193f1c2-7a8b-7c3d-9e4f-5a6b7c8d9e0f"
    );
    assert_eq!(not_found["credentialLabel"], "bootstrap");
}

#[tokio::test]
async fn a_bulk_request_has_a_record_and_one_per_operation() {
    let app = activity_app().await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a",
             "data": {"schemas": [USER_URN], "userName": "bulk.a"}},
            {"method": "POST", "path": "/Users", "bulkId": "b",
             "data": {"schemas": [USER_URN], "userName": "bulk.b"}},
            {"method": "POST", "path": "/Users", "bulkId": "c",
             "data": {"schemas": [USER_URN], "userName": "bulk.a"}},
            {"method": "PATCH", "path": "/Users/bulkId:a",
             "data": {"schemas": [PATCH_URN], "Operations": [
                 {"op": "replace", "path": "active", "value": false}]}},
        ]
    });
    let r = send_as(&app, OKTA, Method::POST, "/Bulk", Some(&body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let all = records(&app, "tenant=default").await;
    let mut ops = operations(&all);
    ops.sort();
    assert_eq!(
        ops,
        ["bulk", "create", "create", "create", "patch"],
        "{all:?}"
    );
    let bulk = all.iter().find(|r| r["operation"] == "bulk").unwrap();
    assert_eq!(bulk["route"], "/scim/v2/Bulk");
    assert_eq!(bulk["status"], 200);
    let creates: Vec<&Value> = all.iter().filter(|r| r["operation"] == "create").collect();
    let failed: Vec<&&Value> = creates
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{creates:?}");
    assert_eq!(failed[0]["status"], 409);
    assert_eq!(failed[0]["userName"], "bulk.a");
    for ok in creates.iter().filter(|r| r["outcome"] == "succeeded") {
        assert_eq!(ok["status"], 201);
        assert_eq!(ok["eventSeqs"].as_array().unwrap().len(), 1, "{ok}");
        assert!(ok["resourceId"].as_str().is_some(), "{ok}");
    }
    let patch = all.iter().find(|r| r["operation"] == "patch").unwrap();
    assert_eq!(patch["userName"], "bulk.a");
    assert_eq!(patch["changed"], json!(["active"]));
    // Every record of the request shares its request id.
    assert!(
        all.iter().all(|r| r["requestId"] == bulk["requestId"]),
        "{all:?}"
    );
}

#[tokio::test]
async fn reads_are_recorded_only_when_asked() {
    let app = activity_app().await;
    let id = app.create_user("reader").await;
    assert_eq!(app.get_user(&id).await.status(), StatusCode::OK);
    app.list_users("").await;
    assert_eq!(
        operations(&records(&app, "tenant=default").await),
        ["create"]
    );

    let app = activity_app_with(|s| s.api.activity_reads = true).await;
    let id = app.create_user("reader").await;
    assert_eq!(app.get_user(&id).await.status(), StatusCode::OK);
    app.list_users("").await;
    let r = app
        .request(Method::POST, "/Users/.search")
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let all = records(&app, "tenant=default").await;
    assert_eq!(operations(&all), ["create", "get", "list", "search"]);
    assert_eq!(all[2]["resourceId"], id.as_str());
}

#[tokio::test]
async fn unknown_tokens_and_rate_limits_are_recorded_as_what_they_are() {
    let app = activity_app_with(|s| {
        s.api.rate_limit = scimd::api::rate_limit::RateLimit::new(1, 2);
    })
    .await;
    let r = app
        .client
        .get(format!("{}/Users", app.base()))
        .bearer_auth("not-a-token-anyone-issued")
        .header("User-Agent", ENTRA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let mut limited = false;
    for _ in 0..10 {
        if app.get("/Users").await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the limit of 2 was reached");

    // No tenant was known for the 401: it is only in the view of every tenant.
    let tenant_view = records(&app, "tenant=default").await;
    assert!(tenant_view.iter().all(|r| r["operation"] != "auth_failed"));
    let rate_limited = tenant_view
        .iter()
        .find(|r| r["operation"] == "rate_limited")
        .expect("the 429 is recorded");
    assert_eq!(rate_limited["status"], 429);
    assert_eq!(rate_limited["outcome"], "failed");
    assert_eq!(rate_limited["credentialLabel"], "bootstrap");

    let everyone = records(&app, "all=true&operation=auth_failed").await;
    assert_eq!(everyone.len(), 1, "{everyone:?}");
    let refused = &everyone[0];
    assert_eq!(refused["tenant"], Value::Null);
    assert_eq!(refused["credential"], Value::Null);
    assert_eq!(refused["status"], 401);
    assert_eq!(refused["client"], "entra");
    assert_eq!(refused["route"], "/scim/v2/Users");
    assert!(
        refused["detail"].as_str().unwrap().contains("invalid"),
        "{refused}"
    );
}

#[tokio::test]
async fn with_the_log_off_nothing_is_recorded() {
    let app = activity_app_with(|s| s.api.activity_log = false).await;
    app.create_user("unrecorded").await;
    let r = app
        .client
        .get(format!("{}/Users", app.base()))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(records(&app, "all=true").await, Vec::<Value>::new());
}

#[tokio::test]
async fn the_report_sums_what_a_session_recorded() {
    let app = activity_app().await;
    for name in ["r1", "r2"] {
        let user = json!({"schemas": [USER_URN], "userName": name});
        let r = send_as(&app, ENTRA, Method::POST, "/Users", Some(&user)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let dup = json!({"schemas": [USER_URN], "userName": "r1"});
    let r = send_as(&app, ENTRA, Method::POST, "/Users", Some(&dup)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // The activity query writes what is queued; the report then counts it.
    let failed = records(&app, "tenant=default&outcome=failed").await;
    let request_id = failed[0]["requestId"].clone();
    let r = app
        .client
        .get(format!(
            "{}/admin/v1/report?tenant=default&since=1h",
            app.root()
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let report = json_ok(r).await;
    // Summed over the span's days (a run across midnight has two).
    let mut counts = std::collections::BTreeMap::new();
    for day in report["days"].as_array().unwrap() {
        let key = (
            day["operation"].as_str().unwrap(),
            day["outcome"].as_str().unwrap(),
        );
        *counts.entry(key).or_insert(0) += day["count"].as_i64().unwrap();
    }
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [(("create", "failed"), 1), (("create", "succeeded"), 2)]
    );
    assert_eq!(report["errors"][0]["status"], 409);
    assert_eq!(report["errors"][0]["exampleRequestId"], request_id);
    assert_eq!(report["credentials"][0]["credentialLabel"], "bootstrap");
    assert_eq!(report["credentials"][0]["requests"], 3);
    assert_eq!(report["credentials"][0]["failed"], 1);
}

#[tokio::test]
async fn oauth_clients_and_jwts_are_named_by_their_label_and_issuer() {
    let app = activity_app().await;
    let (client_id, secret) = crate::oauth::client(&app, "default").await;
    let access = crate::oauth::access_token(&app, &client_id, &secret).await;
    let trust = crate::jwt::trust(
        &app,
        "default",
        crate::jwt::ENTRA_ISS,
        scimd::jwt::KeyKind::Secret,
        None,
    )
    .await;
    let signed = crate::jwt::sign(
        jsonwebtoken::Algorithm::HS256,
        None,
        &crate::jwt::claims(json!({})),
    );
    for (bearer, name) in [(&access, "by-oauth"), (&signed, "by-jwt")] {
        let r = app
            .client
            .post(format!("{}/Users", app.base()))
            .bearer_auth(bearer)
            .json(&json!({"schemas": [USER_URN], "userName": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let all = records(&app, "tenant=default").await;
    let [jwt, oauth] = &all[..] else {
        panic!("two records: {all:?}")
    };
    assert_eq!(oauth["credential"], format!("client:{client_id}"));
    assert_eq!(oauth["credentialKind"], "oauth_client");
    assert_eq!(oauth["credentialLabel"], "test");
    assert_eq!(jwt["credential"], format!("jwt:{trust}:provisioning-agent"));
    assert_eq!(jwt["credentialKind"], "jwt");
    assert_eq!(jwt["credentialLabel"], crate::jwt::ENTRA_ISS);
}

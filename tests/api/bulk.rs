//! /Bulk (RFC 7644 §3.7): bulkId references in any order, per-operation results,
//! failOnErrors, limits.
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

async fn bulk(app: &TestApp, operations: Value, fail_on_errors: Option<u64>) -> Vec<Value> {
    let mut body = json!({"schemas": [BULK], "Operations": operations});
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    let r = json_ok(app.post("/Bulk", &body).await).await;
    assert_eq!(
        r["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    r["Operations"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn bulk_ids_resolve_in_dependency_order() {
    let app = spawn_app().await;
    let results = bulk(
        &app,
        json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP_URN], "displayName": "Team", "members": [{"value": "bulkId:u1"}, {"value": "bulkId:u2"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": {"schemas": [USER_URN], "userName": "one"}},
            {"method": "POST", "path": "/Users", "bulkId": "u2",
             "data": {"schemas": [USER_URN], "userName": "two",
                      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:u1"}}}},
            {"method": "PATCH", "path": "/Users/bulkId:u1",
             "data": {"Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}}
        ]),
        None,
    )
    .await;
    assert_eq!(statuses(&results), ["201", "201", "201", "200"]);
    assert_eq!(results[0]["bulkId"], "g");
    let group = json_ok(
        app.get(
            results[0]["location"]
                .as_str()
                .unwrap()
                .split("/scim/v2")
                .nth(1)
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    let u1 = results[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let u2 = results[2]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let two = json_ok(app.get_user(&u2).await).await;
    assert_eq!(
        two["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        u1
    );
    assert_eq!(json_ok(app.get_user(&u1).await).await["title"], "Lead");
}

#[tokio::test]
async fn each_operation_gets_its_own_answer() {
    let app = spawn_app().await;
    let existing = app.create_user("existing").await;
    let etag = app.get_user(&existing).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let results = bulk(
        &app,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER_URN], "userName": "dup"}},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": [USER_URN], "userName": "DUP"}},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"schemas": [USER_URN]}},
            {"method": "PUT", "path": format!("/Users/{existing}"), "version": "W/\"99\"",
             "data": {"schemas": [USER_URN], "userName": "existing"}},
            {"method": "PUT", "path": format!("/Users/{existing}"), "version": etag,
             "data": {"schemas": [USER_URN], "userName": "existing", "title": "t"}},
            {"method": "DELETE", "path": "/Users/00000000-0000-4000-8000-000000000000"},
            {"method": "POST", "path": "/Groups", "bulkId": "x", "data": {"schemas": [GROUP_URN], "displayName": "x", "members": [{"value": "bulkId:nosuch"}]}}
        ]),
        None,
    )
    .await;
    assert_eq!(
        statuses(&results),
        ["201", "409", "400", "412", "200", "404", "409"]
    );
    assert_eq!(results[1]["response"]["scimType"], "uniqueness");
    assert_eq!(results[2]["response"]["scimType"], "invalidValue");
    assert_eq!(json_ok(app.get_user(&existing).await).await["title"], "t");
    let list = app.list_users("").await;
    assert_eq!(list["totalResults"], 2);
}

#[tokio::test]
async fn circular_references_and_fail_on_errors() {
    let app = spawn_app().await;
    let results = bulk(
        &app,
        json!([
            {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": [GROUP_URN], "displayName": "a", "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": [GROUP_URN], "displayName": "b", "members": [{"value": "bulkId:a"}]}}
        ]),
        None,
    )
    .await;
    assert_eq!(statuses(&results), ["409", "409"]);
    let results = bulk(
        &app,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "1", "data": {"schemas": [USER_URN]}},
            {"method": "POST", "path": "/Users", "bulkId": "2", "data": {"schemas": [USER_URN], "userName": "never"}}
        ]),
        Some(1),
    )
    .await;
    assert_eq!(statuses(&results), ["400"]);
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

/// RFC 7644 §3.7.3: once `failOnErrors` operations have failed, the rest are neither performed
/// nor listed, even where scimd inserts a run of POSTs together and learns of a conflict only
/// when the run is written.
#[tokio::test]
async fn fail_on_errors_stops_at_a_conflict_inside_a_run_of_posts() {
    let app = spawn_app().await;
    let existing = app.create_user("taken").await;
    let post = |bulk_id: &str, user_name: Option<&str>| {
        let mut data = json!({"schemas": [USER_URN]});
        if let Some(name) = user_name {
            data["userName"] = json!(name);
        }
        json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data})
    };
    let user_names = || async { names(&app.list_users("").await) };

    // The case: a 409 first, a valid POST second.
    let results = bulk(
        &app,
        json!([post("a", Some("TAKEN")), post("b", Some("second"))]),
        Some(1),
    )
    .await;
    assert_eq!(statuses(&results), ["409"]);
    assert_eq!(results[0]["bulkId"], "a");
    assert_eq!(user_names().await, ["taken"]);

    // Two errors allowed: the operations up to the second are answered, the rest are not run.
    let results = bulk(
        &app,
        json!([
            post("c", Some("taken")),
            post("d", Some("fourth")),
            post("e", Some("Taken")),
            post("f", Some("never")),
            {"method": "DELETE", "path": format!("/Users/{existing}")}
        ]),
        Some(2),
    )
    .await;
    assert_eq!(statuses(&results), ["409", "201", "409"]);
    assert_eq!(user_names().await, ["fourth", "taken"]);

    // A conflict in the run comes before a later invalid body: the limit is reached at the
    // conflict, so the invalid one is not listed, and the DELETE after it is not performed.
    let results = bulk(
        &app,
        json!([
            post("g", Some("seventh")),
            post("h", Some("taken")),
            post("i", None),
            {"method": "DELETE", "path": format!("/Users/{existing}")}
        ]),
        Some(1),
    )
    .await;
    assert_eq!(statuses(&results), ["201", "409"]);
    assert_eq!(user_names().await, ["fourth", "seventh", "taken"]);

    // Without failOnErrors every operation runs and is answered.
    let results = bulk(
        &app,
        json!([post("j", Some("taken")), post("k", Some("eleventh"))]),
        None,
    )
    .await;
    assert_eq!(statuses(&results), ["409", "201"]);
}

#[tokio::test]
async fn limits_are_advertised_and_enforced() {
    let app = spawn_app().await;
    let spc = json_ok(app.get("/ServiceProviderConfig").await).await;
    assert_eq!(spc["bulk"]["supported"], true);
    let max = spc["bulk"]["maxOperations"].as_u64().unwrap();
    assert!(spc["bulk"]["maxPayloadSize"].as_u64().unwrap() > 0);
    let too_many: Vec<Value> = (0..=max)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let r = app
        .post("/Bulk", &json!({"schemas": [BULK], "Operations": too_many}))
        .await;
    scim_error(r, 413, None).await;
    let r = app
        .post(
            "/Bulk",
            &json!({"schemas": [BULK], "Operations": [{"method": "GET", "path": "/Users"}]}),
        )
        .await;
    scim_error(r, 400, Some("invalidSyntax")).await;
    assert_eq!(
        app.post("/Bulk", &json!({"Operations": []})).await.status(),
        StatusCode::OK
    );
}

fn user_posts(prefix: &str, n: usize) -> Value {
    (0..n)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("{prefix}{i}"),
                   "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                            "userName": format!("{prefix}{i:03}")}})
        })
        .collect()
}

/// Users imported in one request share their creation instant; a cursor walk must still see
/// each of them once (the keyset's tie-break on id).
#[tokio::test]
async fn cursor_walks_over_one_import_visit_each_user_once() {
    let app = spawn_app().await;
    let results = bulk(&app, user_posts("batch", 25), None).await;
    assert!(statuses(&results).iter().all(|s| *s == "201"));
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let list = app.list_users(&format!("count=7&cursor={cursor}")).await;
        for user in list["Resources"].as_array().unwrap() {
            seen.push(user["userName"].as_str().unwrap().to_owned());
        }
        match list["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25, "{seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
}

/// SQLite gathers no planner statistics by itself, and PostgreSQL's autovacuum only up to a
/// minute later; without them filtered lists walk the whole tenant at scale. An import leaves
/// statistics and refreshes them once the table has doubled.
#[tokio::test]
async fn imports_keep_planner_statistics_fresh() {
    let app = spawn_app().await;
    let conn = app.db.connect().await;
    // The row count the planner's statistics of `resources` hold.
    let sql = if app.db.is_postgres() {
        "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = 'resources'"
    } else {
        "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE idx = 'ix_resources_page'"
    };
    let backend = conn.get_database_backend();
    let counted_rows = || async {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap();
        row.map(|r| r.try_get_by_index::<i64>(0).unwrap())
    };
    bulk(&app, user_posts("first", 10), None).await;
    assert_eq!(counted_rows().await, Some(10), "first import: analyzed");
    bulk(&app, user_posts("second", 5), None).await;
    assert_eq!(
        counted_rows().await,
        Some(10),
        "grew by half: not re-analyzed"
    );
    bulk(&app, user_posts("third", 10), None).await;
    assert_eq!(
        counted_rows().await,
        Some(25),
        "more than doubled: re-analyzed"
    );
}

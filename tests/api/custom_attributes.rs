//! Attributes of a custom extension (registered with `scimd schema add`) in requests: they are
//! validated, stored, patched, filtered, sorted and projected like core ones, in single
//! requests, /Bulk and /.search.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::custom_schemas::{ACME, acme_document, register};
use crate::helpers::*;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn acme_app() -> TestApp {
    let app = spawn_app().await;
    register(&app, &acme_document(), &[]);
    app
}

async fn create(app: &TestApp, user_name: &str, acme: Value) -> Value {
    let body = json!({"schemas": [USER_URN, ACME], "userName": user_name, ACME: acme});
    json_status(app.post_user(&body).await, StatusCode::CREATED).await
}

async fn patch(app: &TestApp, id: &str, operations: Value) -> reqwest::Response {
    let body = json!({"schemas": [PATCH_OP], "Operations": operations});
    app.send(Method::PATCH, &format!("/Users/{id}"), Some(&body))
        .await
}

fn names(list: &Value) -> Vec<&str> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources in {list}"))
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect()
}

fn filter(text: &str) -> String {
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("filter={encoded}")
}

#[tokio::test]
async fn custom_attributes_are_stored_and_read_back_through_create_and_replace() {
    let app = acme_app().await;
    let created = create(
        &app,
        "bjensen",
        json!({"Company": "Acme", "costcenter": "4130", "hired": "2024-03-01T09:00:00Z",
               "badges": [{"value": "B-1", "type": "gold"}]}),
    )
    .await;
    let id = id_of(created.clone());
    assert_eq!(created["schemas"], json!([USER_URN, ACME]));
    // Names as the schema spells them, values typed ("4130" from a lenient IdP is 4130).
    assert_eq!(
        created[ACME],
        json!({"Company": "Acme", "CostCenter": 4130, "badges": [{"value": "B-1", "type": "gold"}],
               "hired": "2024-03-01T09:00:00Z"})
    );
    assert_eq!(json_ok(app.get_user(&id).await).await[ACME], created[ACME]);

    // An IdP that sends extension attributes without their URN object is understood too.
    let body = json!({"schemas": [USER_URN, ACME], "userName": "bjensen", "Company": "Acme Corp"});
    let replaced = json_ok(app.put_user(&id, &body).await).await;
    assert_eq!(
        replaced[ACME],
        json!({"Company": "Acme Corp"}),
        "PUT replaces"
    );
}

#[tokio::test]
async fn wrong_types_are_invalid_value_and_change_nothing() {
    let app = acme_app().await;
    let created = create(&app, "bjensen", json!({"CostCenter": 7})).await;
    let id = id_of(created.clone());
    let cases = [
        json!({"CostCenter": "seven"}),
        json!({"CostCenter": 7.5}),
        json!({"hired": "yesterday"}),
        json!({"Company": {"name": "Acme"}}),
        json!({"badges": [{"value": {"id": "B-1"}}]}),
    ];
    for acme in cases {
        let body = json!({"schemas": [USER_URN, ACME], "userName": "bjensen", ACME: acme});
        let detail = scim_error(app.put_user(&id, &body).await, 400, Some("invalidValue")).await;
        assert!(detail.contains(ACME), "{detail}");
    }
    let r = patch(
        &app,
        &id,
        json!([{"op": "replace", "path": format!("{ACME}:CostCenter"), "value": "x"}]),
    )
    .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(
        detail.contains("CostCenter") && detail.contains("integer"),
        "{detail}"
    );
    assert_eq!(json_ok(app.get_user(&id).await).await, created);
}

#[tokio::test]
async fn mutability_and_returned_apply_to_custom_attributes() {
    let app = acme_app().await;
    let created = create(
        &app,
        "bjensen",
        json!({"Company": "Acme", "badgeCount": 99, "pin": "1234", "notes": "VIP"}),
    )
    .await;
    let id = id_of(created.clone());
    // readOnly is ignored on input, writeOnly is never returned, `request` only on request.
    assert_eq!(created[ACME], json!({"Company": "Acme"}));
    let asked = json_ok(
        app.get(&format!("/Users/{id}?attributes={ACME}:notes,{ACME}:pin"))
            .await,
    )
    .await;
    assert_eq!(asked[ACME], json!({"notes": "VIP"}));
    // A request-only value is filterable; a writeOnly one cannot be probed through a filter.
    let list = app
        .list_users(&filter(&format!("{ACME}:notes eq \"vip\"")))
        .await;
    assert_eq!(names(&list), ["bjensen"]);
    let r = app
        .get(&format!("/Users?{}", filter("pin eq \"1234\"")))
        .await;
    scim_error(r, 400, Some("invalidFilter")).await;
}

#[tokio::test]
async fn patch_reaches_custom_attributes_by_every_path_form() {
    let app = acme_app().await;
    let id = id_of(
        create(
            &app,
            "bjensen",
            json!({"Company": "Acme", "badges": [{"value": "B-1", "type": "gold"},
                                                  {"value": "B-2", "type": "silver"}]}),
        )
        .await,
    );
    let r = patch(
        &app,
        &id,
        json!([
            {"op": "replace", "path": format!("{ACME}:Company"), "value": "Acme Corp"},
            {"op": "add", "path": format!("{ACME}:CostCenter"), "value": 12},
            {"op": "replace", "path": format!("{ACME}:badges[type eq \"gold\"].value"), "value": "B-9"},
            {"op": "remove", "path": format!("{ACME}:badges[type eq \"silver\"]")},
            {"op": "add", "path": format!("{ACME}:badges"), "value": [{"value": "B-3", "type": "silver"}]},
            {"op": "replace", "value": {ACME: {"hired": "2020-01-01T00:00:00Z"}}},
            {"op": "replace", "value": {format!("{ACME}:notes"): "met at conference"}}
        ]),
    )
    .await;
    let patched = json_ok(r).await;
    assert_eq!(
        patched[ACME],
        json!({"Company": "Acme Corp", "CostCenter": 12,
               "badges": [{"value": "B-9", "type": "gold"}, {"value": "B-3", "type": "silver"}],
               "hired": "2020-01-01T00:00:00Z"})
    );
    let r = patch(&app, &id, json!([{"op": "remove", "path": format!("{ACME}:badges")}, {"op": "remove", "path": "Company"}])).await;
    assert_eq!(
        json_ok(r).await[ACME],
        json!({"CostCenter": 12, "hired": "2020-01-01T00:00:00Z"})
    );
    let r = patch(
        &app,
        &id,
        json!([{"op": "remove", "path": format!("{ACME}:shoeSize")}]),
    )
    .await;
    scim_error(r, 400, Some("invalidPath")).await;
}

/// Three users whose Acme attributes the queries below tell apart.
async fn staff(app: &TestApp) {
    create(
        app,
        "alice",
        json!({"Company": "Acme", "CostCenter": 300,
        "badges": [{"value": "A-1", "type": "gold"}]}),
    )
    .await;
    create(
        app,
        "bob",
        json!({"Company": "Initech", "CostCenter": 100,
        "badges": [{"value": "B-1", "type": "silver"}]}),
    )
    .await;
    create(
        app,
        "carol",
        json!({"Company": "ACME Europe", "CostCenter": 200}),
    )
    .await;
    app.create_user("dave").await;
}

#[tokio::test]
async fn filters_compare_custom_attributes_like_core_ones() {
    let app = acme_app().await;
    staff(&app).await;
    let cases: [(String, &[&str]); 8] = [
        (format!("{ACME}:Company eq \"acme\""), &["alice"]),
        ("Company co \"cm\"".to_owned(), &["alice", "carol"]),
        (
            format!("{ACME}:CostCenter gt 100 and userName ne \"carol\""),
            &["alice"],
        ),
        (
            format!("{ACME}:CostCenter le 100 or Company sw \"acme e\""),
            &["bob", "carol"],
        ),
        (format!("{ACME}:badges[type eq \"gold\"]"), &["alice"]),
        (format!("{ACME}:badges.value eq \"B-1\""), &["bob"]),
        (format!("not ({ACME}:Company pr)"), &["dave"]),
        (format!("{ACME}:badges.value eq \"b-1\""), &[]),
    ];
    for (text, expected) in cases {
        let list = app
            .list_users(&format!("{}&sortBy=userName", filter(&text)))
            .await;
        assert_eq!(names(&list), expected, "{text}");
    }
    let many = filter(&format!("{ACME}:CostCenter eq \"many\""));
    scim_error(
        app.get(&format!("/Users?{many}")).await,
        400,
        Some("invalidFilter"),
    )
    .await;
    // Unqualified, `costCenter` is EnterpriseUser's: core and earlier schemas come first.
    let list = app.list_users(&filter("CostCenter eq \"300\"")).await;
    assert_eq!(list["totalResults"], 0);
}

#[tokio::test]
async fn custom_attributes_sort_and_project() {
    let app = acme_app().await;
    staff(&app).await;
    let list = app
        .list_users(&format!("sortBy={ACME}:CostCenter&sortOrder=descending"))
        .await;
    // RFC 7644 §3.4.2.3: unassigned values come first when descending.
    assert_eq!(names(&list), ["dave", "alice", "carol", "bob"]);
    let list = app
        .list_users(&format!("sortBy={ACME}:badges.value&count=2"))
        .await;
    assert_eq!(names(&list), ["alice", "bob"]);

    let list = app
        .list_users(&format!(
            "attributes={ACME}:Company&{}",
            filter("userName eq \"alice\"")
        ))
        .await;
    let alice = &list["Resources"][0];
    let mut keys: Vec<&str> = alice
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "schemas", ACME]);
    assert_eq!(alice[ACME], json!({"Company": "Acme"}));
    let list = app
        .list_users(&format!(
            "excludedAttributes={ACME}&{}",
            filter("userName eq \"bob\"")
        ))
        .await;
    assert!(list["Resources"][0].get(ACME).is_none());
}

#[tokio::test]
async fn bulk_and_search_use_the_tenants_registry() {
    let app = acme_app().await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a",
             "data": {"schemas": [USER_URN, ACME], "userName": "alice", ACME: {"Company": "Acme"}}},
            {"method": "POST", "path": "/Users", "bulkId": "b",
             "data": {"schemas": [USER_URN, ACME], "userName": "bob", ACME: {"CostCenter": "many"}}},
            {"method": "PATCH", "path": "/Users/bulkId:a",
             "data": {"schemas": [PATCH_OP], "Operations": [
                 {"op": "add", "path": format!("{ACME}:CostCenter"), "value": 5}]}}
        ]
    });
    let results = json_ok(app.post("/Bulk", &body).await).await;
    let statuses: Vec<&str> = results["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "400", "200"]);
    assert_eq!(
        results["Operations"][1]["response"]["scimType"],
        "invalidValue"
    );

    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": format!("{ACME}:CostCenter eq 5"),
                        "attributes": [format!("{ACME}:Company")]});
    let found = json_ok(app.post("/Users/.search", &search).await).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0][ACME], json!({"Company": "Acme"}));
    let root = json_ok(app.post("/.search", &search).await).await;
    assert_eq!(root["totalResults"], 1, "{root}");
    assert_eq!(root["Resources"][0][ACME], json!({"Company": "Acme"}));
}

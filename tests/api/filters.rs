//! Filters (RFC 7644 §3.4.2.2), sorting (§3.4.2.3), projection (§3.4.2.5), /.search (§3.4.3)
//! and cursors (RFC 9865), over HTTP, on whichever backend the suite runs.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn ordered_names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn q(filter: &str) -> String {
    format!("filter={}", urlencode(filter))
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Four users with the attributes the operator table reads.
async fn people(app: &TestApp) -> Vec<String> {
    let users = [
        json!({"userName": "bjensen", "externalId": "E-1", "active": true, "title": "Tour Guide",
               "name": {"givenName": "Barbara", "familyName": "Jensen"},
               "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                          {"value": "babs@home.example.org", "type": "home"}],
               ENTERPRISE: {"department": "Tour Operations", "employeeNumber": "701984"}}),
        json!({"userName": "JSmith", "externalId": "e-2", "active": false,
               "name": {"givenName": "John", "familyName": "Smith"},
               "emails": [{"value": "john@example.org", "type": "home"}],
               ENTERPRISE: {"department": "Sales"}}),
        json!({"userName": "ann.lee", "externalId": "E-3", "active": "True",
               "name": {"givenName": "Ann", "familyName": "Lee"},
               "emails": [{"value": "ann@EXAMPLE.com", "type": "work"}]}),
        json!({"userName": "zed", "title": "Intern"}),
    ];
    let mut ids = Vec::new();
    for mut user in users {
        user["schemas"] = json!([USER_URN]);
        ids.push(id_of(
            json_status(app.post_user(&user).await, StatusCode::CREATED).await,
        ));
    }
    ids
}

#[tokio::test]
async fn every_operator_of_rfc7644_table_3() {
    let app = spawn_app().await;
    people(&app).await;
    let cases: &[(&str, &[&str])] = &[
        ("userName eq \"bjensen\"", &["bjensen"]),
        ("userName eq \"BJENSEN\"", &["bjensen"]),
        ("userName ne \"bjensen\"", &["JSmith", "ann.lee", "zed"]),
        ("name.familyName co \"e\"", &["ann.lee", "bjensen"]),
        ("userName sw \"j\"", &["JSmith"]),
        ("userName ew \"SEN\"", &["bjensen"]),
        ("title pr", &["bjensen", "zed"]),
        ("userName gt \"j\"", &["JSmith", "zed"]),
        ("userName ge \"jsmith\"", &["JSmith", "zed"]),
        ("userName lt \"b\"", &["ann.lee"]),
        ("userName le \"bjensen\"", &["ann.lee", "bjensen"]),
        ("active eq true", &["ann.lee", "bjensen"]),
        ("active eq \"False\"", &["JSmith"]),
        ("not (active eq true)", &["JSmith", "zed"]),
        ("title pr and userName sw \"b\"", &["bjensen"]),
        (
            "title pr or userName sw \"j\"",
            &["JSmith", "bjensen", "zed"],
        ),
        // `and` binds tighter than `or`.
        (
            "userName eq \"zed\" or title pr and active eq false",
            &["zed"],
        ),
        (
            "(userName eq \"zed\" or title pr) and active eq true",
            &["bjensen"],
        ),
        ("externalId eq \"E-1\"", &["bjensen"]),
        // externalId is caseExact.
        ("externalId eq \"e-1\"", &[]),
        ("externalId sw \"E-\"", &["ann.lee", "bjensen"]),
        ("emails co \"example.com\"", &["ann.lee", "bjensen"]),
        ("emails.type eq \"work\"", &["ann.lee", "bjensen"]),
        (
            "emails[type eq \"work\" and value co \"@example.com\"]",
            &["ann.lee", "bjensen"],
        ),
        (
            "emails[type eq \"home\" and value ew \".org\"]",
            &["JSmith", "bjensen"],
        ),
        (
            "emails[type eq \"work\"].value eq \"ANN@example.com\"",
            &["ann.lee"],
        ),
        (
            "emails.value ne \"john@example.org\"",
            &["ann.lee", "bjensen", "zed"],
        ),
        ("emails[primary eq \"True\"]", &["bjensen"]),
        (
            &format!("{ENTERPRISE}:department eq \"sales\""),
            &["JSmith"],
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw \"J\"",
            &["JSmith"],
        ),
        ("name[givenName eq \"ann\"]", &["ann.lee"]),
        (
            "meta.resourceType eq \"User\"",
            &["JSmith", "ann.lee", "bjensen", "zed"],
        ),
        ("meta.resourceType eq \"Group\"", &[]),
        ("title eq null", &["JSmith", "ann.lee"]),
        ("USERNAME EQ \"zed\" OR Title Pr", &["bjensen", "zed"]),
    ];
    for (filter, expected) in cases {
        let list = app.list_users(&q(filter)).await;
        assert_eq!(names(&list), *expected, "filter {filter}");
        assert_eq!(list["totalResults"], expected.len(), "filter {filter}");
    }
}

#[tokio::test]
async fn meta_dates_compare_as_instants() {
    let app = spawn_app().await;
    let id = app.create_user("early").await;
    let user = json_ok(app.get_user(&id).await).await;
    let created = user["meta"]["created"].as_str().unwrap().to_owned();
    for (filter, count) in [
        (format!("meta.created ge \"{created}\""), 1),
        (format!("meta.created gt \"{created}\""), 0),
        (
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"".to_owned(),
            1,
        ),
        (
            "meta.lastModified lt \"2011-05-13T04:42:34+02:00\"".to_owned(),
            0,
        ),
    ] {
        let list = app.list_users(&q(&filter)).await;
        assert_eq!(list["totalResults"], count, "{filter}");
    }
}

#[tokio::test]
async fn bad_filters_are_400_invalid_filter_saying_why() {
    let app = spawn_app().await;
    for (filter, mentions) in [
        ("userName eq", "expected"),
        ("userName xx \"a\"", "expected"),
        ("(userName eq \"a\"", "expected"),
        ("nosuch eq \"a\"", "nosuch"),
        ("name eq \"a\"", "name"),
        ("active gt true", "active"),
        ("userName eq 12 and name.nosuch pr", "nosuch"),
        ("meta.created gt \"yesterday\"", "dateTime"),
        ("password eq \"x\"", "password"),
        ("emails[type eq \"work\"", "expected"),
    ] {
        let detail = scim_error(
            app.get(&format!("/Users?{}", q(filter))).await,
            400,
            Some("invalidFilter"),
        )
        .await;
        assert!(
            detail.contains(mentions),
            "detail for {filter:?} should mention {mentions:?}: {detail}"
        );
    }
    let deep = format!("{}userName pr{}", "(".repeat(200), ")".repeat(200));
    scim_error(
        app.get(&format!("/Users?{}", q(&deep))).await,
        400,
        Some("invalidFilter"),
    )
    .await;
}

#[tokio::test]
async fn entra_and_okta_query_shapes() {
    let app = spawn_app().await;
    let ids = people(&app).await;
    // Entra's test connection and match-before-create, with its unknown flag parameter.
    let list = app
        .list_users(&format!(
            "{}&aadOptscim062020",
            q("userName eq \"7e4b2f0c-0000-4000-8000-000000000000\"")
        ))
        .await;
    assert_eq!(list["totalResults"], 0);
    assert_eq!(list["Resources"], json!([]));
    let list = app.list_users(&q("externalId eq \"E-3\"")).await;
    assert_eq!(names(&list), ["ann.lee"]);
    // Okta's existence check, paged.
    let list = app
        .list_users(&format!(
            "{}&startIndex=1&count=100",
            q("userName eq \"jsmith\"")
        ))
        .await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["startIndex"], 1);
    // Groups read without members, found by name in another case.
    let group = app.create_group("Sales Team", &[&ids[0], &ids[1]]).await;
    let list = app
        .list_groups(&format!(
            "excludedAttributes=members&{}",
            q("displayName eq \"sales team\"")
        ))
        .await;
    assert_eq!(list["totalResults"], 1);
    assert!(list["Resources"][0].get("members").is_none(), "{list}");
    assert_eq!(list["Resources"][0]["displayName"], "Sales Team");
    // ssosync's membership check and Okta's member lookup.
    for filter in [
        format!("id eq \"{group}\" and members eq \"{}\"", ids[1]),
        format!("members[value eq \"{}\"]", ids[0]),
        format!("members.value eq \"{}\"", ids[0]),
    ] {
        let list = app.list_groups(&q(&filter)).await;
        assert_eq!(list["totalResults"], 1, "{filter}");
    }
    let list = app
        .list_groups(&q(&format!(
            "id eq \"{group}\" and members eq \"{}\"",
            ids[2]
        )))
        .await;
    assert_eq!(list["totalResults"], 0);
    let single = json_ok(
        app.get(&format!("/Groups/{group}?excludedAttributes=members"))
            .await,
    )
    .await;
    assert!(single.get("members").is_none());
}

#[tokio::test]
async fn users_are_found_by_their_groups_including_nested_ones() {
    let app = spawn_app().await;
    let ids = people(&app).await;
    let inner = app.create_group("inner", &[&ids[0]]).await;
    let outer = app.create_group("outer", &[&inner, &ids[1]]).await;
    let list = app.list_users(&q(&format!("groups eq \"{outer}\""))).await;
    assert_eq!(names(&list), ["JSmith", "bjensen"]);
    let list = app
        .list_users(&q(&format!("groups.value eq \"{inner}\"")))
        .await;
    assert_eq!(names(&list), ["bjensen"]);
    let list = app.list_users(&q("groups pr")).await;
    assert_eq!(names(&list), ["JSmith", "bjensen"]);
    let list = app
        .list_groups(&q(&format!("members eq \"{inner}\"")))
        .await;
    assert_eq!(names(&list), ["outer"]);
}

#[tokio::test]
async fn sorting_orders_by_any_singular_attribute() {
    let app = spawn_app().await;
    people(&app).await;
    let list = app.list_users("sortBy=userName").await;
    assert_eq!(
        ordered_names(&list),
        ["ann.lee", "bjensen", "JSmith", "zed"]
    );
    let list = app.list_users("sortBy=userName&sortOrder=descending").await;
    assert_eq!(
        ordered_names(&list),
        ["zed", "JSmith", "bjensen", "ann.lee"]
    );
    // Unassigned values sort last ascending and first descending.
    let list = app.list_users("sortBy=name.familyName").await;
    assert_eq!(
        ordered_names(&list),
        ["bjensen", "ann.lee", "JSmith", "zed"]
    );
    let list = app
        .list_users("sortBy=name.familyName&sortOrder=descending")
        .await;
    assert_eq!(
        ordered_names(&list),
        ["zed", "JSmith", "ann.lee", "bjensen"]
    );
    // A multi-valued attribute sorts by its primary (else first) value.
    let list = app.list_users("sortBy=emails.value").await;
    assert_eq!(
        ordered_names(&list),
        ["ann.lee", "bjensen", "JSmith", "zed"]
    );
    let list = app
        .list_users(&format!(
            "sortBy={ENTERPRISE}:department&count=2&startIndex=2"
        ))
        .await;
    assert_eq!(ordered_names(&list), ["bjensen", "ann.lee"]);
    scim_error(
        app.get("/Users?sortBy=nosuch").await,
        400,
        Some("invalidValue"),
    )
    .await;
    scim_error(
        app.get("/Users?sortBy=userName&sortOrder=up").await,
        400,
        Some("invalidValue"),
    )
    .await;
}

#[tokio::test]
async fn attributes_and_excluded_attributes_on_every_read_and_write() {
    let app = spawn_app().await;
    let ids = people(&app).await;
    let list = app
        .list_users("attributes=userName,name.givenName&sortBy=userName")
        .await;
    let first = &list["Resources"][0];
    assert_eq!(first["userName"], "ann.lee");
    assert_eq!(first["name"], json!({"givenName": "Ann"}));
    assert!(
        first.get("emails").is_none() && first.get("meta").is_none(),
        "{first}"
    );
    assert!(first["id"].is_string(), "id is always returned");
    let one = json_ok(
        app.get(&format!(
            "/Users/{}?excludedAttributes=emails,{ENTERPRISE}:department",
            ids[0]
        ))
        .await,
    )
    .await;
    assert!(one.get("emails").is_none());
    assert_eq!(one[ENTERPRISE], json!({"employeeNumber": "701984"}));
    let created = json_status(
        app.post(
            "/Users?attributes=userName",
            &json!({"schemas": [USER_URN], "userName": "new", "title": "x"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(created.get("title").is_none(), "{created}");
    assert_eq!(created["userName"], "new");
    let replaced = json_ok(
        app.put(
            &format!("/Users/{}?excludedAttributes=title", id_of(created)),
            &json!({"schemas": [USER_URN], "userName": "new", "title": "y"}),
        )
        .await,
    )
    .await;
    assert!(replaced.get("title").is_none());
    assert_eq!(replaced["userName"], "new");
}

#[tokio::test]
async fn search_endpoints_take_a_search_request_body() {
    let app = spawn_app().await;
    let ids = people(&app).await;
    app.create_group("Tour Operations", &[&ids[0]]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["userName"],
        "filter": "emails.type eq \"work\"",
        "sortBy": "userName",
        "startIndex": 1,
        "count": 10
    });
    let list = json_ok(app.post("/Users/.search", &body).await).await;
    assert_eq!(ordered_names(&list), ["ann.lee", "bjensen"]);
    assert!(list["Resources"][0].get("emails").is_none());
    let list = json_ok(
        app.post(
            "/Groups/.search",
            &json!({"filter": "displayName sw \"tour\""}),
        )
        .await,
    )
    .await;
    assert_eq!(list["totalResults"], 1);
    // The root search spans both types; an attribute one type lacks just matches nothing there.
    let list = json_ok(
        app.post(
            "/.search",
            &json!({"filter": "displayName co \"tour\" or userName eq \"zed\"", "sortBy": "meta.created"}),
        )
        .await,
    )
    .await;
    assert_eq!(list["totalResults"], 2, "{list}");
    let kinds: Vec<&str> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["User", "Group"]);
    let all = json_ok(app.post("/.search", &json!({})).await).await;
    assert_eq!(all["totalResults"], 5);
    scim_error(
        app.post("/.search", &json!({"filter": "nosuch eq 1"}))
            .await,
        400,
        Some("invalidFilter"),
    )
    .await;
    scim_error(
        app.post("/Users/.search", &json!({"count": {"n": 1}}))
            .await,
        400,
        Some("invalidValue"),
    )
    .await;
}

#[tokio::test]
async fn cursor_walks_visit_every_resource_once() {
    let app = spawn_app().await;
    for i in 0..11 {
        app.create_user(&format!("walker{i:02}")).await;
    }
    for sort in ["", "&sortBy=userName&sortOrder=descending"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        let mut pages = 0;
        loop {
            let list = app
                .list_users(&format!("count=4&cursor={cursor}{sort}"))
                .await;
            assert_eq!(list["totalResults"], 11);
            assert!(list.get("startIndex").is_none());
            seen.extend(ordered_names(&list));
            pages += 1;
            match list["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{sort}");
        let all: Vec<String> = (0..11).map(|i| format!("walker{i:02}")).collect();
        if sort.is_empty() {
            // Creation order: every user once (a repeat would make the walk longer).
            let mut sorted = seen.clone();
            sorted.sort();
            assert_eq!(sorted, all, "each once: {seen:?}");
        } else {
            let descending: Vec<String> = all.into_iter().rev().collect();
            assert_eq!(seen, descending, "each once, in sortBy order");
        }
    }
    scim_error(
        app.get("/Users?cursor=bm9wZQ").await,
        400,
        Some("invalidCursor"),
    )
    .await;
    scim_error(
        app.get("/Users?cursor=&count=100000").await,
        400,
        Some("invalidCount"),
    )
    .await;
    scim_error(
        app.get("/Users?cursor=&startIndex=2").await,
        400,
        Some("invalidValue"),
    )
    .await;
    let spc = json_ok(app.get("/ServiceProviderConfig").await).await;
    assert_eq!(spc["pagination"]["cursor"], true);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["sort"]["supported"], true);
}

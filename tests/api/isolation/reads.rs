//! Reads with another tenant's token: by id, list, filter, /.search, sorting, paging, derived
//! `groups`, discovery.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Two, encode, ids, pick};
use crate::helpers::*;

#[tokio::test]
async fn reading_another_tenants_resources_by_id_is_404_whatever_the_request_adds() {
    let two = Two::new().await;
    for (path, a_id) in [
        ("/Users", &two.a.alice),
        ("/Users", &two.a.bob),
        ("/Groups", &two.a.admins),
        ("/Groups", &two.a.everyone),
    ] {
        let etag = two.read_a(&format!("{path}/{a_id}")).await["meta"]["version"]
            .as_str()
            .unwrap()
            .to_owned();
        for query in [
            "",
            "?attributes=id,userName,members",
            "?excludedAttributes=groups",
        ] {
            let r = two
                .as_b(Method::GET, &format!("{path}/{a_id}{query}"), None)
                .await;
            let detail = scim_error(r, 404, None).await;
            assert!(!detail.contains("alice"), "{detail}");
        }
        // A's own ETag must not turn B's 404 into a 304 that confirms the resource exists.
        let r = two
            .request(false, Method::GET, &format!("{path}/{a_id}"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        scim_error(r, 404, None).await;
        // Nor is a User readable as a Group of the other tenant, or the other way round.
        let other_path = if path == "/Users" {
            "/Groups"
        } else {
            "/Users"
        };
        let r = two
            .as_b(Method::GET, &format!("{other_path}/{a_id}"), None)
            .await;
        scim_error(r, 404, None).await;
    }
}

/// (resource path, filter, what B finds by fixture name). Filters naming ids take A's ids
/// (`{a.*}`) or B's (`{b.*}`).
const FILTERS: &[(&str, &str, &[&str])] = &[
    ("/Users", "id eq \"{a.alice}\"", &[]),
    ("/Users", "id eq \"{b.alice}\"", &["alice"]),
    (
        "/Users",
        "id eq \"{a.alice}\" or id eq \"{b.bob}\"",
        &["bob"],
    ),
    ("/Users", "userName eq \"alice\"", &["alice"]),
    ("/Users", "userName eq \"ALICE\"", &["alice"]),
    ("/Users", "externalId eq \"ext-alice\"", &["alice"]),
    (
        "/Users",
        "emails.value eq \"alice@example.com\"",
        &["alice"],
    ),
    (
        "/Users",
        "emails[type eq \"work\" and value co \"example\"]",
        &["alice", "bob"],
    ),
    ("/Users", "emails co \"@example\"", &["alice", "bob"]),
    ("/Users", "title sw \"Eng\"", &["alice"]),
    ("/Users", "name.familyName eq \"Shared\"", &["alice", "bob"]),
    (
        "/Users",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Sales\"",
        &["alice", "bob"],
    ),
    (
        "/Users",
        "meta.created gt \"2000-01-01T00:00:00Z\"",
        &["alice", "bob"],
    ),
    (
        "/Users",
        "meta.lastModified le \"2999-01-01T00:00:00Z\"",
        &["alice", "bob"],
    ),
    ("/Users", "userName pr", &["alice", "bob"]),
    ("/Users", "not (userName eq \"nobody\")", &["alice", "bob"]),
    ("/Users", "groups.value eq \"{a.admins}\"", &[]),
    ("/Users", "groups.value eq \"{a.everyone}\"", &[]),
    (
        "/Users",
        "groups.value eq \"{b.everyone}\"",
        &["alice", "bob"],
    ),
    (
        "/Users",
        "groups.value eq \"{b.admins}\" or groups.value eq \"{a.admins}\"",
        &["alice", "bob"],
    ),
    ("/Groups", "id eq \"{a.admins}\"", &[]),
    ("/Groups", "displayName eq \"Admins\"", &["admins"]),
    ("/Groups", "externalId eq \"ext-admins\"", &["admins"]),
    ("/Groups", "members.value eq \"{a.alice}\"", &[]),
    ("/Groups", "members.value eq \"{a.admins}\"", &[]),
    ("/Groups", "members.value eq \"{b.alice}\"", &["admins"]),
    (
        "/Groups",
        "members[value eq \"{a.bob}\" or display eq \"bob display\"]",
        &["admins"],
    ),
    ("/Groups", "members pr", &["admins", "everyone"]),
    (
        "/Groups",
        "meta.created gt \"2000-01-01T00:00:00Z\"",
        &["admins", "everyone"],
    ),
];

fn fill(two: &Two, filter: &str) -> String {
    let mut out = filter.to_owned();
    for (who, data) in [("a", &two.a), ("b", &two.b)] {
        for (name, id) in [
            ("alice", &data.alice),
            ("bob", &data.bob),
            ("admins", &data.admins),
            ("everyone", &data.everyone),
        ] {
            out = out.replace(&format!("{{{who}.{name}}}"), id);
        }
    }
    out
}

/// Asserts that `list` holds exactly `expected` and that its total counts exactly those.
fn assert_exactly(list: &Value, expected: &[String], context: &str) {
    let mut got = ids(list);
    got.sort();
    assert_eq!(got, expected, "{context}: {list}");
    assert_eq!(
        list["totalResults"],
        json!(expected.len()),
        "{context}: the total counts only the tenant's rows: {list}"
    );
}

#[tokio::test]
async fn every_filter_and_search_finds_only_the_callers_rows() {
    let two = Two::new().await;
    for (path, filter, names) in FILTERS {
        let filter = fill(&two, filter);
        let expected = pick(&two.b, names);
        let context = format!("{path} {filter}");
        let r = two
            .as_b(
                Method::GET,
                &format!("{path}?filter={}", encode(&filter)),
                None,
            )
            .await;
        assert_exactly(&json_ok(r).await, &expected, &format!("GET {context}"));
        let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                            "filter": filter, "count": 100});
        let r = two
            .as_b(Method::POST, &format!("{path}/.search"), Some(&search))
            .await;
        assert_exactly(&json_ok(r).await, &expected, &format!(".search {context}"));
        // The root search also finds B's resources of the other type, but nothing of A's,
        // and its total is what it returned.
        let r = two.as_b(Method::POST, "/.search", Some(&search)).await;
        let list = json_ok(r).await;
        let found = ids(&list);
        assert_eq!(
            list["totalResults"],
            json!(found.len()),
            "/.search {context}: {list}"
        );
        for id in &expected {
            assert!(found.contains(id), "/.search {context} misses {id}: {list}");
        }
        let b_ids = two.b.all();
        for id in &found {
            assert!(
                b_ids.contains(&id.as_str()),
                "/.search {context} found {id}: {list}"
            );
        }
        // The same filter with A's token finds A's twins, so the answers above are not
        // empty for want of matching rows.
        let names_ids = two.a.all().into_iter().chain(two.b.all());
        if !names_ids.into_iter().any(|id| filter.contains(id)) {
            let r = two
                .send(
                    true,
                    Method::GET,
                    &format!("{path}?filter={}", encode(&filter)),
                    None,
                )
                .await;
            assert_exactly(
                &json_ok(r).await,
                &pick(&two.a, names),
                &format!("A: {context}"),
            );
        }
    }
}

#[tokio::test]
async fn unfiltered_lists_and_searches_count_only_the_callers_rows() {
    let two = Two::new().await;
    // A holds more than B, so a total that counted A's rows would show.
    for name in ["carol", "dave", "erin"] {
        two.app.create_user(name).await;
    }
    let users = pick(&two.b, &["alice", "bob"]);
    let groups = pick(&two.b, &["admins", "everyone"]);
    let mut all = [users.clone(), groups.clone()].concat();
    all.sort();
    for (path, expected) in [("/Users", &users), ("/Groups", &groups)] {
        let r = two.as_b(Method::GET, path, None).await;
        assert_exactly(&json_ok(r).await, expected, path);
        let r = two
            .as_b(Method::GET, &format!("{path}?count=0"), None)
            .await;
        let list = json_ok(r).await;
        assert_eq!(
            list["totalResults"],
            json!(expected.len()),
            "{path}: {list}"
        );
    }
    let r = two.as_b(Method::POST, "/.search", Some(&json!({}))).await;
    assert_exactly(&json_ok(r).await, &all, "/.search");
    assert_eq!(two.app.list_users("count=0").await["totalResults"], 5);
}

/// Walks `path` page by page with `query` + `startIndex`, returning the ids in order and
/// asserting every page's total.
async fn walk_by_index(
    two: &Two,
    method: Method,
    path: &str,
    query: &str,
    total: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    for start in 1..=total + 3 {
        let r = if method == Method::GET {
            two.as_b(
                Method::GET,
                &format!("{path}?{query}&startIndex={start}&count=1"),
                None,
            )
            .await
        } else {
            let mut body: Value = serde_json::from_str(query).unwrap();
            body["startIndex"] = json!(start);
            body["count"] = json!(1);
            two.as_b(Method::POST, path, Some(&body)).await
        };
        let page = json_ok(r).await;
        assert_eq!(
            page["totalResults"],
            json!(total),
            "{path} {query} @{start}: {page}"
        );
        let got = ids(&page);
        assert_eq!(
            got.len(),
            usize::from(start <= total),
            "{path} {query} @{start}: {page}"
        );
        seen.extend(got);
    }
    seen
}

/// Follows a cursor walk of `query` as B, from `first` (empty: the beginning).
async fn walk_by_cursor(two: &Two, path: &str, query: &str, first: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = first.to_owned();
    for _ in 0..20 {
        let r = two
            .as_b(
                Method::GET,
                &format!("{path}?{query}&count=1&cursor={}", encode(&cursor)),
                None,
            )
            .await;
        let page = json_ok(r).await;
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return seen,
        }
    }
    panic!("the cursor walk did not end: {seen:?}");
}

#[tokio::test]
async fn sorting_and_paging_never_reach_another_tenants_rows() {
    let two = Two::new().await;
    // A's extra users sort before, between and after B's, in every order tried.
    for name in ["aaron", "amy", "beth", "zed"] {
        two.app.create_user(name).await;
    }
    let b_users = pick(&two.b, &["alice", "bob"]);
    for query in [
        "sortBy=userName",
        "sortBy=userName&sortOrder=descending",
        "sortBy=meta.created",
        "sortBy=emails.value&sortOrder=descending",
        "sortBy=title",
        "filter=userName%20pr&sortBy=name.givenName",
    ] {
        let mut seen = walk_by_index(&two, Method::GET, "/Users", query, 2).await;
        seen.sort();
        assert_eq!(seen, b_users, "{query}");
        let mut seen = walk_by_cursor(&two, "/Users", query, "").await;
        seen.sort();
        assert_eq!(seen, b_users, "cursor {query}");
    }
    let mut seen = walk_by_cursor(&two, "/Users", "attributes=id", "").await;
    seen.sort();
    assert_eq!(seen, b_users, "cursor without sortBy");

    // A cursor A was given, replayed by B, walks B's rows (or none), never A's.
    let page = two.app.list_users("cursor=&count=1").await;
    let a_cursor = page["nextCursor"].as_str().unwrap().to_owned();
    for id in walk_by_cursor(&two, "/Users", "attributes=id", &a_cursor).await {
        assert!(b_users.contains(&id), "A's cursor led B to {id}");
    }

    let mut all = pick(&two.b, &["alice", "bob", "admins", "everyone"]);
    for search in [
        r#"{"sortBy": "meta.created"}"#,
        r#"{"sortBy": "displayName", "sortOrder": "descending"}"#,
        r#"{"filter": "meta.created gt \"2000-01-01T00:00:00Z\""}"#,
    ] {
        let mut seen = walk_by_index(&two, Method::POST, "/.search", search, 4).await;
        seen.sort();
        all.sort();
        assert_eq!(seen, all, "/.search {search}");
    }
}

#[tokio::test]
async fn a_users_groups_list_only_its_own_tenants_groups() {
    let two = Two::new().await;
    for (a, data) in [(false, &two.b), (true, &two.a)] {
        for user in data.user_ids() {
            let r = two
                .send(a, Method::GET, &format!("/Users/{user}"), None)
                .await;
            let groups: Vec<String> = json_ok(r).await["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["value"].as_str().unwrap().to_owned())
                .collect();
            let mut groups = groups;
            groups.sort();
            assert_eq!(groups, pick(data, &["admins", "everyone"]), "tenant a={a}");
        }
        let r = two
            .send(a, Method::GET, "/Users?attributes=groups", None)
            .await;
        let other = if a { &two.b } else { &two.a };
        super::mentions_none(&json_ok(r).await, other, "list with groups");
        let r = two
            .send(a, Method::GET, "/Groups?attributes=members", None)
            .await;
        super::mentions_none(&json_ok(r).await, other, "list with members");
    }
}

#[tokio::test]
async fn discovery_answers_both_tenants_alike() {
    let two = Two::new().await;
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/User",
        "/Schemas",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
    ] {
        let a = json_ok(two.send(true, Method::GET, path, None).await).await;
        let r = two.as_b(Method::GET, path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(a, b, "{path}");
    }
}

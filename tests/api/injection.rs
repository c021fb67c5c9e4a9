//! Filters, sort keys, paths and ids carrying SQL metacharacters (issue 5, item 8): values
//! match exactly what they say, `%` and `_` are never wildcards, junk is a 400 and never a
//! 500, and the database keeps every table.
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::isolation::encode;

/// userNames (also the title, and the local part of the one email) of the fixture.
const NAMES: &[&str] = &[
    "x' OR '1'='1",
    "\"; DROP TABLE resources; --",
    "a%b",
    "axxb",
    "a_b",
    "ab",
    "a\\b",
    "o'brien",
    "quote\"d",
    "100%",
    "ünïcødé-日本-🙂",
    "plain",
];

async fn fixture(app: &TestApp) {
    for name in NAMES {
        let r = app
            .post_user(
                &json!({"schemas": [USER_URN], "userName": name, "title": name,
                               "emails": [{"value": format!("{name}@x.test"), "type": "work"}]}),
            )
            .await;
        json_status(r, StatusCode::CREATED).await;
    }
    for name in ["g%1", "gx1", "g_1", "g'1"] {
        app.create_group(name, &[]).await;
    }
}

/// A filter string literal: JSON-escaped, as RFC 7644 §3.4.2.2 says.
fn lit(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// GET with the filter, and POST /.search with it in a body: both find exactly `expected`.
async fn finds(app: &TestApp, path: &str, filter: &str, expected: &[&str]) {
    let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    let r = app.get(&format!("{path}?filter={}", encode(filter))).await;
    let list = json_ok(r).await;
    assert_eq!(names(&list), expected, "GET {path} {filter}");
    assert_eq!(list["totalResults"], json!(expected.len()), "{filter}");
    let r = app
        .post(&format!("{path}/.search"), &json!({"filter": filter}))
        .await;
    assert_eq!(
        names(&json_ok(r).await),
        expected,
        ".search {path} {filter}"
    );
}

#[tokio::test]
async fn values_with_sql_metacharacters_match_exactly_themselves() {
    let app = spawn_app().await;
    fixture(&app).await;
    for name in NAMES {
        finds(
            &app,
            "/Users",
            &format!("userName eq {}", lit(name)),
            &[name],
        )
        .await;
        finds(&app, "/Users", &format!("title eq {}", lit(name)), &[name]).await;
        let email = format!("{name}@x.test");
        finds(
            &app,
            "/Users",
            &format!("emails.value eq {}", lit(&email)),
            &[name],
        )
        .await;
        finds(
            &app,
            "/Users",
            &format!("emails[value eq {}]", lit(&email)),
            &[name],
        )
        .await;
    }
    // Case-insensitive beyond ASCII: userName is caseExact false (RFC 7643 §4.1.1).
    finds(
        &app,
        "/Users",
        "userName eq \"ÜNÏCØDÉ-日本-🙂\"",
        &["ünïcødé-日本-🙂"],
    )
    .await;
    finds(&app, "/Users", "userName sw \"Ü\"", &["ünïcødé-日本-🙂"]).await;
    finds(&app, "/Users", "userName co \"日本\"", &["ünïcødé-日本-🙂"]).await;
    finds(
        &app,
        "/Users",
        "userName ne \"x' OR '1'='1\" and userName sw \"x\"",
        &[],
    )
    .await;
}

#[tokio::test]
async fn percent_and_underscore_are_never_wildcards() {
    let app = spawn_app().await;
    fixture(&app).await;
    let x = "x' OR '1'='1";
    let drop = "\"; DROP TABLE resources; --";
    // (filter over userName, title and emails, expected userNames)
    for (op, value, expected) in [
        ("co", "%", &["a%b", "100%"][..]),
        ("co", "_", &["a_b"]),
        ("sw", "a%", &["a%b"]),
        ("sw", "a_", &["a_b"]),
        ("ew", "%b", &["a%b"]),
        ("ew", "_b", &["a_b"]),
        ("co", "\\", &["a\\b"]),
        ("co", "'", &[x, "o'brien"]),
        ("co", "\"", &[drop, "quote\"d"]),
        ("co", "' OR '", &[x]),
        ("co", "--", &[drop]),
        ("sw", "a", &["a%b", "axxb", "a_b", "ab", "a\\b"]),
    ] {
        let v = lit(value);
        finds(&app, "/Users", &format!("userName {op} {v}"), expected).await;
        finds(&app, "/Users", &format!("title {op} {v}"), expected).await;
        if op != "ew" {
            // The email's tail is "@x.test"; its head is the userName.
            finds(&app, "/Users", &format!("emails.value {op} {v}"), expected).await;
            finds(&app, "/Users", &format!("emails[value {op} {v}]"), expected).await;
        }
    }
    finds(&app, "/Users", "emails.value ew \"_b@x.test\"", &["a_b"]).await;
    finds(&app, "/Users", "emails co \"%\"", &["a%b", "100%"]).await;
    finds(&app, "/Groups", "displayName sw \"g%\"", &["g%1"]).await;
    finds(&app, "/Groups", "displayName co \"_\"", &["g_1"]).await;
    finds(&app, "/Groups", "displayName eq \"g'1\"", &["g'1"]).await;
}

#[tokio::test]
async fn patch_value_filters_with_wildcard_characters_remove_only_what_they_name() {
    let app = spawn_app().await;
    let id = app.create_user("mail").await;
    let emails =
        json!([{"value": "a%b@x.test"}, {"value": "axxb@x.test"}, {"value": "a_b@x.test"}]);
    let ops = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let r = app
        .send(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(&ops(
                json!([{"op": "add", "path": "emails", "value": emails}]),
            )),
        )
        .await;
    json_ok(r).await;
    for path in ["emails[value sw \"a%\"]", "emails[value co \"_\"]"] {
        let r = app
            .send(
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(&ops(json!([{"op": "remove", "path": path}]))),
            )
            .await;
        json_ok(r).await;
    }
    let user = json_ok(app.get_user(&id).await).await;
    assert_eq!(user["emails"], json!([{"value": "axxb@x.test"}]), "{user}");
}

#[tokio::test]
async fn junk_in_filters_sort_keys_paths_and_ids_is_a_400_never_a_500() {
    let app = spawn_app().await;
    fixture(&app).await;
    let user = app.create_user("target").await;
    for filter in [
        "user\"Name eq \"x\"",
        "userName' eq \"x\"",
        "userName eq \"x\" ; DROP TABLE resources",
        "userName eq \"x\" -- ",
        "userName eq \"unterminated",
        "emails[value' eq \"x\"]",
        "urn:x'y:userName eq \"x\"",
        "name.\"familyName\" eq \"x\"",
        "userName eq x' OR '1'='1",
        "1=1",
        "userName eq \"x\") or (\"1\" eq \"1\"",
    ] {
        let r = app.get(&format!("/Users?filter={}", encode(filter))).await;
        scim_error(r, 400, Some("invalidFilter")).await;
        let r = app.post("/.search", &json!({"filter": filter})).await;
        scim_error(r, 400, Some("invalidFilter")).await;
    }
    // Lenient mode reads an unquoted value as a bare word (RFC 7644 wants quotes; some IdPs
    // omit them): single quotes are part of that literal, which no userName holds.
    finds(&app, "/Users", "userName eq 'x'", &[]).await;
    finds(&app, "/Users", "userName eq x'", &[]).await;
    for query in [
        "sortBy=userName;DROP",
        "sortBy=userName%22%20--",
        "sortBy=user'Name",
        "sortBy=userName&sortOrder=descending;DROP",
        "startIndex=1;DROP",
        "count=1%20OR%201=1",
    ] {
        scim_error(
            app.get(&format!("/Users?{query}")).await,
            400,
            Some("invalidValue"),
        )
        .await;
    }
    let r = app
        .get(&format!("/Users?cursor={}", encode("' OR 1=1 --")))
        .await;
    scim_error(r, 400, Some("invalidCursor")).await;
    // Unknown names in `attributes` are ignored (RFC 7644 §3.9 gives no error for them).
    let r = app
        .get(&format!(
            "/Users?attributes={}",
            encode("userName\";DROP TABLE resources")
        ))
        .await;
    json_ok(r).await;
    // RFC 7644 Table 9: a malformed path is invalidPath, a malformed filter inside it
    // invalidFilter.
    for (path, scim_type) in [
        ("name.\"familyName", "invalidPath"),
        ("title'", "invalidPath"),
        ("title; DROP TABLE resources", "invalidPath"),
        ("emails[value eq \"x\"", "invalidFilter"),
        ("emails[value' eq \"x\"]", "invalidFilter"),
    ] {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "path": path, "value": "x"}]});
        let r = app
            .send(Method::PATCH, &format!("/Users/{user}"), Some(&body))
            .await;
        scim_error(r, 400, Some(scim_type)).await;
    }
    for id in [
        "' OR '1'='1",
        "1; DROP TABLE resources",
        "%00",
        "..%2F..%2Fetc",
    ] {
        scim_error(app.get(&format!("/Users/{id}")).await, 404, None).await;
        scim_error(app.delete(&format!("/Groups/{id}")).await, 404, None).await;
    }
    assert_tables_intact(&app, NAMES.len() + 1).await;
}

/// Comparisons a query planner could trip over (types that do not fit, null, extremes): a
/// clear 400 or an answer, never a database error.
#[tokio::test]
async fn odd_comparisons_are_answered_or_refused_but_never_a_500() {
    let app = spawn_app().await;
    fixture(&app).await;
    let values = [
        "null",
        "true",
        "1e308",
        "\"\"",
        "\"\u{10FFFF}\"",
        "\"9999-12-31T23:59:59Z\"",
    ];
    let attrs = [
        "id",
        "userName",
        "active",
        "emails.value",
        "emails.primary",
        "meta.created",
        "members.value",
        "groups.value",
        "externalId",
        "name.givenName",
    ];
    let mut filters = Vec::new();
    for attr in attrs {
        // ge and lt compile as gt and le do.
        for op in ["eq", "ne", "co", "sw", "ew", "gt", "le"] {
            for value in values {
                filters.push(format!("{attr} {op} {value}"));
            }
        }
    }
    // The root search resolves each filter against Users and Groups, so one request reaches
    // the SQL of every type the comparison fits. Sent a few at a time to stay fast.
    for chunk in filters.chunks(16) {
        let mut set = tokio::task::JoinSet::new();
        for filter in chunk {
            let req = app
                .request(Method::POST, "/.search")
                .json(&json!({"filter": filter}));
            let filter = filter.clone();
            set.spawn(async move {
                let r = req.send().await.unwrap();
                (filter, r.status(), r.text().await.unwrap())
            });
        }
        while let Some(done) = set.join_next().await {
            let (filter, status, body) = done.unwrap();
            assert!(
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "{filter}: {status} {body}"
            );
        }
    }
}

/// PostgreSQL refuses NUL in text, so a NUL that reached a query would fail it: every way a
/// client can send one ends in a 4xx (a /Bulk operation naming such an id, in its 404).
#[tokio::test]
async fn nul_characters_anywhere_are_a_client_error_never_a_500() {
    let app = spawn_app().await;
    let user = app.create_user("someone").await;
    let group = app.create_group("Team", &[&user]).await;
    for (path, filter) in [
        ("/Users", "title eq \"a\\u0000b\""),
        ("/Users", "userName eq a\u{0}b"),
        ("/Users", "id eq \"\\u0000\""),
        ("/Users", "emails[value co \"\\u0000\"]"),
        ("/Groups", "members[value eq \"\\u0000\"]"),
        ("/Groups", "displayName sw \"\\u0000\""),
    ] {
        let r = app.get(&format!("{path}?filter={}", encode(filter))).await;
        scim_error(r, 400, Some("invalidFilter")).await;
        let r = app
            .post(&format!("{path}/.search"), &json!({"filter": filter}))
            .await;
        scim_error(r, 400, Some("invalidFilter")).await;
        let r = app.post("/.search", &json!({"filter": filter})).await;
        scim_error(r, 400, Some("invalidFilter")).await;
    }
    let ops = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let r = app
        .send(
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(&ops(
                json!([{"op": "remove", "path": "members[value eq \"\u{0}\"]"}]),
            )),
        )
        .await;
    scim_error(r, 400, Some("invalidFilter")).await;
    let r = app
        .send(
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(&ops(
                json!([{"op": "remove", "path": "members", "value": [{"value": "\u{0}"}]}]),
            )),
        )
        .await;
    scim_error(r, 400, Some("invalidValue")).await;
    let cursor = base64_url(&format!("k:1700000000000000:{}\u{0}", &user[..8]));
    let r = app.get(&format!("/Users?cursor={cursor}")).await;
    scim_error(r, 400, Some("invalidCursor")).await;
    let r = app.get("/Users?sortBy=user%00Name").await;
    scim_error(r, 400, Some("invalidValue")).await;
    let r = app
        .post_user(&json!({"schemas": [USER_URN], "userName": "a\u{0}b"}))
        .await;
    scim_error(r, 400, Some("invalidValue")).await;
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "DELETE", "path": "/Users/\u{0}"}]});
    let r = json_ok(app.post("/Bulk", &bulk).await).await;
    assert_eq!(r["Operations"][0]["status"], "404", "{r}");
    assert_eq!(
        json_ok(app.get_group(&group).await).await["members"][0]["value"],
        json!(user)
    );
}

/// Base64url without padding, as scimd's cursors are.
fn base64_url(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Every table is still there and holds every user.
async fn assert_tables_intact(app: &TestApp, users: usize) {
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    let sql = if app.db.is_postgres() {
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
    };
    let tables: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect();
    for table in [
        "group_members",
        "resource_values",
        "resources",
        "tenants",
        "tokens",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} is gone: {tables:?}"
        );
    }
    assert_eq!(
        app.list_users("count=0").await["totalResults"],
        json!(users)
    );
}

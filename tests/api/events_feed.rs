//! The change feed: GET /admin/v1/events after real SCIM writes (order, envelope, paging,
//! type filters, errors, isolation, long-polling within a second, across instances, 410
//! after pruning) and `scimd events` through the binary.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::{scimd, stdout};
use crate::helpers::*;

const ADMIN_TOKEN: &str = "admin-token-for-the-feed-tests-0123456789";

async fn feed_app() -> TestApp {
    spawn_app_with(|s| s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN))).await
}

/// `GET /admin/v1/events?{query}` with the admin token.
async fn feed(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/admin/v1/events?{query}", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
}

/// The 200 answer to `query`.
async fn page(app: &TestApp, query: &str) -> Value {
    let r = feed(app, query).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    json_ok(r).await
}

fn events(page: &Value) -> &Vec<Value> {
    page["events"].as_array().expect("events is an array")
}

fn types(page: &Value) -> Vec<&str> {
    events(page)
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect()
}

fn seqs(page: &Value) -> Vec<i64> {
    events(page)
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

/// The tenant's seq now: where a reader that wants only new events starts.
async fn last_seq(app: &TestApp) -> i64 {
    page(app, "tenant=default&limit=1000")
        .await
        .get("after")
        .and_then(Value::as_i64)
        .unwrap()
}

async fn deactivate(app: &TestApp, id: &str) {
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    });
    let r = app
        .send(Method::PATCH, &format!("/Users/{id}"), Some(&patch))
        .await;
    assert!(r.status().is_success(), "{:?}", r.text().await);
}

#[tokio::test]
async fn the_feed_answers_the_tenants_events_in_seq_order_with_the_envelope() {
    let app = feed_app().await;
    let ada = app
        .post_user(&json!({"schemas": [USER_URN], "userName": "ada", "externalId": "x-ada"}))
        .await;
    let ada = json_status(ada, StatusCode::CREATED).await;
    let ada_id = id_of(ada.clone());
    let bob = app.create_user("bob").await;
    let staff = app.create_group("staff", &[]).await;
    deactivate(&app, &ada_id).await;
    assert_eq!(app.delete_user(&bob).await.status(), StatusCode::NO_CONTENT);

    let page = page(&app, "tenant=default").await;
    assert_eq!(
        types(&page),
        [
            "user.created",
            "user.created",
            "group.created",
            "user.deactivated",
            "user.deleted"
        ]
    );
    let seqs = seqs(&page);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert_eq!(page["after"], json!(seqs[4]));

    let created = &events(&page)[0];
    for field in [
        "id",
        "type",
        "tenant",
        "seq",
        "occurredAt",
        "resource",
        "actor",
        "requestId",
        "changed",
        "data",
    ] {
        assert!(created.get(field).is_some(), "{field} missing: {created}");
    }
    assert_eq!(created["tenant"], "default");
    assert_eq!(created["resource"]["type"], "User");
    assert_eq!(created["resource"]["id"], json!(ada_id));
    assert_eq!(created["resource"]["externalId"], "x-ada");
    assert!(created["resource"]["version"].is_string(), "{created}");
    assert!(created["actor"]["credential"].is_string(), "{created}");
    assert_eq!(created["data"]["userName"], "ada");
    assert!(created["occurredAt"].is_string(), "{created}");
    assert_eq!(events(&page)[2]["resource"]["id"], json!(staff));
    let deleted = &events(&page)[4];
    assert_eq!(deleted["resource"]["id"], json!(bob));
    assert_eq!(deleted["data"]["userName"], "bob");
    let ids: std::collections::HashSet<&str> = events(&page)
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "event ids are unique");
}

#[tokio::test]
async fn after_and_limit_page_through_the_feed() {
    let app = feed_app().await;
    let start = last_seq(&app).await;
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        app.create_user(name).await;
    }
    let first = page(&app, &format!("tenant=default&after={start}&limit=2")).await;
    assert_eq!(seqs(&first), [start + 1, start + 2]);
    assert_eq!(first["after"], json!(start + 2));
    let second = page(&app, &format!("tenant=default&after={}&limit=2", start + 2)).await;
    assert_eq!(seqs(&second), [start + 3, start + 4]);
    let rest = page(&app, &format!("tenant=default&after={}", start + 4)).await;
    assert_eq!(seqs(&rest), [start + 5]);
    let none = page(&app, &format!("tenant=default&after={}", start + 5)).await;
    assert!(events(&none).is_empty());
    assert_eq!(
        none["after"],
        json!(start + 5),
        "the request's after comes back"
    );
    // Beyond the maximum is lowered to it, not refused.
    let all = page(&app, &format!("tenant=default&after={start}&limit=5000")).await;
    assert_eq!(events(&all).len(), 5);
}

#[tokio::test]
async fn types_takes_names_and_prefixes_and_refuses_unknown_ones() {
    let app = feed_app().await;
    let ada = app.create_user("ada").await;
    app.create_group("staff", &[]).await;
    deactivate(&app, &ada).await;
    let groups = page(&app, "tenant=default&types=group.*").await;
    assert_eq!(types(&groups), ["group.created"]);
    // The page is not full: `after` moves past the user events the filter left out (seq 3,
    // the deactivation), so the next request does not scan them again.
    assert_eq!(groups["after"], 3);
    let next = page(&app, "tenant=default&types=group.*&after=3").await;
    assert_eq!((events(&next).len(), next["after"].clone()), (0, json!(3)));
    // A full page stops at its last event.
    let one = page(&app, "tenant=default&types=user.*&limit=1").await;
    assert_eq!(one["after"], 1);
    let users = page(&app, "tenant=default&types=user.created,user.deactivated").await;
    assert_eq!(types(&users), ["user.created", "user.deactivated"]);
    let prefixed = page(&app, "tenant=default&types=user.*").await;
    assert_eq!(types(&prefixed), ["user.created", "user.deactivated"]);
    let detail = scim_error(
        feed(&app, "tenant=default&types=user.renamed").await,
        400,
        Some("invalidValue"),
    )
    .await;
    assert!(detail.contains("user.renamed"), "{detail}");
}

#[tokio::test]
async fn tenant_is_required_and_must_exist() {
    let app = feed_app().await;
    let detail = scim_error(feed(&app, "after=0").await, 400, Some("invalidValue")).await;
    assert!(detail.contains("tenant"), "{detail}");
    let detail = scim_error(feed(&app, "tenant=nosuch").await, 404, None).await;
    assert!(detail.contains("nosuch"), "{detail}");
    scim_error(
        feed(&app, "tenant=default&after=-3").await,
        400,
        Some("invalidValue"),
    )
    .await;
    scim_error(
        feed(&app, "tenant=default&wait=soon").await,
        400,
        Some("invalidValue"),
    )
    .await;
}

#[tokio::test]
async fn the_feed_takes_the_admin_token_only() {
    let app = feed_app().await;
    let url = format!("{}/admin/v1/events?tenant=default", app.root());
    let anonymous = app.client.get(&url).send().await.unwrap();
    scim_error(anonymous, 401, None).await;
    let as_tenant = app.client.get(&url).bearer_auth(&app.token).send().await;
    scim_error(as_tenant.unwrap(), 401, None).await;
}

#[tokio::test]
async fn a_tenants_feed_never_holds_another_tenants_events() {
    let app = feed_app().await;
    let mut other = app.second_instance().await;
    other.token = app.token_for("other").await;
    let theirs = other.create_user("theirs").await;
    let ours = app.create_user("ours").await;
    let default = page(&app, "tenant=default").await;
    let other_feed = page(&app, "tenant=other").await;
    let ids = |page: &Value| -> Vec<String> {
        events(page)
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&default), [ours]);
    assert_eq!(ids(&other_feed), [theirs]);
    assert!(events(&other_feed).iter().all(|e| e["tenant"] == "other"));
    // Each tenant counts its own seq.
    assert_eq!(seqs(&default), seqs(&other_feed));
}

#[tokio::test]
async fn a_waiting_request_answers_within_a_second_of_the_write() {
    let app = feed_app().await;
    let start = last_seq(&app).await;
    let query = format!("tenant=default&after={start}&wait=5s");
    let waiting = feed(&app, &query);
    let write = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let id = app.create_user("late").await;
        (id, Instant::now())
    };
    let (response, (id, written)) = tokio::join!(
        async {
            let r = waiting.await;
            let answered = Instant::now();
            (json_ok(r).await, answered)
        },
        write
    );
    let (page, answered) = response;
    assert_eq!(types(&page), ["user.created"]);
    assert_eq!(events(&page)[0]["resource"]["id"], json!(id));
    let late = answered.saturating_duration_since(written);
    assert!(
        late < Duration::from_secs(1),
        "answered {late:?} after the write"
    );
}

#[tokio::test]
async fn a_wait_that_expires_answers_an_empty_list() {
    let app = feed_app().await;
    let start = last_seq(&app).await;
    let asked = Instant::now();
    let page = page(&app, &format!("tenant=default&after={start}&wait=1s")).await;
    let took = asked.elapsed();
    assert!(events(&page).is_empty());
    assert_eq!(page["after"], json!(start));
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_waiting_request_sees_another_instances_write_within_a_second() {
    let app = feed_app().await;
    let other = app.second_instance().await;
    let start = last_seq(&app).await;
    let query = format!("tenant=default&after={start}&wait=5s");
    let waiting = feed(&app, &query);
    let write = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let id = other.create_user("elsewhere").await;
        (id, Instant::now())
    };
    let ((page, answered), (id, written)) = tokio::join!(
        async {
            let r = waiting.await;
            let answered = Instant::now();
            (json_ok(r).await, answered)
        },
        write
    );
    assert_eq!(events(&page)[0]["resource"]["id"], json!(id));
    let late = answered.saturating_duration_since(written);
    assert!(
        late < Duration::from_secs(1),
        "answered {late:?} after the write"
    );
}

#[tokio::test]
async fn after_an_event_past_retention_is_410_with_how_to_resynchronise() {
    let app = feed_app().await;
    let start = last_seq(&app).await;
    app.create_user("a").await;
    app.create_user("b").await;
    let removed = app
        .store
        .events()
        .prune(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(removed >= 2, "{removed}");
    let last = start + 2;
    let detail = scim_error(
        feed(&app, &format!("tenant=default&after={}", start + 1)).await,
        410,
        None,
    )
    .await;
    assert!(detail.contains("GET /scim/v2/Users"), "{detail}");
    assert!(detail.contains("/scim/v2/Groups"), "{detail}");
    assert!(detail.contains(&format!("after={last}")), "{detail}");
    // From where the detail says, the feed goes on.
    let app_page = page(&app, &format!("tenant=default&after={last}")).await;
    assert!(events(&app_page).is_empty());
    app.create_user("c").await;
    let next = page(&app, &format!("tenant=default&after={last}")).await;
    assert_eq!(seqs(&next), [last + 1]);
}

#[tokio::test]
async fn the_background_worker_prunes_past_retention() {
    let app = spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
        s.background.event_retention = Duration::from_millis(500);
        s.background.prune_interval = Duration::from_millis(100);
    })
    .await;
    app.create_user("a").await;
    app.create_user("b").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = feed(&app, "tenant=default&after=1").await;
        if r.status() == StatusCode::GONE {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not pruned: {:?}",
            r.text().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn scimd_events_json_prints_the_envelopes_the_api_answers() {
    let app = feed_app().await;
    let ada = app.create_user("ada").await;
    app.create_group("staff", &[]).await;
    deactivate(&app, &ada).await;
    let api = feed(&app, "tenant=default").await.text().await.unwrap();
    let out = scimd(&app.db, &["events", "--tenant", "default", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let answered: Value = serde_json::from_str(&api).unwrap();
    assert_eq!(lines.len(), events(&answered).len());
    for (line, event) in lines.iter().zip(events(&answered)) {
        assert!(api.contains(line), "the API embeds the same bytes: {line}");
        assert_eq!(&serde_json::from_str::<Value>(line).unwrap(), event);
    }
    let readable = stdout(&scimd(&app.db, &["events", "--tenant", "default"]));
    assert_eq!(readable.lines().count(), lines.len());
    assert!(readable.contains("user.deactivated"), "{readable}");
    assert!(readable.contains("ada"), "{readable}");
    let filtered = stdout(&scimd(
        &app.db,
        &[
            "events", "--tenant", "default", "--types", "group.*", "--json",
        ],
    ));
    assert_eq!(filtered.lines().count(), 1, "{filtered}");
    let out = scimd(&app.db, &["events", "--tenant", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn scimd_events_after_a_pruned_event_fails_with_how_to_resynchronise() {
    let app = feed_app().await;
    app.create_user("a").await;
    app.create_user("b").await;
    app.store
        .events()
        .prune(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    let out = scimd(&app.db, &["events", "--tenant", "default", "--after", "1"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(
        err.contains("/scim/v2/Users") && err.contains("--after 2"),
        "{err}"
    );
}

#[tokio::test]
async fn scimd_events_follow_prints_events_written_after_it_started() {
    let app = feed_app().await;
    app.create_user("before").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(["events", "--tenant", "default", "--follow", "--json"])
        .args(["--database-url", &app.db.url])
        .env_remove("SCIMD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if lines.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let next = || {
        received
            .recv_timeout(Duration::from_secs(15))
            .expect("a line within 15 s")
    };
    let first: Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(first["data"]["userName"], "before");
    let id = app.create_user("after").await;
    let second: Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(second["resource"]["id"], json!(id));
    assert_eq!(second["data"]["userName"], "after");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM ends --follow with 0");
}

#[tokio::test]
async fn sigterm_answers_a_waiting_long_poll_at_once_and_the_server_stops() {
    let db = TestDb::new().await;
    let port = crate::cli::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .env("SCIMD_DATABASE_URL", &db.url)
        .env("SCIMD_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIMD_ADMIN_TOKEN", ADMIN_TOKEN)
        .env_remove("SCIMD_BOOTSTRAP_TOKEN")
        .env("SCIMD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first line is printed once the server listens.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("SCIM base URL"));
    let url = format!("http://127.0.0.1:{port}/admin/v1/events?tenant=default&wait=30s");
    let poll = tokio::spawn(async move {
        client()
            .get(url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
    });
    // The poll is waiting (nothing has been written) when the signal arrives.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !poll.is_finished(),
        "the long-poll answered before its wait"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("the long-poll is answered after SIGTERM")
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["events"], json!([]), "{answer}");
    let status = crate::cli::exited(&mut child).await;
    assert!(status.success(), "exit status {status:?}");
    // Without the early answer the graceful stop waits out its 5 s for the poll.
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "stopped {:?} after SIGTERM",
        signalled.elapsed()
    );
}

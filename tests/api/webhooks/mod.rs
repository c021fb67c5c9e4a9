//! Webhook delivery against a real receiver on 127.0.0.1: Standard Webhooks signatures,
//! order per endpoint and tenant, retries with Retry-After, 410, SSRF refusals, redirects,
//! rotation, replay, two instances on one database, a server stopped mid-delivery.
mod receiver;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use scimd::store::TenantRecord;
use scimd::worker::delivery::ALLOW_PRIVATE;
use serde_json::{Value, json};

use crate::helpers::*;
use receiver::{Receiver, Reply, free_port};

const ADMIN_TOKEN: &str = "webhooks-admin-token-0123456789";

async fn tenant(app: &TestApp, name: &str) -> TenantRecord {
    app.store.tenants().find(name).await.unwrap().unwrap()
}

/// Registers `url` for tenant `default`'s events; returns (id, secret).
async fn add(app: &TestApp, url: &str) -> (String, String) {
    let t = tenant(app, "default").await;
    let (record, secret) = app.store.webhooks().add(url, Some(&t), "").await.unwrap();
    (record.id, secret)
}

/// Tenant `default`'s stored envelopes, oldest first.
async fn envelopes(app: &TestApp) -> Vec<String> {
    let t = tenant(app, "default").await;
    let page = app
        .store
        .events()
        .after(t.id, 0, 1000, &Default::default())
        .await
        .unwrap();
    page.events.into_iter().map(|e| e.envelope).collect()
}

fn verify(secret: &str, delivery: &receiver::Delivery) {
    let webhook = standardwebhooks::Webhook::new(secret).unwrap();
    webhook
        .verify(delivery.body.as_bytes(), &delivery.headers)
        .unwrap_or_else(|e| panic!("signature does not verify: {e:?} ({delivery:?})"));
}

/// Waits (up to 20 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn deliveries_are_standard_webhooks_signed_over_the_stored_bytes_in_seq_order() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add(&app, &receiver.url()).await;
    let started = Instant::now();
    let alice = app.create_user("alice").await;
    let first = receiver.wait_accepted(1).await;
    assert!(
        first[0].at - started < Duration::from_secs(2),
        "the first event arrived {:?} after its commit",
        first[0].at - started
    );
    app.create_user("bob").await;
    app.create_group("staff", &[&alice]).await;
    let stored = envelopes(&app).await;
    let got = receiver.wait_accepted(stored.len()).await;
    assert_eq!(got.len(), stored.len(), "one POST per event");
    for (delivery, envelope) in got.iter().zip(&stored) {
        assert_eq!(
            &delivery.body, envelope,
            "the body is the stored envelope, byte for byte"
        );
        let parsed: Value = serde_json::from_str(envelope).unwrap();
        assert_eq!(
            delivery.id,
            parsed["id"].as_str().unwrap(),
            "webhook-id is the event id"
        );
        assert_eq!(delivery.content_type, "application/json");
        assert!(
            delivery.signature.starts_with("v1,"),
            "{}",
            delivery.signature
        );
        assert!(
            !delivery.signature.contains(' '),
            "one secret, one signature"
        );
        let ts: i64 = delivery.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        verify(&secret, delivery);
    }
    let seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>());
    let metrics = app
        .client
        .get(format!("{}/metrics", app.root()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"scimd_webhook_attempts_total{outcome="delivered"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("scimd_webhook_backlog_events "),
        "{metrics}"
    );
    assert!(
        metrics.contains("scimd_webhook_oldest_undelivered_seconds "),
        "{metrics}"
    );
    let wrong = scimd::store::webhooks::new_secret().unwrap();
    assert!(
        standardwebhooks::Webhook::new(&wrong)
            .unwrap()
            .verify(got[0].body.as_bytes(), &got[0].headers)
            .is_err()
    );
}

#[tokio::test]
async fn an_endpoint_down_then_503_with_retry_after_then_up_gets_every_event_in_order() {
    let app = spawn_app().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (id, secret) = add(&app, &url).await;
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        app.create_user(name).await;
    }
    // Down: connections are refused, and each attempt is recorded.
    eventually("two failed attempts are recorded", || async {
        app.store.webhooks().attempts(&id, 10).await.unwrap().len() >= 2
    })
    .await;
    let failed = app.store.webhooks().attempts(&id, 10).await.unwrap();
    assert!(
        failed.iter().all(|a| a.outcome == "failed" && a.seq == 1),
        "{failed:?}"
    );
    assert!(
        failed[0].error.is_some() && failed[0].status_code.is_none(),
        "{failed:?}"
    );
    let listed = app.store.webhooks().get(&id).await.unwrap();
    assert!(listed.failing_since.is_some(), "{listed:?}");
    // Up, but overloaded twice.
    let receiver = Receiver::start_on(port).await;
    receiver.script([Reply::RetryAfter(503, 1), Reply::RetryAfter(503, 1)]);
    let got = receiver.wait_accepted(5).await;
    let seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4, 5],
        "every event, in order, none twice accepted"
    );
    let all = receiver.got();
    assert_eq!(all.len(), 7, "two 503s, then five deliveries");
    assert!(
        all[..3].iter().all(|d| d.id == all[0].id && d.seq() == 1),
        "a retry is the same event with the same webhook-id"
    );
    let waited = all[1].at - all[0].at;
    assert!(
        waited >= Duration::from_millis(900),
        "Retry-After: 1 honoured, waited {waited:?}"
    );
    for d in &all {
        verify(&secret, d);
    }
    // Deliveries are recorded in runs, a moment after the answers.
    eventually("the deliveries are recorded", || async {
        let healthy = app.store.webhooks().get(&id).await.unwrap();
        healthy
            .last_attempt
            .is_some_and(|a| a.outcome == "delivered" && a.seq == 5)
    })
    .await;
    let healthy = app.store.webhooks().get(&id).await.unwrap();
    assert_eq!(healthy.failing_since, None, "a success ends `failing`");
}

#[tokio::test]
async fn events_pruned_while_the_endpoint_was_down_are_recorded_as_pruned_and_delivery_goes_on() {
    let app = spawn_app().await;
    let port = free_port();
    let (id, _) = add(&app, &format!("http://127.0.0.1:{port}/hook")).await;
    for name in ["u1", "u2", "u3"] {
        app.create_user(name).await;
    }
    eventually("a failed attempt is recorded", || async {
        !app.store
            .webhooks()
            .attempts(&id, 10)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    // Retention deletes the three undelivered events while the receiver is down.
    let gone = app
        .store
        .events()
        .prune(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(gone, 3);
    let receiver = Receiver::start_on(port).await;
    app.create_user("u4").await;
    let got = receiver.wait_accepted(1).await;
    assert_eq!(
        got[0].seq(),
        4,
        "delivery goes on with the first retained event"
    );
    eventually("the gap is recorded", || async {
        app.store
            .webhooks()
            .attempts(&id, 20)
            .await
            .unwrap()
            .iter()
            .any(|a| a.outcome == "pruned")
    })
    .await;
    let attempts = app.store.webhooks().attempts(&id, 20).await.unwrap();
    let gap = attempts.iter().find(|a| a.outcome == "pruned").unwrap();
    assert_eq!(gap.seq, 3);
    let error = gap.error.as_deref().unwrap();
    assert!(
        error.contains("events 1..3") && error.contains("SCIMD_EVENT_RETENTION"),
        "{error}"
    );
    assert_eq!(
        attempts.iter().filter(|a| a.outcome == "pruned").count(),
        1,
        "one record for the gap: {attempts:?}"
    );
}

#[tokio::test]
async fn an_event_is_given_up_after_the_last_retry_and_the_next_one_is_sent() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (id, _) = add(&app, &receiver.url()).await;
    // The test schedule has 8 retries: 9 attempts in all.
    receiver.script(std::iter::repeat_n(Reply::Status(500), 9));
    app.create_user("doomed").await;
    app.create_user("next").await;
    let got = receiver.wait_accepted(1).await;
    assert_eq!(got[0].seq(), 2);
    eventually("the delivery is recorded", || async {
        app.store.webhooks().attempts(&id, 20).await.unwrap().len() == 10
    })
    .await;
    let attempts = app.store.webhooks().attempts(&id, 20).await.unwrap();
    let outcomes: Vec<&str> = attempts.iter().rev().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes.len(), 10, "{outcomes:?}");
    assert_eq!(outcomes[8], "given_up");
    assert_eq!(outcomes[9], "delivered");
    assert_eq!(attempts[1].status_code, Some(500));
}

#[tokio::test]
async fn a_410_disables_the_endpoint_and_list_says_why() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (id, _) = add(&app, &receiver.url()).await;
    receiver.script([Reply::Status(410)]);
    app.create_user("alice").await;
    eventually("the endpoint is disabled", || async {
        app.store
            .webhooks()
            .get(&id)
            .await
            .unwrap()
            .disabled_at
            .is_some()
    })
    .await;
    let record = app.store.webhooks().get(&id).await.unwrap();
    assert!(record.disabled_reason.unwrap().contains("410"));
    app.create_user("bob").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        receiver.got().len(),
        1,
        "nothing is sent to a disabled endpoint"
    );
    // `scimd webhook enable`: delivery resumes with the event the receiver refused.
    let out = crate::cli::scimd(&app.db, &["webhook", "enable", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(crate::cli::stdout(&out).trim(), format!("enabled {id}"));
    let accepted = receiver.wait_accepted(2).await;
    let first = receiver.got()[0].clone();
    assert_eq!(
        accepted[0].id, first.id,
        "the refused event comes again first"
    );
    assert_ne!(accepted[1].id, first.id);
    let record = app.store.webhooks().get(&id).await.unwrap();
    assert!(record.disabled_at.is_none() && record.disabled_reason.is_none());
    let out = crate::cli::scimd(&app.db, &["webhook", "enable", "no-such-endpoint"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    let (id, _) = add(&app, &receiver.url()).await;
    receiver.script([Reply::Redirect(elsewhere.url())]);
    app.create_user("alice").await;
    receiver.wait_accepted(1).await;
    assert!(elsewhere.got().is_empty(), "the redirect was followed");
    let attempts = app.store.webhooks().attempts(&id, 10).await.unwrap();
    let first = attempts.last().unwrap();
    assert_eq!(first.status_code, Some(302));
    assert_eq!(first.outcome, "failed");
    assert!(
        first
            .error
            .as_deref()
            .unwrap()
            .contains("redirects are not followed")
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (id, old) = add(&app, &receiver.url()).await;
    let new = app.store.webhooks().rotate_secret(&id).await.unwrap();
    assert_ne!(old, new);
    assert!(new.starts_with("whsec_"));
    app.create_user("alice").await;
    let got = receiver.wait_accepted(1).await;
    assert_eq!(
        got[0].signature.split(' ').count(),
        2,
        "{}",
        got[0].signature
    );
    verify(&old, &got[0]);
    verify(&new, &got[0]);
    let record = app.store.webhooks().get(&id).await.unwrap();
    assert!(
        record.previous_secret_expires_at.unwrap()
            > chrono::Utc::now() + chrono::Duration::hours(23)
    );
}

#[tokio::test]
async fn replay_sends_a_tenants_events_again_from_a_seq() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (id, _) = add(&app, &receiver.url()).await;
    for name in ["a", "b", "c"] {
        app.create_user(name).await;
    }
    let first = receiver.wait_accepted(3).await;
    let t = tenant(&app, "default").await;
    app.store.webhooks().replay(&id, &t, 2).await.unwrap();
    let got = receiver.wait_accepted(5).await;
    let seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 2, 3]);
    assert_eq!(
        got[3].id, first[1].id,
        "a replayed event keeps its webhook-id"
    );
}

#[tokio::test]
async fn an_endpoint_receives_only_events_after_it_was_added_and_of_its_types() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let before = app.create_user("before").await;
    let t = tenant(&app, "default").await;
    let (record, _) = app
        .store
        .webhooks()
        .add(&receiver.url(), Some(&t), "group.*")
        .await
        .unwrap();
    assert_eq!(record.event_types, "group.*");
    app.create_user("after").await;
    app.create_group("staff", &[&before]).await;
    let got = receiver.wait_accepted(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let types: Vec<String> = receiver
        .got()
        .iter()
        .map(|d| {
            serde_json::from_str::<Value>(&d.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        vec!["group.created", "group.member_added"]
            .into_iter()
            .take(types.len())
            .collect::<Vec<_>>()
    );
    assert!(
        got.iter().all(|d| d.seq() > 1),
        "the event before the endpoint is not sent"
    );
}

#[tokio::test]
async fn an_all_tenant_endpoint_receives_tenants_created_later_which_do_not_wait_for_each_other() {
    let app = spawn_app().await;
    let slow = Receiver::start().await;
    let receiver = Receiver::start().await;
    let (_, _) = app
        .store
        .webhooks()
        .add(&receiver.url(), None, "")
        .await
        .unwrap();
    let newcomer = app.token_for("newcomer").await;
    let r = app
        .client
        .post(format!("{}/Users", app.base()))
        .bearer_auth(&newcomer)
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [USER_URN], "userName": "n1"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    app.create_user("d1").await;
    let got = receiver.wait_accepted(2).await;
    let tenants: std::collections::BTreeSet<String> = got
        .iter()
        .map(|d| {
            serde_json::from_str::<Value>(&d.body).unwrap()["tenant"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        tenants.into_iter().collect::<Vec<_>>(),
        vec!["default", "newcomer"]
    );
    drop(slow);
}

#[tokio::test]
async fn private_destinations_are_refused_without_the_setting_when_added_and_when_connecting() {
    let app = spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
        s.api.webhook_allow_private = false;
        s.background.delivery.allow_private = false;
    })
    .await;
    let admin = |method: Method, path: &str| {
        app.client
            .request(method, format!("{}/admin/v1{path}", app.root()))
            .bearer_auth(ADMIN_TOKEN)
    };
    for url in [
        "https://127.0.0.1:9/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/",
        "http://hooks.example.com/",
    ] {
        let r = admin(Method::POST, "/webhooks")
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        let detail = scim_error(r, 400, Some("invalidValue")).await;
        assert!(detail.contains(ALLOW_PRIVATE), "{url}: {detail}");
    }
    // A host name is checked when connecting: `localhost` resolves to loopback.
    let receiver = Receiver::start().await;
    let (id, _) = add(&app, &format!("https://localhost:{}/hook", receiver.port)).await;
    app.create_user("alice").await;
    eventually("the refusal is recorded", || async {
        !app.store
            .webhooks()
            .attempts(&id, 1)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let attempt = app
        .store
        .webhooks()
        .attempts(&id, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(attempt.outcome, "failed");
    assert!(
        attempt.error.as_deref().unwrap().contains(ALLOW_PRIVATE),
        "{attempt:?}"
    );
    assert!(receiver.got().is_empty());
}

#[tokio::test]
async fn the_admin_api_manages_endpoints_and_shows_the_secret_once() {
    let app =
        spawn_app_with(|s| s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN)))
            .await;
    let admin = |method: Method, path: &str| {
        app.client
            .request(method, format!("{}/admin/v1{path}", app.root()))
            .bearer_auth(ADMIN_TOKEN)
    };
    let receiver = Receiver::start().await;
    let r = admin(Method::POST, "/webhooks")
        .json(&json!({"url": receiver.url(), "tenant": "default", "events": ["user.*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let created = json_status(r, StatusCode::CREATED).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["state"], "active");
    assert_eq!(created["events"], json!(["user.*"]));
    let r = admin(Method::POST, "/webhooks")
        .json(&json!({"url": receiver.url(), "events": ["user.creatd"]}))
        .send()
        .await
        .unwrap();
    scim_error(r, 400, Some("invalidValue")).await;

    app.create_user("alice").await;
    let got = receiver.wait_accepted(1).await;
    verify(&secret, &got[0]);
    let listed = json_ok(admin(Method::GET, "/webhooks").send().await.unwrap()).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("secret").is_none(),
        "a list never shows the secret: {listed}"
    );
    eventually("the attempt is listed", || async {
        let one = json_ok(
            admin(Method::GET, &format!("/webhooks/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        one["lastAttempt"]["outcome"] == "delivered"
    })
    .await;
    let attempts = json_ok(
        admin(Method::GET, &format!("/webhooks/{id}/attempts?limit=5"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(attempts[0]["status"], 204);
    assert_eq!(attempts[0]["seq"], 1);

    let rotated = json_ok(
        admin(Method::POST, &format!("/webhooks/{id}/rotate-secret"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_ne!(rotated["secret"], json!(secret));
    assert!(rotated["previousSecretExpires"].is_string());
    // Enabling an endpoint that is not disabled leaves it as it is.
    let enabled = json_ok(
        admin(Method::POST, &format!("/webhooks/{id}/enable"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(enabled["id"], json!(id));
    assert!(enabled.get("secret").is_none());
    let r = admin(Method::POST, "/webhooks/nope/enable")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = admin(Method::POST, &format!("/webhooks/{id}/replay"))
        .json(&json!({"tenant": "default", "fromSeq": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let again = receiver.wait_accepted(2).await;
    assert_eq!(again[1].id, again[0].id);
    assert_eq!(again[1].signature.split(' ').count(), 2);

    let r = admin(Method::DELETE, &format!("/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = admin(Method::GET, &format!("/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    scim_error(r, 404, None).await;
}

#[tokio::test]
async fn the_cli_adds_lists_rotates_and_removes_endpoints() {
    use crate::cli::{scimd, stdout};
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let out = scimd(
        &app.db,
        &[
            "webhook",
            "add",
            "--url",
            &receiver.url(),
            "--tenant",
            "default",
            "--allow-private",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let (id, secret) = (lines[0], lines[1]);
    assert!(secret.starts_with("whsec_"));
    app.create_user("alice").await;
    let got = receiver.wait_accepted(1).await;
    verify(secret, &got[0]);

    let out = scimd(
        &app.db,
        &["webhook", "add", "--url", "https://10.0.0.1/hook"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(ALLOW_PRIVATE));

    let out = scimd(&app.db, &["webhook", "list", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["tenant"], "default");
    assert!(
        !stdout(&out).contains(secret),
        "list never prints the secret"
    );
    let out = scimd(&app.db, &["webhook", "list"]);
    assert!(stdout(&out).contains(id), "{}", stdout(&out));

    let out = scimd(&app.db, &["webhook", "rotate-secret", id]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).trim().starts_with("whsec_"));
    let out = scimd(
        &app.db,
        &[
            "webhook",
            "replay",
            id,
            "--tenant",
            "default",
            "--from-seq",
            "1",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    receiver.wait_accepted(2).await;
    eventually("both deliveries are recorded", || async {
        app.store.webhooks().attempts(id, 10).await.unwrap().len() >= 2
    })
    .await;
    let out = scimd(&app.db, &["webhook", "attempts", id, "--json"]);
    let attempts: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(attempts.as_array().unwrap().len() >= 2, "{attempts}");
    let out = scimd(&app.db, &["webhook", "remove", id]);
    assert!(out.status.success(), "{out:?}");
    let out = scimd(&app.db, &["webhook", "remove", id]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn two_instances_on_one_database_never_send_a_pairs_events_concurrently_or_out_of_order() {
    let app = spawn_app().await;
    let other = app.second_instance().await;
    let receiver = Receiver::start().await;
    receiver.delay_each(Duration::from_millis(30));
    add(&app, &receiver.url()).await;
    for i in 0..20 {
        let on = if i % 2 == 0 { &app } else { &other };
        on.create_user(&format!("user{i}")).await;
    }
    let got = receiver.wait_accepted(20).await;
    let seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>(), "in order, each once");
    assert_eq!(
        receiver.max_in_flight(),
        1,
        "two events of one pair were in flight at once"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 20, "nothing sent twice");
}

#[tokio::test]
async fn a_server_stopped_mid_delivery_leaves_nothing_committed_undelivered() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    add(&app, &receiver.url()).await;
    receiver.script([Reply::Hang(Duration::from_secs(3))]);
    for name in ["a", "b", "c", "d"] {
        app.create_user(name).await;
    }
    eventually("the first delivery is in flight", || async {
        receiver.max_in_flight() == 1
    })
    .await;
    // Stopped while the first POST is in flight: its answer never reaches this server.
    app.stop().await;
    let next = app.second_instance().await;
    let got = receiver.wait_accepted(4).await;
    let mut seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    seqs.dedup();
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4],
        "every committed event arrives, in order"
    );
    drop(next);
}

#[tokio::test]
async fn after_a_kill_9_mid_delivery_another_server_delivers_everything_committed() {
    use crate::secrets::process::Server;
    const TOKEN: &str = "webhooks-crash-bootstrap-token-0123456789";
    let db = TestDb::new().await;
    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", db.url.as_str()),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
        ("SCIMD_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("SCIMD_WEBHOOK_RETRY_SCHEDULE", "100ms,100ms,100ms"),
        ("SCIMD_RATE_LIMIT", "0"),
        ("SCIMD_LOG", "warn"),
    ]);
    let receiver = Receiver::start().await;
    receiver.script([Reply::Hang(Duration::from_secs(60))]);
    let out = crate::cli::scimd(
        &db,
        &[
            "webhook",
            "add",
            "--url",
            &receiver.url(),
            "--allow-private",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    for name in ["a", "b", "c", "d"] {
        let r = client()
            .post(format!("{}/Users", server.base))
            .bearer_auth(TOKEN)
            .json(&json!({"schemas": [USER_URN], "userName": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    eventually("the first delivery is in flight", || async {
        receiver.max_in_flight() == 1
    })
    .await;
    // SIGKILL while the first POST waits for its answer: the lease stays behind, unreleased.
    server.crash();
    let next = start(
        TestDb::attach(&db.url),
        settings(&db, TOKEN),
        TOKEN.to_owned(),
    )
    .await;
    // The dead process's lease (30 s) runs out, then the new one takes the pair over.
    let got = receiver
        .wait_accepted_within(4, Duration::from_secs(50))
        .await;
    let seqs: Vec<i64> = got.iter().map(|d| d.seq()).collect();
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4],
        "every committed event arrives, in order"
    );
    drop(next);
}

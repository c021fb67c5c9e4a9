//! JWT trusts whose JWKS scimd fetches from a URL (`jwksUrl`, `scimd jwt add --jwks-url`): the
//! issuer's rotation is followed through an unknown kid and the interval, the last good keys
//! survive a failing issuer, every instance on the database verifies with one fetch, and a URL
//! that cannot be used is an error when the trust is added.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use reqwest::{Method, StatusCode};
use scimd::store::TrustInfo;
use serde_json::{Value, json};

use crate::credentials_cli::{one_line_error, scimd};
use crate::helpers::*;
use crate::jwt::{ENTRA_AUD, ENTRA_ISS, claims, fixture, sign};

const ADMIN_TOKEN: &str = "admin-token-for-jwks-tests-0123456789";

/// What the test JWKS endpoint answers.
#[derive(Clone)]
enum Answer {
    Json(String),
    Status(u16),
    Redirect,
    Down,
}

/// A JWKS endpoint on 127.0.0.1 in a thread of its own, answering what the test says and
/// counting the requests it answers.
struct JwksServer {
    url: String,
    address: SocketAddr,
    answer: Arc<Mutex<Answer>>,
    hits: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl JwksServer {
    fn start(body: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let answer = Arc::new(Mutex::new(Answer::Json(body.to_owned())));
        let hits = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (answer, hits) = (answer.clone(), hits.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let current = answer.lock().unwrap().clone();
                    if matches!(current, Answer::Down) {
                        break; // the listener closes: connections are refused from now on
                    }
                    if let Ok(stream) = stream {
                        hits.fetch_add(1, Ordering::SeqCst);
                        respond(stream, current);
                    }
                }
            })
        };
        Self {
            url: format!("http://{address}/discovery/v2.0/keys"),
            address,
            answer,
            hits,
            thread: Some(thread),
        }
    }

    fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn serve(&self, body: &str) {
        self.set(Answer::Json(body.to_owned()));
    }

    /// Stops listening, so that fetches fail to connect.
    fn go_down(&mut self) {
        self.set(Answer::Down);
        let _ = TcpStream::connect(self.address); // wakes the accept
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.go_down();
        }
    }
}

fn respond(mut stream: TcpStream, answer: Answer) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let (status, extra, body) = match answer {
        Answer::Json(body) => ("200 OK".to_owned(), "", body),
        Answer::Status(code) => (format!("{code} Oops"), "", "{}".to_owned()),
        Answer::Redirect => (
            "302 Found".to_owned(),
            "Location: https://login.example/keys\r\n",
            String::new(),
        ),
        Answer::Down => return,
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The fixture JWKS with test-rsa-1 only; `jwks_rotated.json` has test-rsa-2 only.
fn first_key_only() -> String {
    let mut set: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    set["keys"].as_array_mut().unwrap().truncate(1);
    set.to_string()
}

async fn admin_app_with(adjust: impl FnOnce(&mut scimd::startup::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
        adjust(s);
    })
    .await
}

/// `POST /admin/v1/jwt-trusts` with `jwksUrl` for tenant `default`.
async fn add_by_url(app: &TestApp, url: &str) -> reqwest::Response {
    app.client
        .request(Method::POST, format!("{}/admin/v1/jwt-trusts", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .json(
            &json!({"tenant": "default", "issuer": ENTRA_ISS, "audience": ENTRA_AUD,
            "jwksUrl": url}),
        )
        .send()
        .await
        .unwrap()
}

async fn trust_by_url(app: &TestApp, url: &str) -> Value {
    json_status(add_by_url(app, url).await, StatusCode::CREATED).await
}

fn token(kid: &str) -> String {
    sign(Algorithm::RS256, Some(kid), &claims(json!({})))
}

async fn get_users(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn accepted(app: &TestApp, token: &str) {
    let r = get_users(app, token).await;
    let status = r.status();
    assert_eq!(status, StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn refused(app: &TestApp, token: &str, expected: &str) {
    let detail = scim_error(get_users(app, token).await, 401, None).await;
    assert!(detail.contains(expected), "{detail:?} lacks {expected:?}");
}

async fn stored(app: &TestApp) -> TrustInfo {
    let mut trusts = app.store.jwt_trusts().list(None).await.unwrap();
    assert_eq!(trusts.len(), 1);
    trusts.remove(0)
}

/// Polls the stored trust until `done` holds (the worker runs on its own time), for 15 s at most.
async fn until(app: &TestApp, what: &str, done: impl Fn(&TrustInfo) -> bool) -> TrustInfo {
    let start = Instant::now();
    loop {
        let trust = stored(app).await;
        if done(&trust) {
            return trust;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "waited in vain for {what}: {trust:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_rotated_set_once_for_every_instance() {
    let issuer = JwksServer::start(&first_key_only());
    let app = admin_app_with(|_| {}).await;
    let second = app.second_instance().await;
    let added = trust_by_url(&app, &issuer.url).await;
    assert_eq!(added["jwksUrl"], issuer.url.as_str());
    assert_eq!(added["keyKind"], "jwks");
    assert_eq!(added["keyIds"], json!(["test-rsa-1"]));
    assert!(added["fetched"].is_string(), "{added}");
    assert_eq!(added["fetchError"], Value::Null);
    assert_eq!(issuer.hits(), 1);
    accepted(&app, &token("test-rsa-1")).await;

    // The issuer retires test-rsa-1 and signs with test-rsa-2, unknown to scimd so far.
    issuer.serve(&fixture("jwks_rotated.json"));
    accepted(&app, &token("test-rsa-2")).await;
    assert_eq!(issuer.hits(), 2, "the unknown kid fetched the set once");
    // The other instance reads the stored set: no fetch of its own.
    accepted(&second, &token("test-rsa-2")).await;
    assert_eq!(issuer.hits(), 2);
    let trust = stored(&app).await;
    assert_eq!(trust.key_ids, ["test-rsa-2"]);
    // The retired key is gone, and a fetch within the minute is not repeated for it.
    for instance in [&app, &second] {
        refused(instance, &token("test-rsa-1"), "retry shortly").await;
    }
    assert_eq!(issuer.hits(), 2);
}

#[tokio::test]
async fn unknown_kids_fetch_a_trusts_set_at_most_once_a_minute() {
    let issuer = JwksServer::start(&fixture("jwks.json"));
    let app = admin_app_with(|_| {}).await;
    let second = app.second_instance().await;
    trust_by_url(&app, &issuer.url).await;
    refused(&app, &token("nobody"), "not even as fetched again").await;
    assert_eq!(issuer.hits(), 2);
    for instance in [&app, &second, &app] {
        refused(instance, &token("nobody-else"), "retry shortly").await;
    }
    assert_eq!(issuer.hits(), 2, "one fetch per trust per minute");
    accepted(&second, &token("test-rsa-1")).await;
}

#[tokio::test]
async fn the_interval_refresh_picks_up_rotated_keys_without_a_token_asking() {
    let issuer = JwksServer::start(&first_key_only());
    let app = admin_app_with(|s| s.background.jwks_refresh = Duration::from_secs(1)).await;
    trust_by_url(&app, &issuer.url).await;
    let added = stored(&app).await;
    issuer.serve(&fixture("jwks_rotated.json"));
    let refreshed = until(&app, "the rotated keys", |t| t.key_ids == ["test-rsa-2"]).await;
    assert!(refreshed.fetched_at > added.fetched_at);
    assert!(refreshed.updated_at > added.updated_at, "the key changed");
    accepted(&app, &token("test-rsa-2")).await;
    // Unchanged keys are fetched again, but the trust's key did not change.
    let later = until(&app, "a later fetch", |t| {
        t.fetched_at > refreshed.fetched_at
    })
    .await;
    assert_eq!(later.updated_at, refreshed.updated_at);
}

#[tokio::test]
async fn a_failing_issuer_leaves_the_last_good_keys_in_use() {
    let mut issuer = JwksServer::start(&fixture("jwks.json"));
    let app = admin_app_with(|s| s.background.jwks_refresh = Duration::from_secs(1)).await;
    trust_by_url(&app, &issuer.url).await;
    let failures = [
        (Answer::Status(503), "answered 503, not 200"),
        (Answer::Json("<html>".into()), "not a JSON object"),
        (
            Answer::Json(fixture("jwks.json").replace("RSA", "oct")),
            "no signing key with a kid usable with RS256",
        ),
        (Answer::Redirect, "redirects are not followed"),
    ];
    for (answer, reason) in failures {
        issuer.set(answer);
        let failed = until(&app, reason, |t| {
            t.fetch_error.as_deref().is_some_and(|e| e.contains(reason))
        })
        .await;
        assert_eq!(failed.key_ids, ["test-rsa-1", "test-rsa-2"], "{reason}");
        accepted(&app, &token("test-rsa-1")).await;
    }
    issuer.serve(&fixture("jwks.json"));
    until(&app, "a good fetch", |t| t.fetch_error.is_none()).await;

    issuer.go_down();
    let down = until(&app, "a failed connection", |t| {
        t.fetch_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot connect"))
    })
    .await;
    assert_eq!(down.key_ids, ["test-rsa-1", "test-rsa-2"]);
    accepted(&app, &token("test-rsa-2")).await;
    // An unknown kid while the issuer is down: refused, and the good keys stay.
    let detail = scim_error(get_users(&app, &token("new-key")).await, 401, None).await;
    assert!(detail.contains("is not in the trust's JWKS"), "{detail}");
    accepted(&app, &token("test-rsa-1")).await;
}

#[tokio::test]
async fn a_url_that_cannot_be_used_is_a_clear_error_when_adding() {
    let issuer = JwksServer::start("{}");
    let app = admin_app_with(|_| {}).await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/keys", listener.local_addr().unwrap())
    };
    let not_text = "x".repeat(300 * 1024);
    let cases = [
        (None, closed.as_str(), "cannot connect"),
        (None, "http://idp.example.com/keys", "must use https"),
        (None, "not a url", "is not a URL"),
        (
            Some(Answer::Status(404)),
            issuer.url.as_str(),
            "answered 404",
        ),
        (
            Some(Answer::Redirect),
            issuer.url.as_str(),
            "redirects are not followed",
        ),
        (
            Some(Answer::Json(r#"{"keys": []}"#.into())),
            issuer.url.as_str(),
            "no signing key",
        ),
        (
            Some(Answer::Json(not_text)),
            issuer.url.as_str(),
            "larger than",
        ),
    ];
    for (answer, url, expected) in cases {
        if let Some(answer) = answer {
            issuer.set(answer);
        }
        let detail = scim_error(add_by_url(&app, url).await, 400, Some("invalidValue")).await;
        assert!(
            detail.contains("cannot use the JWKS at") && detail.contains(expected),
            "{detail:?} lacks {expected:?}"
        );
    }
    assert!(app.store.jwt_trusts().list(None).await.unwrap().is_empty());
    let both = app
        .client
        .post(format!("{}/admin/v1/jwt-trusts", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .json(
            &json!({"tenant": "default", "issuer": ENTRA_ISS, "audience": ENTRA_AUD,
            "jwksUrl": issuer.url, "jwks": fixture("jwks.json")}),
        )
        .send()
        .await
        .unwrap();
    let detail = scim_error(both, 400, Some("invalidValue")).await;
    assert!(detail.contains("exactly one of"), "{detail}");
}

#[tokio::test]
async fn jwt_add_with_a_jwks_url_fetches_it_and_the_server_refreshes_it() {
    let issuer = JwksServer::start(&first_key_only());
    let app = spawn_app().await;
    let add = |url: &str| {
        scimd(
            &app.db,
            &[
                "jwt",
                "add",
                "--tenant",
                "default",
                "--issuer",
                ENTRA_ISS,
                "--audience",
                ENTRA_AUD,
                "--jwks-url",
                url,
            ],
        )
    };
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/keys", listener.local_addr().unwrap())
    };
    one_line_error(
        &add(&closed),
        &format!("cannot use the JWKS at {closed}: cannot connect"),
    );
    issuer.set(Answer::Status(500));
    one_line_error(&add(&issuer.url), "answered 500, not 200");
    issuer.serve(&first_key_only());
    let out = add(&issuer.url);
    assert!(out.status.success(), "{out:?}");
    let listed = scimd(&app.db, &["jwt", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains(&format!("test-rsa-1 from {}", issuer.url)),
        "{listed}"
    );
    accepted(&app, &token("test-rsa-1")).await;
    issuer.serve(&fixture("jwks_rotated.json"));
    accepted(&app, &token("test-rsa-2")).await;
}

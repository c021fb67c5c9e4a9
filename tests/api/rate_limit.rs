//! Rate limits per token: 429 with Retry-After and a SCIM error past the burst, budgets kept
//! per token, nothing spent by invalid or missing tokens, and `0` turning the limiter off.
use reqwest::{Response, StatusCode};
use scimd::api::rate_limit::RateLimit;

use crate::cli::free_port;
use crate::helpers::*;

/// An app whose tokens may make 3 requests at once and 1 a second after that.
async fn limited_app() -> TestApp {
    spawn_app_with(|s| s.api.rate_limit = RateLimit::new(1, 3)).await
}

async fn users(app: &TestApp, token: &str) -> Response {
    app.client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Spends `token`'s burst of 3 and returns the 4th response.
async fn exhaust(app: &TestApp, token: &str) -> Response {
    for i in 0..3 {
        assert_eq!(
            users(app, token).await.status(),
            StatusCode::OK,
            "request {i}"
        );
    }
    users(app, token).await
}

async fn assert_limited(response: Response) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .expect("Retry-After in whole seconds");
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    let detail = scim_error(response, 429, None).await;
    assert!(
        detail.contains("1 requests per second") && detail.contains("retry in"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_token_past_its_burst_gets_429_with_retry_after_and_a_scim_error() {
    let app = limited_app().await;
    assert_limited(exhaust(&app, &app.token).await).await;
    // Every SCIM endpoint is behind the same check.
    let r = app.get("/ServiceProviderConfig").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_limited_token_does_not_slow_down_other_tokens() {
    let app = limited_app().await;
    let same_tenant = app.token_for("default").await;
    let other_tenant = app.token_for("globex").await;
    assert_limited(exhaust(&app, &app.token).await).await;
    assert_limited(exhaust(&app, &same_tenant).await).await;
    assert_limited(exhaust(&app, &other_tenant).await).await;
}

#[tokio::test]
async fn invalid_or_missing_tokens_spend_no_budget() {
    let app = limited_app().await;
    for _ in 0..10 {
        let r = users(&app, "scimd_not-a-real-token").await;
        scim_error(r, 401, None).await;
        let r = app
            .client
            .get(format!("{}/Users", app.base()))
            .send()
            .await
            .unwrap();
        scim_error(r, 401, None).await;
        let r = app
            .client
            .get(format!("{}/healthz", app.root()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_limited(exhaust(&app, &app.token).await).await;
}

#[tokio::test]
async fn a_revoked_token_is_refused_as_unauthorized_not_as_limited() {
    let app = limited_app().await;
    let default = app.store.tenants().find("default").await.unwrap().unwrap();
    let (info, token) = app
        .store
        .tokens()
        .issue(&default, None, None)
        .await
        .unwrap();
    assert_limited(exhaust(&app, &token).await).await;
    app.store.tokens().revoke(&info.id).await.unwrap();
    scim_error(users(&app, &token).await, 401, None).await;
}

#[tokio::test]
async fn no_limit_means_no_429() {
    let app = spawn_app_with(|s| s.api.rate_limit = RateLimit::new(0, 3)).await;
    for i in 0..30 {
        assert_eq!(
            users(&app, &app.token).await.status(),
            StatusCode::OK,
            "request {i}"
        );
    }
}

/// The server binary reads SCIMD_RATE_LIMIT and SCIMD_RATE_LIMIT_BURST.
#[tokio::test]
async fn scimd_serve_takes_the_limit_from_the_environment() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let db = TestDb::new().await;
    let port = free_port();
    let token = "a-bootstrap-token-for-the-rate-limit-test-0123456789";
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .env("SCIMD_DATABASE_URL", &db.url)
        .env("SCIMD_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIMD_BOOTSTRAP_TOKEN", token)
        .env("SCIMD_RATE_LIMIT", "1")
        .env("SCIMD_RATE_LIMIT_BURST", "2")
        .env("SCIMD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first line is printed once the server listens.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("SCIM base URL:"), "{first}");
    let client = crate::helpers::client();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = client
            .get(format!("http://127.0.0.1:{port}/scim/v2/Users"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

//! Token lifecycle as an operator drives it with the scimd binary: expiry, revocation seen by
//! every instance on the database, rotation with an overlap, and the last-used time.
use chrono::{Duration, NaiveDateTime, Utc};
use reqwest::StatusCode;
use scimd::store::TokenInfo;

use crate::cli::{scimd, stdout};
use crate::helpers::*;

async fn users_status(app: &TestApp, token: &str) -> StatusCode {
    users(app, token).await.status()
}

async fn users(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// `scimd token issue --tenant default …` through the binary; the printed token.
fn issue(app: &TestApp, extra: &[&str]) -> String {
    let out = scimd(
        &app.db,
        &[&["token", "issue", "--tenant", "default"], extra].concat(),
    );
    assert!(out.status.success(), "{out:?}");
    stdout(&out).trim().to_owned()
}

/// The stored record of the live token whose secret is `token` (listings never show
/// secrets, so the store's authentication names its id).
async fn info_of(app: &TestApp, token: &str) -> TokenInfo {
    let principal = app.store.tokens().authenticate(token).await.unwrap();
    let id = principal.map(|p| p.token_id).expect("a live token");
    let tokens = app.store.tokens().list(None).await.unwrap();
    tokens.into_iter().find(|t| t.id == id).unwrap()
}

fn assert_one_line_error(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success(), "expected failure: {out:?}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(err.contains(needle), "{err}");
}

#[tokio::test]
async fn an_expired_token_gets_401_whose_detail_says_it_may_have_expired() {
    let app = spawn_app().await;
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let soon = Utc::now() + Duration::milliseconds(1500);
    let (_, token) = app
        .store
        .tokens()
        .issue(&tenant, Some("short-lived"), Some(soon))
        .await
        .unwrap();
    assert_eq!(users_status(&app, &token).await, StatusCode::OK);
    let wait = (soon - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(100)).await;
    let detail = scim_error(users(&app, &token).await, 401, None).await;
    assert!(detail.contains("expired"), "{detail}");
    assert_eq!(users_status(&app, &app.token).await, StatusCode::OK);
}

#[tokio::test]
async fn revoking_through_the_binary_is_refused_at_once_by_every_instance() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let token = issue(&app, &["--label", "Entra ID"]);
    for instance in [&app, &second] {
        assert_eq!(users_status(instance, &token).await, StatusCode::OK);
    }
    let id = info_of(&app, &token).await.id;
    let out = scimd(&app.db, &["token", "revoke", &id]);
    assert!(out.status.success(), "{out:?}");
    for instance in [&app, &second] {
        let detail = scim_error(users(instance, &token).await, 401, None).await;
        assert!(detail.contains("revoked"), "{detail}");
        // Other tokens of the tenant keep working.
        assert_eq!(users_status(instance, &app.token).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn rotation_prints_a_new_token_and_both_work_during_the_overlap() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let old = issue(&app, &["--label", "Okta production"]);
    let old_info = info_of(&app, &old).await;
    let before = app.store.tokens().list(None).await.unwrap().len();

    let out = scimd(&app.db, &["token", "rotate", &old_info.id]);
    assert!(out.status.success(), "{out:?}");
    let printed = stdout(&out);
    assert_eq!(printed.lines().count(), 1, "the token alone: {printed:?}");
    let new = printed.trim().to_owned();
    assert!(new.starts_with("scimd_") && new != old);

    for instance in [&app, &second] {
        assert_eq!(users_status(instance, &old).await, StatusCode::OK);
        assert_eq!(users_status(instance, &new).await, StatusCode::OK);
    }
    assert_eq!(
        app.store.tokens().list(None).await.unwrap().len(),
        before + 1
    );
    let new_info = info_of(&app, &new).await;
    assert_eq!(new_info.tenant, "default");
    assert_eq!(new_info.label.as_deref(), Some("Okta production"));
    assert_eq!(new_info.expires_at, None);
    let old_expires = info_of(&app, &old).await.expires_at.unwrap();
    let in_a_day = Utc::now() + Duration::hours(24);
    assert!(
        (old_expires - in_a_day).num_seconds().abs() < 120,
        "the old token expires in 24 h, not at {old_expires}"
    );
}

#[tokio::test]
async fn rotation_with_zero_overlap_retires_the_old_token_at_once() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let old = issue(&app, &["--label", "OneLogin"]);
    let id = info_of(&app, &old).await.id;
    let out = scimd(
        &app.db,
        &[
            "token",
            "rotate",
            &id,
            "--overlap",
            "0",
            "--expires-in",
            "30d",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let new = stdout(&out).trim().to_owned();
    for instance in [&app, &second] {
        scim_error(users(instance, &old).await, 401, None).await;
        assert_eq!(users_status(instance, &new).await, StatusCode::OK);
    }
    let expires = info_of(&app, &new).await.expires_at.unwrap();
    assert!(
        (expires - (Utc::now() + Duration::days(30)))
            .num_seconds()
            .abs()
            < 120
    );
}

#[tokio::test]
async fn rotation_never_extends_an_earlier_expiry() {
    let app = spawn_app().await;
    let old = issue(&app, &["--expires-in", "1h"]);
    let info = info_of(&app, &old).await;
    let expires = info.expires_at.unwrap();
    let out = scimd(&app.db, &["token", "rotate", &info.id, "--overlap", "7d"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(info_of(&app, &old).await.expires_at, Some(expires));
}

#[tokio::test]
async fn rotating_a_revoked_expired_or_unknown_token_fails_and_issues_nothing() {
    let app = spawn_app().await;
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let revoked = issue(&app, &[]);
    let revoked_id = info_of(&app, &revoked).await.id;
    app.store.tokens().revoke(&revoked_id).await.unwrap();
    let (expired, _) = app
        .store
        .tokens()
        .issue(&tenant, None, Some(Utc::now() - Duration::minutes(1)))
        .await
        .unwrap();
    let count = app.store.tokens().list(None).await.unwrap().len();

    let out = scimd(&app.db, &["token", "rotate", &revoked_id]);
    assert_one_line_error(&out, "revoked");
    let out = scimd(&app.db, &["token", "rotate", &expired.id]);
    assert_one_line_error(&out, "expired");
    let out = scimd(&app.db, &["token", "rotate", "no-such-id"]);
    assert_one_line_error(&out, "no token with id \"no-such-id\"");

    let after = app.store.tokens().list(None).await.unwrap();
    assert_eq!(after.len(), count, "no token was issued");
    let still = after.iter().find(|t| t.id == expired.id).unwrap();
    // PostgreSQL keeps microseconds: compare at millisecond precision.
    let millis = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.timestamp_millis());
    assert_eq!(millis(still.expires_at), millis(expired.expires_at));
    scim_error(users(&app, &revoked).await, 401, None).await;
}

/// The LAST USED column of `scimd token list` for token `id`.
fn last_used_column(listing: &str, id: &str) -> String {
    let header = listing.lines().next().unwrap();
    let at = header.find("LAST USED").expect("a LAST USED column");
    let row = listing
        .lines()
        .find(|l| l.starts_with(id))
        .unwrap_or_else(|| panic!("token {id} listed: {listing}"));
    row[at..].split("  ").next().unwrap().trim().to_owned()
}

#[tokio::test]
async fn token_list_shows_when_a_token_was_last_used() {
    let app = spawn_app().await;
    let token = issue(&app, &["--label", "JumpCloud"]);
    let id = app
        .store
        .tokens()
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.label.as_deref() == Some("JumpCloud"))
        .unwrap()
        .id;
    let listing = stdout(&scimd(&app.db, &["token", "list", "--tenant", "default"]));
    assert_eq!(last_used_column(&listing, &id), "-", "{listing}");

    let before = Utc::now() - Duration::minutes(1);
    assert_eq!(users_status(&app, &token).await, StatusCode::OK);
    let listing = stdout(&scimd(&app.db, &["token", "list", "--tenant", "default"]));
    let shown = last_used_column(&listing, &id);
    let used = NaiveDateTime::parse_from_str(&shown, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("{shown:?} is not a time ({e}): {listing}"))
        .and_utc();
    assert!(
        used >= before && used <= Utc::now(),
        "last used {used}, expected about now: {listing}"
    );
}

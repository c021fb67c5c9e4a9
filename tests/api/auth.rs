use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn status_with(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/Users", app.base()));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn requests_without_a_valid_bearer_token_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    for auth in [
        None,
        Some("non-token"),
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
        Some("Bearer wrong"),
    ] {
        let r = status_with(&app, auth).await;
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer realm=\"scimd\"",
            "{auth:?}"
        );
        scim_error(r, 401, None).await;
    }
    let ok = status_with(&app, Some(&format!("bearer {}", app.token))).await;
    assert_eq!(ok.status(), StatusCode::OK, "scheme is case-insensitive");
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let (info, token) = app
        .store
        .tokens()
        .issue(&tenant, Some("revoke me"), None)
        .await
        .unwrap();
    assert_eq!(
        status_with(&app, Some(&format!("Bearer {token}")))
            .await
            .status(),
        StatusCode::OK
    );
    app.store.tokens().revoke(&info.id).await.unwrap();
    scim_error(
        status_with(&app, Some(&format!("Bearer {token}"))).await,
        401,
        None,
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let app = spawn_app().await;
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let past = Utc::now() - Duration::minutes(1);
    let (_, token) = app
        .store
        .tokens()
        .issue(&tenant, None, Some(past))
        .await
        .unwrap();
    scim_error(
        status_with(&app, Some(&format!("Bearer {token}"))).await,
        401,
        None,
    )
    .await;
    let future = Utc::now() + Duration::days(1);
    let (_, token) = app
        .store
        .tokens()
        .issue(&tenant, None, Some(future))
        .await
        .unwrap();
    assert_eq!(
        status_with(&app, Some(&format!("Bearer {token}")))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_record_last_use() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    status_with(&app, Some(&format!("Bearer {}", app.token))).await;
    let conn = app.db.connect().await;
    let rows = entity::token::Entity::find().all(&conn).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].hash, scimd::secrets::token_hash(&app.token));
    assert!(!rows[0].hash.contains(&app.token));
    let listed = app.store.tokens().list(None).await.unwrap();
    assert!(listed[0].last_used_at.is_some());
}

#[tokio::test]
async fn first_start_on_an_empty_database_issues_a_working_token_once() {
    let db = TestDb::new().await;
    let mut settings = settings(&db, "unused");
    settings.bootstrap_token = None;
    let app = scimd::startup::Application::build(settings.clone())
        .await
        .unwrap();
    let scimd::startup::Bootstrap::Issued(token) = app.bootstrap().clone() else {
        panic!("expected a token on first start, got {:?}", app.bootstrap());
    };
    assert!(token.starts_with("scimd_") && token.len() >= 43);
    assert!(app.base_url().ends_with("/scim/v2"));
    let app = start(db, settings.clone(), token).await;
    assert_eq!(
        status_with(&app, Some(&format!("Bearer {}", app.token)))
            .await
            .status(),
        StatusCode::OK
    );
    let tenants = app.store.tenants().list().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].name, "default");
    // A second start on the same database issues nothing new.
    let again = scimd::startup::Application::build(settings).await.unwrap();
    assert_eq!(again.bootstrap(), &scimd::startup::Bootstrap::Existing);
    assert_eq!(app.store.tokens().list(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_bootstrap_token_is_idempotent_across_restarts() {
    let db = TestDb::new().await;
    let token = "a-bootstrap-token-that-is-long-enough-0123456789";
    let first = scimd::startup::Application::build(settings(&db, token))
        .await
        .unwrap();
    assert_eq!(
        first.bootstrap(),
        &scimd::startup::Bootstrap::FromEnvironment
    );
    drop(first);
    let restart = settings(&db, token);
    let app = start(db, restart, token.to_owned()).await;
    assert_eq!(app.store.tokens().list(None).await.unwrap().len(), 1);
    assert_eq!(
        status_with(&app, Some(&format!("Bearer {token}")))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn health_endpoints_need_no_token() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.root()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/readyz", app.root()))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["database"],
        json!(if app.db.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        })
    );
}

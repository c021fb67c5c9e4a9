//! `POST /oauth/token` (RFC 6749 §4.4): client authentication, RFC 6749 §5.2 errors, and the
//! access tokens it issues — tenant-scoped, short-lived, and dead once the client is revoked.
use std::time::Duration;

use base64::Engine;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// Registers an OAuth client of `tenant` (created if missing): (client id, secret).
pub async fn client(app: &TestApp, tenant: &str) -> (String, String) {
    let tenant = app.store.tenants().ensure(tenant).await.unwrap();
    let (info, secret) = app
        .store
        .oauth_clients()
        .create(&tenant, Some("test"))
        .await
        .unwrap();
    (info.id, secret)
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.extend_pairs(pairs);
    out.finish()
}

/// POST /oauth/token with this form body and, if given, HTTP Basic credentials.
pub async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    pairs: &[(&str, &str)],
) -> Response {
    let mut request = app
        .client
        .post(format!("{}/oauth/token", app.root()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(pairs));
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.unwrap()
}

/// A fresh access token for a client, through the endpoint.
pub async fn access_token(app: &TestApp, id: &str, secret: &str) -> String {
    let r = token_request(
        app,
        Some((id, secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let body = json_ok(r).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Asserts an RFC 6749 §5.2 error with this status and code; returns the description.
async fn oauth_error(response: Response, status: u16, code: &str) -> String {
    assert_eq!(response.headers()["cache-control"], "no-store");
    let basic = response.headers().get("www-authenticate").cloned();
    let body: Value = json_status(response, StatusCode::from_u16(status).unwrap()).await;
    assert_eq!(body["error"], code, "{body}");
    if status == 401 {
        assert_eq!(basic.unwrap(), "Basic realm=\"scimd\"");
    }
    body["error_description"].as_str().unwrap().to_owned()
}

async fn users_as(app: &TestApp, token: &str) -> Response {
    app.client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn basic_client_authentication_gets_a_bearer_token_that_works_on_users() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, "default").await;
    app.create_user("alice").await;
    let r = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
    let body = json_ok(r).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    assert!(!token.contains(&secret), "the secret is not in the token");
    let list = json_ok(users_as(&app, token).await).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["userName"], "alice");
}

#[tokio::test]
async fn client_credentials_in_the_body_and_a_scope_work_too() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, "default").await;
    let pairs = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("scope", "scim"),
    ];
    let body = json_ok(token_request(&app, None, &pairs).await).await;
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(users_as(&app, token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_secret_or_an_unknown_client_is_invalid_client_401() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, "default").await;
    let grant = [("grant_type", "client_credentials")];
    let r = token_request(&app, Some((&id, "scimd_not-the-secret")), &grant).await;
    let detail = oauth_error(r, 401, "invalid_client").await;
    assert!(!detail.contains(&secret));
    let r = token_request(&app, Some(("no-such-client", &secret)), &grant).await;
    oauth_error(r, 401, "invalid_client").await;
    let body = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", "wrong"),
    ];
    oauth_error(
        token_request(&app, None, &body).await,
        401,
        "invalid_client",
    )
    .await;
    // No client authentication at all.
    oauth_error(
        token_request(&app, None, &grant).await,
        401,
        "invalid_client",
    )
    .await;
    let r = app
        .client
        .post(format!("{}/oauth/token", app.root()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic !!!not-base64")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    oauth_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn missing_unsupported_or_malformed_requests_are_rfc6749_errors() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, "default").await;
    let basic = Some((id.as_str(), secret.as_str()));
    let d = oauth_error(
        token_request(&app, basic, &[]).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(d.contains("grant_type"), "{d}");
    let r = token_request(&app, basic, &[("grant_type", "password")]).await;
    oauth_error(r, 400, "unsupported_grant_type").await;
    let r = token_request(&app, basic, &[("grant_type", "authorization_code")]).await;
    oauth_error(r, 400, "unsupported_grant_type").await;
    let twice = [
        ("grant_type", "client_credentials"),
        ("grant_type", "client_credentials"),
    ];
    let d = oauth_error(
        token_request(&app, basic, &twice).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(d.contains("repeated"), "{d}");
    let both = [
        ("grant_type", "client_credentials"),
        ("client_secret", secret.as_str()),
    ];
    let d = oauth_error(
        token_request(&app, basic, &both).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(d.contains("one client authentication method"), "{d}");
    let r = app
        .client
        .post(format!("{}/oauth/token", app.root()))
        .basic_auth(&id, Some(&secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    let d = oauth_error(r, 400, "invalid_request").await;
    assert!(d.contains("x-www-form-urlencoded"), "{d}");
}

#[tokio::test]
async fn an_expired_access_token_is_rejected() {
    let app = spawn_app_with(|s| s.api.oauth_token_ttl = Duration::from_secs(1)).await;
    let (id, secret) = client(&app, "default").await;
    let r = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let body = json_ok(r).await;
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(users_as(&app, token).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let detail = scim_error(users_as(&app, token).await, 401, None).await;
    assert!(detail.contains("expired"), "{detail}");
}

#[tokio::test]
async fn revoking_a_client_cuts_its_tokens_at_once_in_every_instance() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let (id, secret) = client(&app, "default").await;
    // Issued by one instance, accepted by both: they share the signing key.
    let token = access_token(&second, &id, &secret).await;
    for instance in [&app, &second] {
        assert_eq!(users_as(instance, &token).await.status(), StatusCode::OK);
    }
    app.store.oauth_clients().revoke(&id).await.unwrap();
    for instance in [&app, &second] {
        let detail = scim_error(users_as(instance, &token).await, 401, None).await;
        assert!(detail.contains("revoked"), "{detail}");
    }
    let r = token_request(
        &second,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    oauth_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn an_access_token_sees_only_its_clients_tenant() {
    let app = spawn_app().await;
    let user = app.create_user("alice").await;
    let (id, secret) = client(&app, "other").await;
    let token = access_token(&app, &id, &secret).await;
    let list = json_ok(users_as(&app, &token).await).await;
    assert_eq!(list["totalResults"], 0);
    let r = app
        .client
        .get(format!("{}/Users/{user}", app.base()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    scim_error(r, 404, None).await;
}

#[tokio::test]
async fn tampered_or_foreign_access_tokens_are_401() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, "default").await;
    let token = access_token(&app, &id, &secret).await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(&parts[1]).unwrap()).unwrap();
    claims["tenant"] = json!("other");
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    parts[1] = engine.encode(claims.to_string());
    let detail = scim_error(users_as(&app, &parts.join(".")).await, 401, None).await;
    assert!(detail.contains("signature"), "{detail}");
    // Same claims, signed by a key this server never made.
    let mut header: Value = serde_json::from_slice(&engine.decode(&parts[0]).unwrap()).unwrap();
    header["kid"] = json!("not-a-key-of-this-server");
    parts[0] = engine.encode(header.to_string());
    let detail = scim_error(users_as(&app, &parts.join(".")).await, 401, None).await;
    assert!(detail.contains("key this server does not have"), "{detail}");
}

//! The admin API under /admin/v1: its own token, tenants and tokens as the CLI manages them.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789abcdef";

async fn admin_app() -> TestApp {
    spawn_app_with(|s| s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN))).await
}

fn admin(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}/admin/v1{path}", app.root()))
        .bearer_auth(ADMIN_TOKEN)
}

async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.unwrap()
}

#[tokio::test]
async fn admin_api_is_disabled_without_an_admin_token() {
    let app = spawn_app().await;
    let r = send(admin(&app, Method::GET, "/tenants")).await;
    let detail = scim_error(r, 404, None).await;
    assert!(detail.contains("SCIMD_ADMIN_TOKEN"), "{detail}");
}

#[tokio::test]
async fn tenant_tokens_and_the_admin_token_stay_in_their_own_apis() {
    let app = admin_app().await;
    let as_tenant = app
        .client
        .get(format!("{}/admin/v1/tenants", app.root()))
        .bearer_auth(&app.token);
    scim_error(send(as_tenant).await, 401, None).await;
    let unauthenticated = app.client.get(format!("{}/admin/v1/tenants", app.root()));
    scim_error(send(unauthenticated).await, 401, None).await;
    let admin_on_scim = app
        .client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(ADMIN_TOKEN);
    scim_error(send(admin_on_scim).await, 401, None).await;
}

#[tokio::test]
async fn tenants_are_created_listed_and_unique() {
    let app = admin_app().await;
    let r = send(admin(&app, Method::POST, "/tenants").json(&json!({"name": "acme"}))).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let created = json_status(r, StatusCode::CREATED).await;
    assert_eq!(created["name"], "acme");
    assert!(created["created"].is_string(), "{created}");

    let again = send(admin(&app, Method::POST, "/tenants").json(&json!({"name": "acme"}))).await;
    let detail = scim_error(again, 409, None).await;
    assert!(detail.contains("already exists"), "{detail}");
    let bad = send(admin(&app, Method::POST, "/tenants").json(&json!({"name": "a b/c"}))).await;
    scim_error(bad, 400, Some("invalidValue")).await;
    let unknown_field =
        send(admin(&app, Method::POST, "/tenants").json(&json!({"name": "x", "nme": 1}))).await;
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);

    let listed = json_ok(send(admin(&app, Method::GET, "/tenants")).await).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "default"]);
}

#[tokio::test]
async fn an_issued_token_reaches_its_tenant_until_revoked() {
    let app = admin_app().await;
    app.create_user("in-default").await;
    send(admin(&app, Method::POST, "/tenants").json(&json!({"name": "acme"}))).await;
    let issued = json_status(
        send(
            admin(&app, Method::POST, "/tokens")
                .json(&json!({"tenant": "acme", "label": "Okta production", "expiresIn": "90d"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = issued["token"].as_str().unwrap().to_owned();
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["tenant"], "acme");
    assert_eq!(issued["label"], "Okta production");
    assert!(issued["expires"].is_string(), "{issued}");

    // The new token sees the new tenant, which is empty.
    let as_acme = || {
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&secret)
    };
    let users = json_ok(send(as_acme()).await).await;
    assert_eq!(users["totalResults"], 0);

    // Listing shows it, without any secret.
    let listed = json_ok(send(admin(&app, Method::GET, "/tokens?tenant=acme")).await).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], Value::from(id.clone()));
    assert!(listed[0].get("token").is_none(), "{listed:?}");
    assert!(!listed[0].to_string().contains(&secret));
    let all = json_ok(send(admin(&app, Method::GET, "/tokens")).await).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        2,
        "bootstrap token and the new one"
    );

    let revoked = send(admin(&app, Method::DELETE, &format!("/tokens/{id}"))).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    scim_error(send(as_acme()).await, 401, None).await;
    let listed = json_ok(send(admin(&app, Method::GET, "/tokens?tenant=acme")).await).await;
    assert!(listed[0]["revoked"].is_string(), "{listed}");
}

#[tokio::test]
async fn token_requests_with_mistakes_get_clear_errors() {
    let app = admin_app().await;
    let no_tenant =
        send(admin(&app, Method::POST, "/tokens").json(&json!({"tenant": "nope"}))).await;
    let detail = scim_error(no_tenant, 404, None).await;
    assert!(detail.contains("nope"), "{detail}");
    let bad_expiry = send(
        admin(&app, Method::POST, "/tokens")
            .json(&json!({"tenant": "default", "expiresIn": "soon"})),
    )
    .await;
    let detail = scim_error(bad_expiry, 400, Some("invalidValue")).await;
    assert!(detail.contains("90d"), "{detail}");
    let unknown = send(admin(&app, Method::DELETE, "/tokens/no-such-id")).await;
    scim_error(unknown, 404, None).await;
    let scope = send(admin(&app, Method::GET, "/tokens?tenant=nope")).await;
    scim_error(scope, 404, None).await;
    let method = send(admin(&app, Method::PUT, "/tenants")).await;
    scim_error(method, 405, None).await;
}

#[tokio::test]
async fn rotating_a_token_keeps_both_working_during_the_overlap() {
    let app = admin_app().await;
    let listed = json_ok(send(admin(&app, Method::GET, "/tokens?tenant=default")).await).await;
    let old_id = listed[0]["id"].as_str().unwrap().to_owned();
    let rotated = json_status(
        send(
            admin(&app, Method::POST, &format!("/tokens/{old_id}/rotate"))
                .json(&json!({"overlap": "1h"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = rotated["token"].as_str().unwrap();
    assert_eq!(rotated["replaces"]["id"], Value::from(old_id.clone()));
    assert!(rotated["replaces"]["expires"].is_string(), "{rotated}");
    for token in [secret, app.token.as_str()] {
        let r = send(
            app.client
                .get(format!("{}/Users", app.base()))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Zero overlap retires the new token's predecessor at once.
    let new_id = rotated["id"].as_str().unwrap();
    let again = send(
        admin(&app, Method::POST, &format!("/tokens/{new_id}/rotate"))
            .json(&json!({"overlap": "0s"})),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(secret),
    )
    .await;
    scim_error(r, 401, None).await;
    let unknown = send(admin(&app, Method::POST, "/tokens/nope/rotate")).await;
    scim_error(unknown, 404, None).await;
}

#[tokio::test]
async fn schemas_are_added_listed_and_removed_for_one_tenant() {
    let app = admin_app().await;
    let urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
    let document = json!({
        "id": urn, "name": "AcmeUser", "description": "Acme",
        "attributes": [{"name": "Company", "type": "string"}]
    });
    let added = json_status(
        send(
            admin(&app, Method::POST, "/schemas")
                .json(&json!({"tenant": "default", "schema": document})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["urn"], urn);
    assert_eq!(added["resourceType"], "User");
    // The tenant's next request sees it.
    let schema = json_ok(app.get(&format!("/Schemas/{urn}")).await).await;
    assert_eq!(schema["attributes"][0]["name"], "Company");
    let twice = send(
        admin(&app, Method::POST, "/schemas")
            .json(&json!({"tenant": "default", "schema": document})),
    )
    .await;
    scim_error(twice, 409, Some("uniqueness")).await;
    let bad = send(
        admin(&app, Method::POST, "/schemas")
            .json(&json!({"tenant": "default", "schema": {"id": "not a urn", "attributes": []}})),
    )
    .await;
    scim_error(bad, 400, Some("invalidValue")).await;
    let bad_type = send(
        admin(&app, Method::POST, "/schemas")
            .json(&json!({"tenant": "default", "resourceType": "Device", "schema": document})),
    )
    .await;
    scim_error(bad_type, 400, Some("invalidValue")).await;

    let listed = json_ok(send(admin(&app, Method::GET, "/schemas?tenant=default")).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let removed = send(admin(
        &app,
        Method::DELETE,
        &format!("/schemas/{urn}?tenant=default"),
    ))
    .await;
    assert_eq!(json_ok(removed).await["urn"], urn);
    scim_error(app.get(&format!("/Schemas/{urn}")).await, 404, None).await;
    let gone = send(admin(
        &app,
        Method::DELETE,
        &format!("/schemas/{urn}?tenant=default"),
    ))
    .await;
    scim_error(gone, 404, None).await;
}

#[tokio::test]
async fn oauth_clients_are_created_listed_and_revoked() {
    let app = admin_app().await;
    let created = json_status(
        send(
            admin(&app, Method::POST, "/clients")
                .json(&json!({"tenant": "default", "label": "Entra"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["clientId"].as_str().unwrap().to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let token = crate::oauth::access_token(&app, &id, &secret).await;
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    let listed = json_ok(send(admin(&app, Method::GET, "/clients?tenant=default")).await).await;
    assert_eq!(listed[0]["clientId"], Value::from(id.clone()));
    assert_eq!(listed[0]["label"], "Entra");
    assert!(!listed.to_string().contains(&secret), "{listed}");

    let revoked = send(admin(&app, Method::DELETE, &format!("/clients/{id}"))).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&token),
    )
    .await;
    scim_error(r, 401, None).await;
    let again = send(admin(&app, Method::DELETE, "/clients/no-such-client")).await;
    scim_error(again, 404, None).await;
}

#[tokio::test]
async fn jwt_trusts_are_added_listed_and_removed() {
    use crate::jwt::{ENTRA_AUD, ENTRA_ISS, SECRET, claims, fixture, sign};
    let app = admin_app().await;
    let hs = json!({
        "tenant": "default", "issuer": ENTRA_ISS, "audience": ENTRA_AUD,
        "hs256Secret": std::str::from_utf8(SECRET).unwrap(),
    });
    let added = json_status(
        send(admin(&app, Method::POST, "/jwt-trusts").json(&hs)).await,
        StatusCode::CREATED,
    )
    .await;
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["algorithm"], "HS256");
    let token = sign(jsonwebtoken::Algorithm::HS256, None, &claims(json!({})));
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    let listed = json_ok(send(admin(&app, Method::GET, "/jwt-trusts")).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed
            .to_string()
            .contains(std::str::from_utf8(SECRET).unwrap()),
        "{listed}"
    );

    // A JWKS given as a JSON object, and the mistakes an operator can make.
    let jwks: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    let rsa = json!({"tenant": "default", "issuer": "https://idp.example/", "audience": "scimd", "jwks": jwks});
    let r = send(admin(&app, Method::POST, "/jwt-trusts").json(&rsa)).await;
    let rsa_trust = json_status(r, StatusCode::CREATED).await;
    assert_eq!(rsa_trust["algorithm"], "RS256");
    // The trust verifies a token its key signed, and only with the kid the JWKS names.
    let rsa_claims = claims(json!({"iss": "https://idp.example/", "aud": "scimd"}));
    let rs256 = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("test-rsa-1"),
        &rsa_claims,
    );
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&rs256),
    )
    .await;
    json_ok(r).await;
    let unknown_kid = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("no-such-kid"),
        &rsa_claims,
    );
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&unknown_kid),
    )
    .await;
    scim_error(r, 401, None).await;
    let two_keys = json!({"tenant": "default", "issuer": "i", "audience": "a", "hs256Secret": "x".repeat(40), "publicKey": "y"});
    let r = send(admin(&app, Method::POST, "/jwt-trusts").json(&two_keys)).await;
    scim_error(r, 400, Some("invalidValue")).await;
    let short =
        json!({"tenant": "default", "issuer": "i", "audience": "a", "hs256Secret": "short"});
    let r = send(admin(&app, Method::POST, "/jwt-trusts").json(&short)).await;
    scim_error(r, 400, Some("invalidValue")).await;

    let removed = send(admin(&app, Method::DELETE, &format!("/jwt-trusts/{id}"))).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let r = send(
        app.client
            .get(format!("{}/Users", app.base()))
            .bearer_auth(&token),
    )
    .await;
    scim_error(r, 401, None).await;
}

#[tokio::test]
async fn a_rotation_body_is_optional_but_never_ignored() {
    let app = admin_app().await;
    let listed = json_ok(send(admin(&app, Method::GET, "/tokens?tenant=default")).await).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let rotate = || admin(&app, Method::POST, &format!("/tokens/{id}/rotate"));
    // A misspelt field, a wrong type or a body that is not JSON is an error, not the defaults.
    let typo = send(rotate().json(&json!({"overlap": "1h", "expiresin": "1d"}))).await;
    scim_error(typo, 400, Some("invalidSyntax")).await;
    let wrong_type = send(rotate().json(&json!({"overlap": 3600}))).await;
    scim_error(wrong_type, 400, Some("invalidSyntax")).await;
    let text = send(
        rotate()
            .header("Content-Type", "text/plain")
            .body("overlap=1h"),
    )
    .await;
    scim_error(text, 415, None).await;
    // A lifetime past the calendar's end is a 400, not a dropped connection.
    let far = send(rotate().json(&json!({"expiresIn": "300000y"}))).await;
    let detail = scim_error(far, 400, Some("invalidValue")).await;
    assert!(detail.contains("expiresIn"), "{detail}");
    let far = send(
        admin(&app, Method::POST, "/tokens")
            .json(&json!({"tenant": "default", "expiresIn": "300000y"})),
    )
    .await;
    scim_error(far, 400, Some("invalidValue")).await;
    // No body, or JSON null, rotates with the defaults: the old token works 24h more.
    let rotated = json_status(send(rotate().json(&Value::Null)).await, StatusCode::CREATED).await;
    assert!(rotated["replaces"]["expires"].is_string(), "{rotated}");
    let successor = rotated["id"].as_str().unwrap();
    let again = send(admin(
        &app,
        Method::POST,
        &format!("/tokens/{successor}/rotate"),
    ))
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
}

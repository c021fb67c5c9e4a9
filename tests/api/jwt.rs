//! JWT bearers of external issuers: accepted with each pinned algorithm, refused with a detail
//! for every way a token can be wrong, and scoped to the tenant whose trust accepted it.
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use scimd::jwt::{self, ClaimRequirement, KeyKind, NewTrust};
use serde_json::{Value, json};

use crate::helpers::*;

/// Entra ID's JWT mode: its issuer shape and its audience for non-gallery SCIM apps.
pub const ENTRA_ISS: &str = "https://sts.windows.net/6b9f0b5e-1d6c-4a55-9b0e-3c9bd5c2b1e0/";
pub const ENTRA_AUD: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
pub const SECRET: &[u8] = b"a shared HS256 secret, 32 bytes or more";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Entra-shaped claims, valid for five minutes, with `extra` merged in.
pub fn claims(extra: Value) -> Value {
    let mut claims = json!({
        "iss": ENTRA_ISS, "aud": ENTRA_AUD, "sub": "provisioning-agent",
        "tid": "6b9f0b5e-1d6c-4a55-9b0e-3c9bd5c2b1e0",
        "iat": now(), "nbf": now(), "exp": now() + 300,
    });
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    claims
}

/// Signs with the fixture key of `alg`: RS256 with `rsa1` (kid test-rsa-1) unless `kid`
/// names test-rsa-2.
pub fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let key = match alg {
        Algorithm::HS256 => EncodingKey::from_secret(SECRET),
        Algorithm::ES256 => EncodingKey::from_ec_pem(fixture("ec_private.pem").as_bytes()).unwrap(),
        _ if kid == Some("test-rsa-2") => {
            EncodingKey::from_rsa_pem(fixture("rsa2_private.pem").as_bytes()).unwrap()
        }
        _ => EncodingKey::from_rsa_pem(fixture("rsa1_private.pem").as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// Registers a trust for tenant `tenant` (created if missing) and returns its id.
pub(crate) async fn trust(
    app: &TestApp,
    tenant: &str,
    issuer: &str,
    kind: KeyKind,
    requirement: Option<&str>,
) -> String {
    let tenant = app.store.tenants().ensure(tenant).await.unwrap();
    let (material, alg) = match kind {
        KeyKind::Secret => (jwt::secret_text(SECRET), None),
        KeyKind::Pem if issuer.starts_with("https://ec.") => (fixture("ec_public.pem"), None),
        KeyKind::Pem => (fixture("rsa1_public.pem"), None),
        KeyKind::Jwks => (fixture("jwks.json"), Some(Algorithm::RS256)),
    };
    let requirement = requirement.map(|r| ClaimRequirement::parse(r).unwrap());
    let new = NewTrust::new(issuer, ENTRA_AUD, alg, kind, material, requirement).unwrap();
    app.store
        .jwt_trusts()
        .add(&tenant, &new)
        .await
        .unwrap()
        .0
        .id
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Asserts a 401 SCIM error whose detail contains `expected` and not the token.
async fn refused(app: &TestApp, token: &str, expected: &str) {
    let response = get_as(app, token, "/Users").await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"scimd\""
    );
    let detail = scim_error(response, 401, None).await;
    assert!(detail.contains(expected), "{detail:?} lacks {expected:?}");
    let signature = token.rsplit('.').next().unwrap_or_default();
    assert!(
        !detail.contains(token) && (signature.len() < 8 || !detail.contains(signature)),
        "the detail echoes the token: {detail}"
    );
}

#[tokio::test]
async fn hs256_rs256_es256_and_jwks_tokens_are_accepted() {
    let app = spawn_app().await;
    trust(
        &app,
        "default",
        "https://hs.example/",
        KeyKind::Secret,
        None,
    )
    .await;
    trust(&app, "default", "https://rsa.example/", KeyKind::Pem, None).await;
    trust(&app, "default", "https://ec.example/", KeyKind::Pem, None).await;
    trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let user = app.create_user("alice@example.com").await;
    for (alg, kid, iss) in [
        (Algorithm::HS256, None, "https://hs.example/"),
        (Algorithm::RS256, None, "https://rsa.example/"),
        (Algorithm::ES256, None, "https://ec.example/"),
        (Algorithm::RS256, Some("test-rsa-1"), ENTRA_ISS),
        (Algorithm::RS256, Some("test-rsa-2"), ENTRA_ISS),
    ] {
        let token = sign(alg, kid, &claims(json!({"iss": iss})));
        let found = json_ok(get_as(&app, &token, &format!("/Users/{user}")).await).await;
        assert_eq!(found["userName"], "alice@example.com", "{alg:?} {iss}");
    }
}

#[tokio::test]
async fn expired_not_yet_valid_and_exp_less_jwts_are_401() {
    let app = spawn_app().await;
    trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let kid = Some("test-rsa-1");
    let token = sign(Algorithm::RS256, kid, &claims(json!({"exp": now() - 120})));
    refused(&app, &token, "the JWT has expired").await;
    let token = sign(Algorithm::RS256, kid, &claims(json!({"nbf": now() + 600})));
    refused(&app, &token, "not valid yet").await;
    let mut no_exp = claims(json!({}));
    no_exp.as_object_mut().unwrap().remove("exp");
    refused(&app, &sign(Algorithm::RS256, kid, &no_exp), "no exp claim").await;
    // Within the minute of leeway a clock skew is forgiven.
    let token = sign(Algorithm::RS256, kid, &claims(json!({"exp": now() - 20})));
    assert_eq!(
        get_as(&app, &token, "/Users").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_issuer_audience_or_algorithm_is_401() {
    let app = spawn_app().await;
    trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let kid = Some("test-rsa-1");
    let other_iss = claims(json!({"iss": "https://sts.windows.net/someone-else/"}));
    refused(
        &app,
        &sign(Algorithm::RS256, kid, &other_iss),
        "no trust is registered",
    )
    .await;
    let other_aud = claims(json!({"aud": "https://graph.microsoft.com"}));
    refused(
        &app,
        &sign(Algorithm::RS256, kid, &other_aud),
        "audience does not match",
    )
    .await;
    let es = sign(Algorithm::ES256, kid, &claims(json!({})));
    refused(&app, &es, "signed with ES256").await;
}

#[tokio::test]
async fn alg_none_and_a_public_key_used_as_hmac_secret_are_refused() {
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let app = spawn_app().await;
    trust(&app, "default", "https://rsa.example/", KeyKind::Pem, None).await;
    let payload = claims(json!({"iss": "https://rsa.example/"}));
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&payload)
    );
    refused(&app, &unsigned, "alg none").await;
    // RS/HS confusion: HS256 "signed" with the trusted RSA public key as the secret.
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &payload,
        &EncodingKey::from_secret(fixture("rsa1_public.pem").as_bytes()),
    )
    .unwrap();
    refused(&app, &confused, "accept only RS256").await;
}

#[tokio::test]
async fn a_tampered_signature_or_payload_is_401() {
    use base64::Engine;
    let app = spawn_app().await;
    trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let token = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{rest}.{flipped}{}", &signature[1..]);
    refused(&app, &tampered, "signature does not verify").await;
    let (header, _) = rest.split_once('.').unwrap();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(claims(json!({"sub": "admin"})).to_string());
    refused(
        &app,
        &format!("{header}.{forged}.{signature}"),
        "signature does not verify",
    )
    .await;
    // Signed by a key outside the JWKS but claiming one of its kids.
    let mut other = Header::new(Algorithm::RS256);
    other.kid = Some("test-rsa-1".into());
    let key = EncodingKey::from_rsa_pem(fixture("rsa2_private.pem").as_bytes()).unwrap();
    let wrong_key = jsonwebtoken::encode(&other, &claims(json!({})), &key).unwrap();
    refused(&app, &wrong_key, "signature does not verify").await;
}

#[tokio::test]
async fn an_unknown_kid_is_401_and_re_adding_the_jwks_rotates_at_once() {
    let app = spawn_app().await;
    let id = trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let unknown = sign(Algorithm::RS256, Some("retired-key"), &claims(json!({})));
    refused(&app, &unknown, "\"retired-key\" is not in the trust's JWKS").await;
    refused(
        &app,
        &sign(Algorithm::RS256, None, &claims(json!({}))),
        "no kid header",
    )
    .await;

    // The issuer rotates: test-rsa-1 is retired, test-rsa-2 stays.
    let tenant = app.store.tenants().find("default").await.unwrap().unwrap();
    let rotated = NewTrust::new(
        ENTRA_ISS,
        ENTRA_AUD,
        None,
        KeyKind::Jwks,
        fixture("jwks_rotated.json"),
        None,
    )
    .unwrap();
    let (info, was_rotation) = app.store.jwt_trusts().add(&tenant, &rotated).await.unwrap();
    assert!(was_rotation);
    assert_eq!(info.id, id, "rotation keeps the trust");
    assert_eq!(info.key_ids, ["test-rsa-2"]);
    let old = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    refused(&app, &old, "is not in the trust's JWKS").await;
    let new = sign(Algorithm::RS256, Some("test-rsa-2"), &claims(json!({})));
    assert_eq!(get_as(&app, &new, "/Users").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_claim_requirement_selects_the_tenant_and_an_unmet_one_is_401() {
    let app = spawn_app().await;
    trust(
        &app,
        "contoso",
        ENTRA_ISS,
        KeyKind::Jwks,
        Some("tid=contoso-tid"),
    )
    .await;
    trust(
        &app,
        "fabrikam",
        ENTRA_ISS,
        KeyKind::Jwks,
        Some("tid=fabrikam-tid"),
    )
    .await;
    let as_tenant = |tid: &str| {
        sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &claims(json!({"tid": tid})),
        )
    };
    let contoso = as_tenant("contoso-tid");
    let created = app
        .client
        .post(format!("{}/Users", app.base()))
        .bearer_auth(&contoso)
        .json(&json!({"schemas": [USER_URN], "userName": "c@contoso.com"}))
        .send()
        .await
        .unwrap();
    let id = id_of(json_status(created, StatusCode::CREATED).await);
    assert_eq!(
        get_as(&app, &contoso, &format!("/Users/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    let fabrikam = as_tenant("fabrikam-tid");
    scim_error(
        get_as(&app, &fabrikam, &format!("/Users/{id}")).await,
        404,
        None,
    )
    .await;
    refused(&app, &as_tenant("someone-else"), "tid claim value").await;
}

#[tokio::test]
async fn two_tenants_trusting_one_issuer_without_a_claim_requirement_is_ambiguous() {
    let app = spawn_app().await;
    trust(&app, "contoso", ENTRA_ISS, KeyKind::Jwks, None).await;
    trust(&app, "fabrikam", ENTRA_ISS, KeyKind::Jwks, None).await;
    let token = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    refused(&app, &token, "more than one trust").await;
}

#[tokio::test]
async fn removing_a_trust_stops_its_tokens_at_once_in_every_instance() {
    let app = spawn_app().await;
    let id = trust(&app, "default", ENTRA_ISS, KeyKind::Jwks, None).await;
    let second = app.second_instance().await;
    let token = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    for instance in [&app, &second] {
        assert_eq!(
            get_as(instance, &token, "/Users").await.status(),
            StatusCode::OK
        );
    }
    app.store.jwt_trusts().remove(&id).await.unwrap();
    for instance in [&app, &second] {
        refused(instance, &token, "no trust is registered").await;
    }
    assert!(app.store.jwt_trusts().remove(&id).await.is_err());
}

#[tokio::test]
async fn a_jwt_of_one_tenant_sees_nothing_of_another() {
    let app = spawn_app().await;
    let user = app.create_user("alice").await;
    let group = app.create_group("Admins", &[&user]).await;
    trust(&app, "other", ENTRA_ISS, KeyKind::Jwks, None).await;
    let other = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    let as_other = |method: Method, path: &str| {
        app.client
            .request(method, format!("{}{path}", app.base()))
            .bearer_auth(&other)
    };
    for path in [format!("/Users/{user}"), format!("/Groups/{group}")] {
        scim_error(
            as_other(Method::GET, &path).send().await.unwrap(),
            404,
            None,
        )
        .await;
        let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
        let r = as_other(Method::PATCH, &path)
            .json(&patch)
            .send()
            .await
            .unwrap();
        scim_error(r, 404, None).await;
        scim_error(
            as_other(Method::DELETE, &path).send().await.unwrap(),
            404,
            None,
        )
        .await;
    }
    for path in [
        "/Users?filter=userName%20eq%20%22alice%22",
        "/Groups",
        "/Users",
    ] {
        let list = json_ok(as_other(Method::GET, path).send().await.unwrap()).await;
        assert_eq!(list["totalResults"], 0, "{path}");
    }
    // What the JWT's tenant writes stays out of the first tenant's view, too.
    let mine = as_other(Method::POST, "/Users")
        .json(&json!({"schemas": [USER_URN], "userName": "alice"}))
        .send()
        .await
        .unwrap();
    json_status(mine, StatusCode::CREATED).await;
    assert_eq!(app.list_users("").await["totalResults"], 1);
}

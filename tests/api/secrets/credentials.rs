//! The credentials besides tenant tokens, through the `scimd` binary at `SCIMD_LOG=trace`,
//! text and JSON: the admin token, the tokens and client secrets the admin API issues, OAuth
//! client secrets and the access tokens they buy, HS256 trust secrets and the JWTs signed with
//! them. Each may appear in the one answer that issues it, never in the log, and no listing
//! (admin API or CLI) shows one.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::logs::{Secrets, assert_traced, database_url};
use super::process::{Server, command};
use crate::helpers::*;

const ISSUER: &str = "https://hs.example/";
const AUDIENCE: &str = "scimd-log-test";

/// The running server, and the admin token it was started with.
struct Api {
    client: reqwest::Client,
    root: String,
    admin_token: String,
}

impl Api {
    fn new(server: &Server, admin_token: &str) -> Self {
        let root = server
            .base
            .strip_suffix("/scim/v2")
            .expect("the base URL ends in /scim/v2");
        Self {
            client: crate::helpers::client(),
            root: root.to_owned(),
            admin_token: admin_token.to_owned(),
        }
    }

    /// An admin API request bearing `bearer`.
    fn admin_as(&self, bearer: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/admin/v1{path}", self.root))
            .bearer_auth(bearer)
    }

    fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.admin_as(&self.admin_token, method, path)
    }

    /// The status of `GET /scim/v2/Users` with `bearer`.
    async fn users(&self, bearer: &str) -> StatusCode {
        self.client
            .get(format!("{}/scim/v2/Users", self.root))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// `POST /oauth/token` with this form body and, if given, HTTP Basic credentials.
    fn token_request(&self, basic: Option<(&str, &str)>, pairs: &[(&str, &str)]) -> RequestBuilder {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.extend_pairs(pairs);
        let request = self
            .client
            .post(format!("{}/oauth/token", self.root))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.finish());
        match basic {
            Some((id, secret)) => request.basic_auth(id, Some(secret)),
            None => request,
        }
    }
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.unwrap()
}

/// A JWT and, on its own, its signature: neither may be logged.
fn add_jwt(secrets: &mut Secrets, what: &'static str, jwt: &str) {
    secrets.add(what, jwt);
    let signature = jwt.rsplit('.').next().unwrap();
    assert!(signature.len() >= 40, "{jwt}");
    secrets.add(what, signature);
}

/// An HS256 secret as the client sends it and as scimd stores it (base64).
fn make_hs256_secret(secrets: &mut Secrets, what: &'static str) -> String {
    let secret = secrets.make(what);
    secrets.add(what, &STANDARD.encode(&secret));
    secret
}

/// The status of an RFC 6749 §5.2 error, and its `error` code.
async fn oauth_error(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The admin token, right and wrong, and where it does not work.
async fn admin_token(api: &Api, secrets: &mut Secrets) {
    let wrong = secrets.make("a wrong admin token");
    let r = send(api.admin_as(&wrong, Method::GET, "/tenants")).await;
    scim_error(r, 401, None).await;
    let body = json!({"tenant": "default"});
    let r = send(api.admin_as(&wrong, Method::POST, "/tokens").json(&body)).await;
    scim_error(r, 401, None).await;
    assert_eq!(
        api.users(&api.admin_token).await,
        StatusCode::UNAUTHORIZED,
        "the admin token is no SCIM credential"
    );
    let r = send(
        api.admin(Method::POST, "/tenants")
            .json(&json!({"name": "acme"})),
    )
    .await;
    json_status(r, StatusCode::CREATED).await;
}

/// A tenant token issued and one rotated in: each in the answer that made it, and working.
async fn issued_tokens(api: &Api, secrets: &mut Secrets) {
    let body = json!({"tenant": "acme", "label": "Okta"});
    let issued = json_status(
        send(api.admin(Method::POST, "/tokens").json(&body)).await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("scimd_"), "{issued}");
    secrets.add("a token the admin API issued", &token);
    assert_eq!(api.users(&token).await, StatusCode::OK);

    let path = format!("/tokens/{}/rotate", issued["id"].as_str().unwrap());
    let rotated = json_status(
        send(
            api.admin(Method::POST, &path)
                .json(&json!({"overlap": "1h"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let successor = rotated["token"].as_str().unwrap().to_owned();
    secrets.add("a token the admin API rotated in", &successor);
    for token in [&token, &successor] {
        assert_eq!(api.users(token).await, StatusCode::OK);
    }
}

/// An OAuth client made over the admin API; its secret by HTTP Basic and in the form body,
/// the access tokens it gets, and wrong secrets.
async fn oauth(api: &Api, secrets: &mut Secrets) {
    let body = json!({"tenant": "acme", "label": "Entra"});
    let created = json_status(
        send(api.admin(Method::POST, "/clients").json(&body)).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["clientId"].as_str().unwrap().to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    secrets.add("an OAuth client secret", &secret);
    secrets.add(
        "HTTP Basic client credentials",
        &STANDARD.encode(format!("{id}:{secret}")),
    );

    let grant = ("grant_type", "client_credentials");
    let in_body = [grant, ("client_id", &id), ("client_secret", &secret)];
    for (what, request) in [
        (
            "an access token (client authenticated by HTTP Basic)",
            api.token_request(Some((&id, &secret)), &[grant]),
        ),
        (
            "an access token (client authenticated in the form body)",
            api.token_request(None, &in_body),
        ),
    ] {
        let granted = json_ok(send(request).await).await;
        let token = granted["access_token"].as_str().unwrap();
        add_jwt(secrets, what, token);
        assert_eq!(api.users(token).await, StatusCode::OK, "{what}");
    }

    let wrong_basic = secrets.make("a wrong client secret (HTTP Basic)");
    let wrong_form = secrets.make("a wrong client secret (form body)");
    let garbled = secrets.make("a client secret in a malformed Basic header");
    let refused = [
        api.token_request(Some((&id, &wrong_basic)), &[grant]),
        api.token_request(
            None,
            &[grant, ("client_id", &id), ("client_secret", &wrong_form)],
        ),
        api.token_request(Some(("no-such-client", &secret)), &[grant]),
        api.token_request(None, &[grant])
            .header("Authorization", format!("Basic {garbled}!")),
    ];
    for request in refused {
        let (status, code) = oauth_error(send(request).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "invalid_client")
        );
    }
    let both = api.token_request(Some((&id, &secret)), &[grant, ("client_secret", &secret)]);
    let (status, code) = oauth_error(send(both).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

/// Credentials where RFC 6749 §2.3.1 forbids them, in the URL: refused, and their values are
/// not logged with the request's target.
async fn in_the_url(api: &Api, secrets: &mut Secrets) {
    let secret = secrets.make("a client secret in the URL");
    let token = secrets.make("an access token in the URL");
    let url = format!(
        "{}/oauth/token?client_id=someone&client_secret={secret}",
        api.root
    );
    let request = api
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials");
    let (status, code) = oauth_error(send(request).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    let url = format!("{}/scim/v2/Users?ACCESS_TOKEN={token}&count=1", api.root);
    let r = send(api.client.get(url)).await;
    scim_error(r, 401, None).await;
}

/// A JWT of the test issuer signed with `secret`, valid for five minutes.
fn hs256_jwt(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims =
        json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "idp", "iat": now, "exp": now + 300});
    let key = EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

/// HS256 trusts registered and rotated over the admin API, refused registrations with a
/// secret aboard, and JWTs signed with the current, the retired and an unknown secret.
async fn jwt_trusts(api: &Api, secrets: &mut Secrets) {
    let trust = |tenant: &str, secret: &str| json!({"tenant": tenant, "issuer": ISSUER, "audience": AUDIENCE, "hs256Secret": secret});
    let first = make_hs256_secret(secrets, "an HS256 secret");
    let r = send(
        api.admin(Method::POST, "/jwt-trusts")
            .json(&trust("acme", &first)),
    )
    .await;
    let added = json_status(r, StatusCode::CREATED).await;
    assert_eq!(added["keyKind"], "secret", "{added}");
    let current = make_hs256_secret(secrets, "a rotated-in HS256 secret");
    let r = send(
        api.admin(Method::POST, "/jwt-trusts")
            .json(&trust("acme", &current)),
    )
    .await;
    assert_eq!(json_ok(r).await["rotated"], true);

    let unknown = secrets.make("an HS256 secret scimd does not know");
    for (what, secret, status) in [
        (
            "a JWT signed with the HS256 secret",
            &current,
            StatusCode::OK,
        ),
        (
            "a JWT signed with the retired HS256 secret",
            &first,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a JWT signed with an unknown secret",
            &unknown,
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let jwt = hs256_jwt(secret);
        add_jwt(secrets, what, &jwt);
        assert_eq!(api.users(&jwt).await, status, "{what}");
    }

    let mut two_keys = trust(
        "acme",
        &make_hs256_secret(secrets, "an HS256 secret beside a PEM"),
    );
    two_keys["publicKey"] = json!("-----BEGIN PUBLIC KEY-----");
    let r = send(api.admin(Method::POST, "/jwt-trusts").json(&two_keys)).await;
    scim_error(r, 400, Some("invalidValue")).await;
    let short = secrets.make("a too-short HS256 secret")[..24].to_owned();
    secrets.add("a too-short HS256 secret", &short);
    let r = send(
        api.admin(Method::POST, "/jwt-trusts")
            .json(&trust("acme", &short)),
    )
    .await;
    scim_error(r, 400, Some("invalidValue")).await;
    // A private key sent where the public one belongs is a secret too.
    let private = crate::jwt::fixture("rsa2_private.pem");
    for line in private.lines().filter(|l| !l.starts_with("-----")).take(3) {
        secrets.add("a private key sent as publicKey", line);
    }
    let pem = json!({"tenant": "acme", "issuer": "https://rsa.example/", "audience": AUDIENCE,
                     "publicKey": private});
    let r = send(api.admin(Method::POST, "/jwt-trusts").json(&pem)).await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains("private"), "{detail}");
    secrets.assert_absent(&detail, "the refusal of a private key");
    let nobody = trust(
        "nobody",
        &make_hs256_secret(secrets, "an HS256 secret for no tenant"),
    );
    let r = send(api.admin(Method::POST, "/jwt-trusts").json(&nobody)).await;
    scim_error(r, 404, None).await;
    let malformed = format!(
        r#"{{"tenant": "acme", "hs256Secret": "{}", "#,
        make_hs256_secret(secrets, "an HS256 secret in malformed JSON")
    );
    let r = api
        .admin(Method::POST, "/jwt-trusts")
        .header("Content-Type", "application/json")
        .body(malformed);
    assert_eq!(send(r).await.status(), StatusCode::BAD_REQUEST);
}

/// Every admin listing, whole and per tenant: it answers, names no secret field, and holds
/// none of the secrets.
async fn admin_listings(api: &Api, secrets: &Secrets) {
    for path in [
        "/tenants",
        "/tokens",
        "/tokens?tenant=acme",
        "/clients",
        "/clients?tenant=acme",
        "/jwt-trusts",
        "/jwt-trusts?tenant=acme",
    ] {
        let listed = json_ok(send(api.admin(Method::GET, path)).await).await;
        assert!(!listed.as_array().unwrap().is_empty(), "{path}: {listed}");
        let text = listed.to_string();
        for field in ["\"token\"", "clientSecret", "hs256Secret", "secret\":"] {
            assert!(!text.contains(field), "{path} shows {field}: {text}");
        }
        secrets.assert_absent(&text, &format!("GET /admin/v1{path}"));
    }
}

/// Runs `scimd ARGS` on `url`, asserting success; its stdout.
fn cli(url: &str, args: &[&str], secrets: &Secrets) -> String {
    let out = command(&[("SCIMD_DATABASE_URL", url)])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    secrets.assert_absent(&stdout, &format!("the stdout of scimd {args:?}"));
    secrets.assert_absent(&stderr, &format!("the stderr of scimd {args:?}"));
    stdout
}

/// An HS256 secret rotated in through `scimd jwt add`, then every CLI listing.
fn cli_listings(url: &str, secrets: &mut Secrets) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hs256.secret");
    let secret = make_hs256_secret(secrets, "an HS256 secret given to scimd jwt add");
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    let file = file.to_str().unwrap();
    let add = [
        "jwt",
        "add",
        "--tenant",
        "acme",
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
    ];
    cli(
        url,
        &[&add[..], &["--hs256-secret-file", file]].concat(),
        secrets,
    );
    // The secret given as a PEM file: refused, and the refusal does not quote it.
    let out = command(&[("SCIMD_DATABASE_URL", url)])
        .args([&add[..], &["--public-key-file", file]].concat())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    secrets.assert_absent(&String::from_utf8_lossy(&out.stderr), "a refused jwt add");

    for args in [
        &["jwt", "list"][..],
        &["jwt", "list", "--tenant", "acme"],
        &["client", "list"],
        &["client", "list", "--tenant", "acme"],
        &["token", "list"],
        &["token", "list", "--tenant", "acme"],
    ] {
        let listed = cli(url, args, secrets);
        assert!(listed.contains("acme"), "{args:?}: {listed}");
    }
}

/// The secrets only the database holds: the keys scimd signs its access tokens with.
async fn signing_keys(db: &TestDb, secrets: &mut Secrets) {
    let keys = entity::signing_key::Entity::find()
        .all(&db.connect().await)
        .await
        .unwrap();
    assert!(!keys.is_empty(), "access tokens were issued");
    for key in keys {
        secrets.add("the access-token signing key", &key.secret);
    }
}

async fn run(json: bool) {
    let db = TestDb::new().await;
    let mut secrets = Secrets::new();
    let url = database_url(&db, &mut secrets);
    let admin = secrets.make("SCIMD_ADMIN_TOKEN");
    let mut env = vec![
        ("SCIMD_DATABASE_URL", url.as_str()),
        ("SCIMD_LOG", "trace"),
        ("SCIMD_ADMIN_TOKEN", admin.as_str()),
    ];
    if json {
        env.push(("SCIMD_LOG_FORMAT", "json"));
    }
    let server = Server::start(&env);
    let api = Api::new(&server, &admin);
    admin_token(&api, &mut secrets).await;
    issued_tokens(&api, &mut secrets).await;
    oauth(&api, &mut secrets).await;
    jwt_trusts(&api, &mut secrets).await;
    admin_listings(&api, &secrets).await;
    in_the_url(&api, &mut secrets).await;
    let out = server.stop().await;
    signing_keys(&db, &mut secrets).await;

    assert_traced(&out.stderr, json);
    secrets.assert_absent(&out.stderr, "the log (stderr)");
    secrets.assert_absent(&out.stdout, "stdout");
    for route in [
        "/admin/v1/jwt-trusts",
        "/oauth/token?client_id=someone&client_secret=[redacted]",
        "/Users?ACCESS_TOKEN=[redacted]&count=1",
        "JWT bearer rejected",
    ] {
        assert!(out.stderr.contains(route), "{route} is not in the log");
    }
    cli_listings(&url, &mut secrets);
}

#[tokio::test]
async fn admin_oauth_and_jwt_credentials_never_reach_the_text_log_or_a_listing() {
    run(false).await;
}

#[tokio::test]
async fn admin_oauth_and_jwt_credentials_never_reach_the_json_log_or_a_listing() {
    run(true).await;
}

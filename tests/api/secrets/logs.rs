//! The `scimd` binary at `SCIMD_LOG=trace`, text and JSON: every secret a request or the
//! configuration carries is searched for in what it wrote.
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::process::{Server, command};
use crate::helpers::*;

/// A secret and what it is, for the failure message.
pub(super) struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    pub(super) fn new() -> Self {
        Self(Vec::new())
    }

    /// A fresh random secret, remembered.
    pub(super) fn make(&mut self, what: &'static str) -> String {
        let secret = format!("Sekret{}", uuid::Uuid::new_v4().simple());
        self.0.push((what, secret.clone()));
        secret
    }

    pub(super) fn add(&mut self, what: &'static str, secret: &str) {
        self.0.push((what, secret.to_owned()));
    }

    /// Asserts that no secret occurs in `text`.
    pub(super) fn assert_absent(&self, text: &str, place: &str) {
        for (what, secret) in &self.0 {
            assert!(
                !text.contains(secret.as_str()),
                "{what} appears in {place}:\n{}",
                text.lines()
                    .filter(|l| l.contains(secret.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// The database URL for a fresh database, with a password in it on PostgreSQL (the test
/// server trusts loopback, so any password connects).
pub(super) fn database_url(db: &TestDb, secrets: &mut Secrets) -> String {
    if !db.is_postgres() {
        return db.url.clone();
    }
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    if let Some((_, password)) = user.split_once(':') {
        secrets.add("the database password", password);
        return db.url.clone();
    }
    let password = secrets.make("the database password");
    format!("{scheme}://{user}:{password}@{host}")
}

/// Every kind of request that carries a secret, against the server at `base`.
async fn exercise(base: &str, token: &str, secrets: &mut Secrets) {
    let client = crate::helpers::client();
    let send = |method: reqwest::Method, path: &str, bearer: &str, body: Option<String>| {
        let mut req = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(bearer)
            .header("Content-Type", "application/scim+json");
        if let Some(body) = body {
            req = req.body(body);
        }
        req.send()
    };
    use reqwest::Method as M;
    let wrong = secrets.make("a wrong bearer token");
    let r = send(M::GET, "/Users", &wrong, None).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let unauthenticated = json!({"userName": "nobody", "password": secrets.make("a password sent without a valid token")});
    let r = send(M::POST, "/Users", &wrong, Some(unauthenticated.to_string()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let user = json!({"schemas": [USER_URN], "userName": "pat", "password": secrets.make("a POST password")});
    let r = send(M::POST, "/Users", token, Some(user.to_string()))
        .await
        .unwrap();
    let id = id_of(json_status(r, StatusCode::CREATED).await);
    let path = format!("/Users/{id}");
    let put = json!({"schemas": [USER_URN], "userName": "pat", "password": secrets.make("a PUT password")});
    json_ok(
        send(M::PUT, &path, token, Some(put.to_string()))
            .await
            .unwrap(),
    )
    .await;
    for ops in [
        json!([{"op": "replace", "path": "password", "value": secrets.make("a PATCH password (path)")}]),
        json!([{"op": "replace", "value": {"password": secrets.make("a PATCH password (no path)")}}]),
    ] {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        json_ok(
            send(M::PATCH, &path, token, Some(body.to_string()))
                .await
                .unwrap(),
        )
        .await;
    }
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "u",
         "data": {"schemas": [USER_URN], "userName": "bulky", "password": secrets.make("a Bulk POST password")}},
        {"method": "PUT", "path": path,
         "data": {"schemas": [USER_URN], "userName": "pat", "password": secrets.make("a Bulk PUT password")}},
        {"method": "PATCH", "path": "/Users/bulkId:u",
         "data": {"Operations": [{"op": "add", "path": "password", "value": secrets.make("a Bulk PATCH password")}]}}
    ]});
    let r = json_ok(
        send(M::POST, "/Bulk", token, Some(bulk.to_string()))
            .await
            .unwrap(),
    )
    .await;
    let statuses: Vec<&Value> = r["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["status"])
        .collect();
    assert_eq!(
        statuses,
        [&json!("201"), &json!("200"), &json!("200")],
        "{r}"
    );

    // Requests that fail, each with a password aboard: invalid, malformed, taken, unknown.
    let invalid = json!({"userName": "x", "active": "maybe", "password": secrets.make("a password in an invalid body")});
    let r = send(M::POST, "/Users", token, Some(invalid.to_string()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let malformed = format!(
        r#"{{"userName": "x", "password": "{}", "#,
        secrets.make("a password in malformed JSON")
    );
    let r = send(M::POST, "/Users", token, Some(malformed))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let taken =
        json!({"userName": "PAT", "password": secrets.make("a password in a conflicting POST")});
    let r = send(M::POST, "/Users", token, Some(taken.to_string()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let unknown = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "password", "value": secrets.make("a password for an unknown user")}]});
    let r = send(
        M::PATCH,
        &format!("/Users/{}", uuid::Uuid::new_v4()),
        token,
        Some(unknown.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// The log proves it was written at trace level (so the search below searched something).
pub(super) fn assert_traced(stderr: &str, json: bool) {
    assert!(
        stderr.contains("request completed"),
        "no request log lines:\n{stderr}"
    );
    if json {
        for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
            let parsed: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            assert!(parsed.get("level").is_some(), "{line}");
        }
        assert!(
            stderr.contains("\"level\":\"TRACE\""),
            "no trace lines:\n{stderr}"
        );
    } else {
        assert!(stderr.contains("TRACE"), "no trace lines:\n{stderr}");
    }
}

#[tokio::test]
async fn first_start_token_is_printed_once_on_stdout_and_no_secret_reaches_the_text_log() {
    let db = TestDb::new().await;
    let mut secrets = Secrets::new();
    let url = database_url(&db, &mut secrets);
    let server = Server::start(&[("SCIMD_DATABASE_URL", &url), ("SCIMD_LOG", "trace")]);
    let token = server.token_line.clone();
    assert!(token.starts_with("scimd_"), "{token}");
    exercise(&server.base, &token, &mut secrets).await;
    let out = server.stop().await;

    assert_traced(&out.stderr, false);
    secrets.assert_absent(&out.stderr, "the log (stderr)");
    secrets.assert_absent(&out.stdout, "stdout");
    assert!(
        !out.stderr.contains(&token),
        "the first-start token is in the log"
    );
    assert_eq!(out.stdout.matches(&token).count(), 1, "{}", out.stdout);
    assert_eq!(
        out.stdout.lines().find(|l| l.contains(&token)),
        Some(format!("Bearer token:  {token}").as_str())
    );
}

#[tokio::test]
async fn the_bootstrap_token_and_request_secrets_never_reach_the_json_log_or_stdout() {
    let db = TestDb::new().await;
    let mut secrets = Secrets::new();
    let url = database_url(&db, &mut secrets);
    let bootstrap = format!("scimd_{}", secrets.make("SCIMD_BOOTSTRAP_TOKEN"));
    let server = Server::start(&[
        ("SCIMD_DATABASE_URL", &url),
        ("SCIMD_LOG", "trace"),
        ("SCIMD_LOG_FORMAT", "json"),
        ("SCIMD_BOOTSTRAP_TOKEN", &bootstrap),
    ]);
    assert_eq!(server.token_line, "the value of SCIMD_BOOTSTRAP_TOKEN");
    exercise(&server.base, &bootstrap, &mut secrets).await;
    let out = server.stop().await;

    assert_traced(&out.stderr, true);
    secrets.assert_absent(&out.stderr, "the JSON log (stderr)");
    secrets.assert_absent(&out.stdout, "stdout");
}

/// A loopback port that answers a PostgreSQL client with garbage: connecting fails at once
/// (a refused port would make the pool retry for its whole acquire timeout).
struct NotADatabase {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl NotADatabase {
    fn start() -> Self {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                        let _ = conn.read(&mut [0u8; 512]);
                        let _ = conn.write_all(b"garbage!");
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Self { port, stop }
    }
}

impl Drop for NotADatabase {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[tokio::test]
async fn a_database_url_password_stays_out_of_startup_errors() {
    let mut secrets = Secrets::new();
    let password = secrets.make("a database password");
    let port = NotADatabase::start();
    let port = &port.port;
    // The last one fails before connecting at all: an unsupported scheme.
    for url in [
        format!("postgres://scimd:{password}@127.0.0.1:{port}/scimd"),
        format!("postgres://scimd:{password}@127.0.0.1:{port}/scimd?sslmode=disable"),
        format!("postgres://scimd@127.0.0.1:{port}/scimd?password={password}&sslmode=disable"),
        format!("mysql://scimd:{password}@127.0.0.1:{port}/scimd"),
    ] {
        for args in [&["migrate"][..], &["serve"], &["token", "list"]] {
            let out = command(&[("SCIMD_DATABASE_URL", &url), ("SCIMD_LOG", "trace")])
                .env("SCIMD_LISTEN", "127.0.0.1:0")
                .args(args)
                .output()
                .unwrap();
            assert!(!out.status.success(), "{args:?} {url}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("error"), "{args:?}: {stderr}");
            secrets.assert_absent(&stderr, &format!("stderr of {args:?} with {url}"));
            secrets.assert_absent(&String::from_utf8_lossy(&out.stdout), "stdout");
        }
    }
}

#[test]
fn help_output_never_shows_secret_environment_values() {
    let mut secrets = Secrets::new();
    let url = format!(
        "postgres://scimd:{}@db/scimd",
        secrets.make("a database password")
    );
    let bootstrap = secrets.make("SCIMD_BOOTSTRAP_TOKEN");
    let admin = secrets.make("SCIMD_ADMIN_TOKEN");
    let env = [
        ("SCIMD_DATABASE_URL", url.as_str()),
        ("SCIMD_BOOTSTRAP_TOKEN", bootstrap.as_str()),
        ("SCIMD_ADMIN_TOKEN", admin.as_str()),
    ];
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["tenant", "create", "--help"],
        &["token", "issue", "--help"],
        &["token", "list", "--help"],
        &["jwt", "add", "--help"],
        &["jwt", "list", "--help"],
        &["client", "create", "--help"],
        &["client", "list", "--help"],
    ] {
        let out = command(&env).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("SCIMD_DATABASE_URL"), "{args:?}: {text}");
        secrets.assert_absent(&text, &format!("{args:?}"));
        secrets.assert_absent(&String::from_utf8_lossy(&out.stderr), &format!("{args:?}"));
    }
}

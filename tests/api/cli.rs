use std::process::{Command, Output};

use reqwest::StatusCode;

use crate::helpers::*;

pub(crate) fn scimd(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(args)
        .arg("--database-url")
        .arg(&db.url)
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .expect("scimd runs")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn tenant_and_token_commands_manage_credentials_a_server_accepts() {
    let db = TestDb::new().await;
    let out = scimd(&db, &["migrate"]);
    assert!(out.status.success(), "{out:?}");
    let out = scimd(&db, &["tenant", "create", "acme"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim(), "acme");

    let out = scimd(&db, &["tenant", "create", "acme"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(err.contains("already exists"), "{err}");

    let out = scimd(
        &db,
        &[
            "token",
            "issue",
            "--tenant",
            "acme",
            "--label",
            "Entra ID",
            "--expires-in",
            "90d",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let token = stdout(&out);
    assert_eq!(token.lines().count(), 1, "the token alone: {token:?}");
    let token = token.trim().to_owned();
    assert!(token.starts_with("scimd_"));

    let listed = stdout(&scimd(&db, &["token", "list", "--tenant", "acme"]));
    assert!(
        listed.contains("Entra ID") && listed.contains("acme"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "the secret is never listed");
    assert!(stdout(&scimd(&db, &["tenant", "list"])).contains("acme"));

    // The token works against a server on the same database, until it is revoked.
    let db_url = db.url.clone();
    let mut s = settings(&db, "bootstrap-token-for-the-default-tenant-000");
    s.database_url = db_url;
    let app = start(db, s, token.clone()).await;
    let users = |t: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/Users", app.base()))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(users(token.clone()).await, StatusCode::OK);
    let id = app
        .store
        .tokens()
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.label.as_deref() == Some("Entra ID"))
        .unwrap()
        .id;
    let out = scimd(&app.db, &["token", "revoke", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(users(token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn issuing_for_an_unknown_tenant_fails_with_a_clear_error() {
    let db = TestDb::new().await;
    assert!(scimd(&db, &["migrate"]).status.success());
    let out = scimd(&db, &["token", "issue", "--tenant", "nobody"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no tenant \"nobody\""), "{err}");
    assert!(out.stdout.is_empty());
    let out = scimd(&db, &["tenant", "create", "bad name!"]);
    assert!(!out.status.success());
    let out = scimd(&db, &["token", "revoke", "no-such-id"]);
    assert!(!out.status.success());
}

/// A lifetime past the last date a timestamp holds is refused with the flag's name; it was a
/// panic (an overflow adding it to now).
#[tokio::test]
async fn an_expiry_past_the_last_storable_date_is_a_clear_error() {
    let db = TestDb::new().await;
    assert!(scimd(&db, &["migrate"]).status.success());
    assert!(scimd(&db, &["tenant", "create", "far"]).status.success());
    let out = scimd(
        &db,
        &[
            "token",
            "issue",
            "--tenant",
            "far",
            "--expires-in",
            "300000y",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--expires-in"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty());
    let issued = scimd(
        &db,
        &["token", "issue", "--tenant", "far", "--expires-in", "1y"],
    );
    assert!(issued.status.success());
    let listed = stdout(&scimd(&db, &["token", "list", "--tenant", "far"]));
    let id = listed
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let out = scimd(&db, &["token", "rotate", &id, "--expires-in", "300000y"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--expires-in"), "{err}");
}

/// A free loopback port (bound and released; the server binds it right after).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The exit status of `child`, which must end within 10 s.
pub(crate) async fn exited(child: &mut std::process::Child) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "scimd did not stop within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn serve_prints_base_url_and_token_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let db = TestDb::new().await;
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .env("SCIMD_DATABASE_URL", &db.url)
        .env("SCIMD_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("SCIMD_BOOTSTRAP_TOKEN")
        .env("SCIMD_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let token = lines.next().unwrap().unwrap();
    assert_eq!(
        base,
        format!("SCIM base URL: http://127.0.0.1:{port}/scim/v2")
    );
    let token = token
        .strip_prefix("Bearer token:  ")
        .expect("token line")
        .to_owned();

    let client = crate::helpers::client();
    let r = client
        .get(format!("http://127.0.0.1:{port}/scim/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = exited(&mut child).await;
    assert!(status.success(), "exit status {status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stopped in {:?}",
        started.elapsed()
    );
}

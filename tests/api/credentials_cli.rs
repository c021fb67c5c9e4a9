//! `scimd jwt …` and `scimd client …` through the real binary, against a running server on
//! the same database.
use std::process::{Command, Output};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::jwt::{ENTRA_AUD, ENTRA_ISS, fixture};
use crate::oauth::{access_token, token_request};

pub fn scimd(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(args)
        .arg("--database-url")
        .arg(&db.url)
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .expect("scimd runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn one_line_error(out: &Output, expected: &str) {
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(err.contains(expected), "{err:?} lacks {expected:?}");
}

async fn status(app: &TestApp, token: &str) -> StatusCode {
    app.client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn client_create_list_and_revoke_manage_clients_the_server_honours() {
    let app = spawn_app().await;
    scimd(&app.db, &["tenant", "create", "acme"]);
    let out = scimd(
        &app.db,
        &[
            "client",
            "create",
            "--tenant",
            "acme",
            "--label",
            "Entra gallery",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let printed = stdout(&out);
    let field = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{name} in {printed:?}"))
    };
    let (id, secret) = (field("client_id:"), field("client_secret:"));
    assert_eq!(printed.lines().count(), 2, "{printed}");

    let listed = stdout(&scimd(&app.db, &["client", "list", "--tenant", "acme"]));
    assert!(
        listed.contains(&id) && listed.contains("Entra gallery"),
        "{listed}"
    );
    assert!(!listed.contains(&secret), "the secret is never listed");
    // The LAST USED column (ID 36, then TENANT, CREATED and REVOKED at 16, two spaces apart).
    let last_used = |listed: &str| {
        let row = listed.lines().find(|l| l.contains(&id)).unwrap();
        row[92..108].trim().to_owned()
    };
    assert_eq!(last_used(&listed), "-", "never used yet: {listed}");

    let token = access_token(&app, &id, &secret).await;
    assert_eq!(status(&app, &token).await, StatusCode::OK);
    let listed = stdout(&scimd(&app.db, &["client", "list"]));
    let used = chrono::NaiveDateTime::parse_from_str(&last_used(&listed), "%Y-%m-%d %H:%M");
    assert!(used.is_ok(), "last used is shown: {listed}");

    let out = scimd(&app.db, &["client", "revoke", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(status(&app, &token).await, StatusCode::UNAUTHORIZED);
    let r = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    one_line_error(
        &scimd(&app.db, &["client", "create", "--tenant", "nobody"]),
        "no tenant \"nobody\"",
    );
    one_line_error(
        &scimd(&app.db, &["client", "revoke", "no-such-id"]),
        "no OAuth client",
    );
}

#[tokio::test]
async fn jwt_add_list_and_remove_manage_trusts_the_server_honours() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, fixture("jwks.json")).unwrap();
    let secret_file = dir.path().join("hs.secret");
    let secret = "an HS256 secret for the CLI test, long enough";
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let jwks = jwks.to_str().unwrap();
    let add = |extra: &[&str]| {
        let base = [
            "jwt",
            "add",
            "--tenant",
            "default",
            "--issuer",
            ENTRA_ISS,
            "--audience",
            ENTRA_AUD,
        ];
        scimd(&app.db, &[&base[..], extra].concat())
    };

    let out = add(&["--jwks-file", jwks]);
    assert!(out.status.success(), "{out:?}");
    let id = stdout(&out).trim().to_owned();
    assert_eq!(stdout(&out).lines().count(), 1, "the id alone");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-rsa-1".into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": ENTRA_ISS, "aud": ENTRA_AUD, "exp": now + 300, "sub": "entra"});
    let key = EncodingKey::from_rsa_pem(fixture("rsa1_private.pem").as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(status(&app, &token).await, StatusCode::OK);

    // Adding it again rotates in place; another tenant on the same issuer draws a warning.
    let out = add(&["--jwks-file", jwks]);
    assert_eq!(stdout(&out).trim(), id);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("replaced the key"),
        "{out:?}"
    );
    scimd(&app.db, &["tenant", "create", "acme"]);
    let hs = secret_file.to_str().unwrap();
    let out = scimd(
        &app.db,
        &[
            "jwt",
            "add",
            "--tenant",
            "acme",
            "--issuer",
            ENTRA_ISS,
            "--audience",
            ENTRA_AUD,
            "--hs256-secret-file",
            hs,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ambiguous"),
        "{out:?}"
    );

    let listed = stdout(&scimd(&app.db, &["jwt", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("test-rsa-1,test-rsa-2"),
        "{listed}"
    );
    assert!(
        listed.contains("HS256") && listed.contains("acme"),
        "{listed}"
    );
    assert!(!listed.contains(secret), "an HS secret is never listed");
    let only_acme = stdout(&scimd(&app.db, &["jwt", "list", "--tenant", "acme"]));
    assert!(!only_acme.contains(&id), "{only_acme}");

    let out = scimd(&app.db, &["jwt", "remove", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(status(&app, &token).await, StatusCode::UNAUTHORIZED);

    let private = dir.path().join("private.pem");
    std::fs::write(&private, fixture("rsa1_private.pem")).unwrap();
    one_line_error(
        &add(&["--public-key-file", private.to_str().unwrap()]),
        "private key",
    );
    one_line_error(
        &add(&["--jwks-file", jwks, "--algorithm", "ES256"]),
        "no signing key",
    );
    one_line_error(
        &add(&["--jwks-file", jwks, "--require-claim", "tid"]),
        "NAME=VALUE",
    );
    one_line_error(&scimd(&app.db, &["jwt", "remove", &id]), "no JWT trust");
    let reserved = scimd(
        &app.db,
        &[
            "jwt",
            "add",
            "--tenant",
            "default",
            "--issuer",
            "urn:scimd:oauth",
            "--audience",
            "x",
            "--jwks-file",
            jwks,
        ],
    );
    one_line_error(&reserved, "scimd's own");
}

//! What every subcommand shares: it never creates a database (only `serve` and `migrate`
//! do), refuses a schema from a newer scimd, lists as JSON with `--json`; and the operator's
//! commands: `tenant delete`, `healthcheck`, `completions`, `--version`.
use std::process::Command;

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::cli::{scimd, stdout};
use crate::custom_schemas::{acme_document, register};
use crate::helpers::*;

const ADMIN_TOKEN: &str = "admin-token-for-cli-tests-0123456789";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &std::process::Output) -> Vec<Value> {
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn commands_other_than_serve_and_migrate_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let url = format!("sqlite://{}?mode=rwc", missing.display());
    for args in [
        &["tenant", "list"][..],
        &["tenant", "create", "acme"],
        &["token", "list", "--json"],
        &["token", "issue", "--tenant", "default"],
        &["jwt", "list"],
        &["client", "list"],
        &["schema", "list"],
        &["tenant", "delete", "acme", "--yes"],
        &["backup", "/tmp/scimd-never.db"],
        &["events", "--tenant", "default"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
            .args(args)
            .args(["--database-url", &url])
            .env_remove("SCIMD_DATABASE_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("no database at {}", missing.display())),
            "{err}"
        );
        assert!(err.contains("scimd migrate"), "the fix is named: {err}");
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // A relative path is named absolutely: the operator sees where scimd looked.
    let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args([
            "tenant",
            "list",
            "--database-url",
            "sqlite://typo.db?mode=rwc",
        ])
        .current_dir(dir.path())
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    let expected = std::fs::canonicalize(dir.path()).unwrap().join("typo.db");
    assert!(
        stderr(&out).contains(&expected.display().to_string()),
        "{out:?}"
    );
    // migrate creates it.
    let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(missing.exists());
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_scimd_is_refused_naming_both_versions() {
    let db = TestDb::new().await;
    assert!(scimd(&db, &["migrate"]).status.success());
    let conn = db.connect().await;
    conn.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) \
         VALUES ('m20991231_000099_from_the_future', 0)",
    )
    .await
    .unwrap();
    use migration::MigratorTrait;
    let known = migration::Migrator::migrations();
    let newest_known = known.last().unwrap().name().to_owned();
    let newest_known = newest_known.as_str();
    for args in [
        &["token", "list"][..],
        &["migrate"],
        &["tenant", "create", "x"],
    ] {
        let out = scimd(&db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = stderr(&out);
        assert!(err.contains("m20991231_000099_from_the_future"), "{err}");
        assert!(err.contains(newest_known), "{err}");
        assert!(err.contains("newer scimd"), "{err}");
    }
    let mut settings = settings(&db, "newer-schema-bootstrap-token-0123456789");
    settings.database_url = db.url.clone();
    let refused = scimd::startup::Application::build(settings).await;
    let err = format!("{:#}", refused.err().expect("serve refuses"));
    assert!(
        err.contains("newer scimd") && err.contains(newest_known),
        "{err}"
    );
    // Nothing was written: no tenant `x`, no bootstrap tenant.
    let tenants = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM tenants",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenants.try_get::<i64>("", "n").unwrap(), 0);
}

#[tokio::test]
async fn every_list_command_prints_the_admin_apis_objects_with_json() {
    let app =
        spawn_app_with(|s| s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN)))
            .await;
    let db = &app.db;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "a-shared-secret-of-at-least-32-bytes!!").unwrap();
    for args in [
        &["tenant", "create", "acme"][..],
        &["token", "issue", "--tenant", "acme", "--label", "Entra ID"],
        &["client", "create", "--tenant", "acme", "--label", "Okta"],
        &[
            "jwt",
            "add",
            "--tenant",
            "acme",
            "--issuer",
            "https://issuer.example",
            "--audience",
            "scimd",
            "--hs256-secret-file",
            secret.path().to_str().unwrap(),
        ],
    ] {
        let out = scimd(db, args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    register(&app, &acme_document(), &[]);
    let admin = |path: &str| {
        let request = app
            .client
            .request(Method::GET, format!("{}/admin/v1{path}", app.root()))
            .bearer_auth(ADMIN_TOKEN);
        async move { json_ok(request.send().await.unwrap()).await }
    };
    for (args, path) in [
        (&["tenant", "list", "--json"][..], "/tenants"),
        (&["token", "list", "--json"], "/tokens"),
        (&["client", "list", "--json"], "/clients"),
        (&["jwt", "list", "--json"], "/jwt-trusts"),
        (&["schema", "list", "--json"], "/schemas"),
    ] {
        let listed = json_of(&scimd(db, args));
        assert!(!listed.is_empty(), "{args:?}");
        // The same objects, field for field (lastUsed may tick between the two reads).
        let mut from_api: Vec<Value> = serde_json::from_value(admin(path).await).unwrap();
        let mut listed = listed;
        for v in listed.iter_mut().chain(from_api.iter_mut()) {
            v.as_object_mut().unwrap().remove("lastUsed");
        }
        assert_eq!(listed, from_api, "{args:?} vs GET /admin/v1{path}");
    }
    let tokens = json_of(&scimd(db, &["token", "list", "--tenant", "acme", "--json"]));
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["label"], "Entra ID");
    assert_eq!(tokens[0]["tenant"], "acme");
    let empty = json_of(&scimd(
        db,
        &["client", "list", "--tenant", "default", "--json"],
    ));
    assert_eq!(empty, Vec::<Value>::new(), "an empty list is []");
}

#[tokio::test]
async fn tenant_delete_removes_the_tenant_and_everything_of_it_and_nothing_else() {
    let app = spawn_app().await;
    let acme = app.token_for("acme").await;
    let as_acme = |method: Method, path: &str, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, format!("{}{path}", app.base()))
            .bearer_auth(&acme);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { request.send().await.unwrap() }
    };
    let user = id_of(
        json_status(
            as_acme(
                Method::POST,
                "/Users",
                Some(json!({"schemas": [USER_URN], "userName": "ann"})),
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    json_status(
        as_acme(
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP_URN],
            "displayName": "staff", "members": [{"value": user}]})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let kept = app.create_user("kept-in-default").await;

    let out = scimd(&app.db, &["tenant", "delete", "acme"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("--yes") && err.contains("1 users, 1 groups"),
        "{err}"
    );
    assert_eq!(
        as_acme(Method::GET, "/Users", None).await.status(),
        StatusCode::OK
    );

    let out = scimd(&app.db, &["tenant", "delete", "acme", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out).trim(),
        "deleted tenant acme: 1 users, 1 groups, 1 credentials"
    );
    assert_eq!(
        as_acme(Method::GET, "/Users", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(!stdout(&scimd(&app.db, &["tenant", "list"])).contains("acme"));
    let out = scimd(&app.db, &["tenant", "delete", "acme", "--yes"]);
    assert!(stderr(&out).contains("no tenant \"acme\""), "{out:?}");
    // The other tenant is whole; a new `acme` starts empty.
    assert_eq!(app.get_user(&kept).await.status(), StatusCode::OK);
    let fresh = app.token_for("acme").await;
    let list: Value = app
        .client
        .get(format!("{}/Users", app.base()))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["totalResults"], 0);
    let conn = app.db.connect().await;
    for table in ["resources", "resource_values", "group_members"] {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE tenant_id NOT IN (SELECT id FROM tenants)"
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<i64>("", "n").unwrap(),
            0,
            "orphans in {table}"
        );
    }
}

#[tokio::test]
async fn healthcheck_exits_zero_only_for_a_200() {
    let app = spawn_app().await;
    // Off the test's one runtime thread, which serves the app being checked.
    let run = |mut command: Command| async move {
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    };
    let check = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scimd"));
        command
            .arg("healthcheck")
            .args(args)
            .env_remove("SCIMD_LISTEN");
        run(command)
    };
    let listen = format!("0.0.0.0:{}", app.port);
    for args in [
        &["--listen", &listen][..],
        &["--listen", &listen, "--ready"],
    ] {
        let out = check(args).await;
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let mut by_env = Command::new(env!("CARGO_BIN_EXE_scimd"));
    by_env
        .arg("healthcheck")
        .env("SCIMD_LISTEN", format!("127.0.0.1:{}", app.port));
    let out = run(by_env).await;
    assert!(out.status.success(), "SCIMD_LISTEN names the port: {out:?}");
    let missing = format!("{}/no-such-path", app.root());
    let out = check(&["--url", &missing]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("404"), "{out:?}");
    let closed = format!("127.0.0.1:{}", crate::cli::free_port());
    let out = check(&["--listen", &closed, "--timeout", "2s"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no answer from"), "{out:?}");
}

#[test]
fn completions_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = stdout(&out);
        for word in ["healthcheck", "backup", "database-url"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .arg("--version")
        .output()
        .unwrap();
    let version = stdout(&out);
    assert!(
        version.starts_with(&format!("scimd {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    // Built from a checkout (as the tests are), the commit is named.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(head) = head
        && head.status.success()
    {
        let commit = String::from_utf8_lossy(&head.stdout).trim().to_owned();
        assert!(
            version.contains(&format!("({commit})")),
            "{version} lacks {commit}"
        );
    }
}

//! `scimd backup FILE` while scimd serves and writes, and the restore README describes: stop,
//! replace the database file (and drop its -wal/-shm), start, data intact.
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{scimd, stdout};
use crate::helpers::*;
use crate::secrets::process::Server;

const TOKEN: &str = "backup-test-bootstrap-token-0123456789";

/// `scimd serve` on `url`, as an operator runs it.
fn serve(url: &str) -> Server {
    Server::start(&[
        ("SCIMD_DATABASE_URL", url),
        ("SCIMD_BOOTSTRAP_TOKEN", TOKEN),
        ("SCIMD_RATE_LIMIT", "0"),
        ("SCIMD_LOG", "warn"),
    ])
}

/// Every user's userName and email, through the SCIM API.
async fn users(base: &str) -> Vec<(String, String)> {
    let list: Value = client()
        .get(format!("{base}/Users?count=1000"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut users: Vec<(String, String)> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let name = u["userName"].as_str().unwrap().to_owned();
            let email = u["emails"][0]["value"].as_str().unwrap_or("").to_owned();
            (name, email)
        })
        .collect();
    users.sort();
    users
}

/// A user with an email made from its name, so that a restored user can be checked whole.
async fn create(base: &str, user_name: &str) -> StatusCode {
    client()
        .post(format!("{base}/Users"))
        .bearer_auth(TOKEN)
        .json(&json!({"schemas": [USER_URN], "userName": user_name,
            "emails": [{"value": format!("{user_name}@example.com"), "primary": true}]}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_backup_taken_during_writes_restores_to_a_consistent_database() {
    let db = TestDb::new().await;
    if db.is_postgres() {
        scimd(&db, &["migrate"]);
        let out = scimd(&db, &["backup", "/tmp/never-written.db"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!std::path::Path::new("/tmp/never-written.db").exists());
        return;
    }
    let server = serve(&db.url);
    for i in 0..20 {
        assert_eq!(
            create(&server.base, &format!("before{i:03}")).await,
            StatusCode::CREATED
        );
    }

    // Writers keep going while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, base) = (stop.clone(), server.base.clone());
        tokio::spawn(async move {
            // Bounded: the check below reads every user in one page of 1,000.
            let mut created = 0;
            while created < 900 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let status = create(&base, &format!("during{created:04}")).await;
                assert_eq!(status, StatusCode::CREATED);
                created += 1;
            }
            created
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let out = tokio::task::spawn_blocking({
        let (db_url, copy) = (db.url.clone(), copy.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_scimd"))
                .args(["backup", copy.to_str().unwrap(), "--database-url", &db_url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = writer.await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("backup written to"), "{out:?}");
    assert!(during > 0, "the load ran while the backup was taken");
    let live = users(&server.base).await;
    assert_eq!(live.len(), 20 + during);

    // A second backup to the same file is refused: a backup never overwrites.
    let again = scimd(&db, &["backup", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));

    // Restore as README says: stop, replace the file, remove -wal and -shm, start.
    server.stop().await;
    let file = db
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    std::fs::copy(&copy, &file).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
    let restored = serve(&db.url);
    let users = users(&restored.base).await;
    // A snapshot of one moment: every user from before, a prefix of the ones during, each
    // whole (its email with it).
    assert!(
        users.len() >= 20 && users.len() <= live.len(),
        "{}",
        users.len()
    );
    for (name, email) in &users {
        assert_eq!(email, &format!("{name}@example.com"));
    }
    let during_kept = users
        .iter()
        .filter(|(n, _)| n.starts_with("during"))
        .count();
    let expected: Vec<String> = (0..during_kept).map(|i| format!("during{i:04}")).collect();
    let kept: Vec<&String> = users
        .iter()
        .filter(|(n, _)| n.starts_with("during"))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(kept, expected.iter().collect::<Vec<_>>());
    // The restored database takes writes.
    assert_eq!(
        create(&restored.base, "after-restore").await,
        StatusCode::CREATED
    );
    restored.stop().await;
}

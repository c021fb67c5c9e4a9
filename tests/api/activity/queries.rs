//! Finding records: each filter, cursor paging, tenant isolation, retention, tenant deletion
//! and `scimd activity`.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::cli::{scimd, stdout};

/// Two tenants' sessions: `default` (its bootstrap token, Entra) creates three users and
/// fails once; `other` (a token labelled "Okta production") creates one.
async fn two_tenants() -> (TestApp, String) {
    let app = activity_app().await;
    for (name, external) in [("ann", "E-1"), ("ben", "E-2"), ("cat", "E-3")] {
        let user = json!({"schemas": [USER_URN], "userName": name, "externalId": external});
        let r = send_as(&app, ENTRA, Method::POST, "/Users", Some(&user)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let dup = json!({"schemas": [USER_URN], "userName": "ANN"});
    let r = send_as(&app, ENTRA, Method::POST, "/Users", Some(&dup)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let tenant = app.store.tenants().ensure("other").await.unwrap();
    let (info, token) = app
        .store
        .tokens()
        .issue(&tenant, Some("Okta production"), None)
        .await
        .unwrap();
    let r = app
        .client
        .post(format!("{}/Users", app.base()))
        .bearer_auth(&token)
        .header("User-Agent", OKTA)
        .json(&json!({"schemas": [USER_URN], "userName": "ann", "externalId": "O-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    (app, info.id)
}

fn user_names(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or("-"))
        .collect()
}

#[tokio::test]
async fn each_filter_selects_what_it_names_within_the_tenant() {
    let (app, okta_token) = two_tenants().await;
    // Newest first.
    assert_eq!(
        user_names(&records(&app, "tenant=default").await),
        ["ANN", "cat", "ben", "ann"]
    );
    // An end user by userName (any case), externalId or id.
    let ann = records(&app, "tenant=default&user=Ann").await;
    assert_eq!(user_names(&ann), ["ANN", "ann"]);
    let by_external = records(&app, "tenant=default&user=e-2").await;
    assert_eq!(user_names(&by_external), ["ben"]);
    let id = by_external[0]["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(
        user_names(&records(&app, &format!("tenant=default&user={id}")).await),
        ["ben"]
    );
    assert_eq!(records(&app, "tenant=default&user=nobody").await.len(), 0);
    // Outcome and operation.
    let failed = records(&app, "tenant=default&outcome=failed").await;
    assert_eq!(user_names(&failed), ["ANN"]);
    assert_eq!(
        records(&app, "tenant=default&outcome=succeeded")
            .await
            .len(),
        3
    );
    assert_eq!(
        records(&app, "tenant=default&operation=create").await.len(),
        4
    );
    assert_eq!(
        records(&app, "tenant=default&operation=delete").await.len(),
        0
    );
    // A credential by label or id, in its own tenant only.
    let okta = records(&app, "tenant=other&credential=Okta%20production").await;
    assert_eq!(user_names(&okta), ["ann"]);
    assert_eq!(okta[0]["tenant"], "other");
    assert_eq!(okta[0]["client"], "okta");
    let by_id = records(&app, &format!("tenant=other&credential={okta_token}")).await;
    assert_eq!(by_id, okta);
    let by_key = records(&app, &format!("tenant=other&credential=token:{okta_token}")).await;
    assert_eq!(by_key, okta);
    assert_eq!(
        records(&app, "tenant=default&credential=Okta%20production")
            .await
            .len(),
        0
    );
    // The time span: everything is within the last hour, nothing before it.
    assert_eq!(records(&app, "tenant=default&since=1h").await.len(), 4);
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let query = format!("tenant=default&to={hour_ago}");
    assert_eq!(records(&app, &query).await.len(), 0);
    let query = format!("tenant=default&from={hour_ago}");
    assert_eq!(records(&app, &query).await.len(), 4);
}

#[tokio::test]
async fn a_tenants_view_never_mixes_in_another_unless_all_are_asked_for() {
    let (app, _) = two_tenants().await;
    let default = records(&app, "tenant=default").await;
    assert!(
        default.iter().all(|r| r["tenant"] == "default"),
        "{default:?}"
    );
    let other = records(&app, "tenant=other").await;
    assert_eq!(user_names(&other), ["ann"]);
    let all = records(&app, "all=true").await;
    assert_eq!(all.len(), 5);
    // Asking for neither is refused, and an unknown tenant is a 404.
    let ask = |query: &str| {
        app.client
            .get(format!("{}/admin/v1/activity?{query}", app.root()))
            .bearer_auth(ADMIN_TOKEN)
            .send()
    };
    let detail = scim_error(ask("").await.unwrap(), 400, Some("invalidValue")).await;
    assert!(detail.contains("all=true"), "{detail}");
    scim_error(ask("tenant=nope").await.unwrap(), 404, None).await;
    scim_error(
        ask("tenant=default&cursor=xyz").await.unwrap(),
        400,
        Some("invalidCursor"),
    )
    .await;
    // A tenant's own SCIM token never reads the log.
    let r = app
        .client
        .get(format!("{}/admin/v1/activity?tenant=default", app.root()))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cursor_pages_cover_every_record_once_newest_first() {
    let app = activity_app().await;
    for i in 0..7 {
        app.create_user(&format!("paged{i}")).await;
    }
    let mut seen = Vec::new();
    let mut query = "tenant=default&limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page = page(&app, &query).await;
        pages += 1;
        let records = page["records"].as_array().unwrap();
        assert!(records.len() <= 3);
        seen.extend(user_names(records).into_iter().map(str::to_owned));
        match page["next"].as_str() {
            Some(next) => query = format!("tenant=default&limit=3&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).rev().map(|i| format!("paged{i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn admin_actions_are_the_operators_audit_trail() {
    let app = activity_app().await;
    let admin = |method: Method, path: &str, body: Option<Value>| {
        let mut r = app
            .client
            .request(method, format!("{}/admin/v1{path}", app.root()))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            r = r.json(&body);
        }
        r.send()
    };
    let r = admin(Method::POST, "/tenants", Some(json!({"name": "acme"})))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = admin(
        Method::POST,
        "/tokens",
        Some(json!({"tenant": "acme", "label": "Entra"})),
    )
    .await
    .unwrap();
    let issued = json_status(r, StatusCode::CREATED).await;
    let id = issued["id"].as_str().unwrap();
    let r = admin(Method::DELETE, &format!("/tokens/{id}"), None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = admin(Method::POST, "/tokens", Some(json!({"tenant": "nope"})))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let all = records(&app, "all=true").await;
    assert_eq!(
        operations(&all),
        [
            "tenant_create",
            "token_create",
            "token_delete",
            "token_create"
        ]
    );
    for record in &all {
        assert_eq!(record["credential"], "admin", "{record}");
        assert_eq!(record["credentialKind"], "admin", "{record}");
    }
    assert_eq!(all[3]["tenant"], "acme");
    assert_eq!(all[2]["tenant"], "acme");
    assert_eq!(all[1]["resourceId"], id);
    assert_eq!(all[0]["outcome"], "failed");
    assert_eq!(all[0]["status"], 404);
    // The secret shown once is in no record.
    let secret = issued["token"].as_str().unwrap();
    assert!(!serde_json::to_string(&all).unwrap().contains(secret));
    assert_eq!(
        operations(&records(&app, "tenant=acme").await),
        ["tenant_create", "token_create"]
    );
}

#[tokio::test]
async fn retention_prunes_old_records_and_tenant_deletion_removes_a_tenants() {
    let (app, _) = two_tenants().await;
    let db = app.db.connect().await;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    let newest = entity::activity::Entity::find().all(&db).await.unwrap();
    // One record made 40 days old.
    let mut old = newest[0].clone().into_active_model();
    old.at = Set(chrono::Utc::now() - chrono::Duration::days(40));
    old.update(&db).await.unwrap();
    // The server's own pruner may get there first; either way the old record goes.
    let removed =
        scimd::worker::prune::prune_activity(&app.store, Duration::from_secs(30 * 86_400))
            .await
            .unwrap();
    assert!(removed <= 1);
    assert_eq!(
        entity::activity::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .len(),
        newest.len() - 1
    );
    // `tenant delete` takes the tenant's records with it, and leaves the others.
    let other = app.store.tenants().find("other").await.unwrap().unwrap();
    app.store.tenants().delete(&other).await.unwrap();
    let left = entity::activity::Entity::find().all(&db).await.unwrap();
    assert!(!left.is_empty());
    assert!(
        left.iter().all(|r| r.tenant_id != Some(other.id.get())),
        "{left:?}"
    );
}

#[tokio::test]
async fn scimd_activity_prints_the_log_as_a_table_or_json() {
    let (app, _) = two_tenants().await;
    // The API's answer waits for the queued failure to be written; the CLI reads the table.
    let answered = records(&app, "tenant=default&user=ann").await;
    let out = scimd(
        &app.db,
        &["activity", "--tenant", "default", "--json", "--user", "ann"],
    );
    assert!(out.status.success(), "{out:?}");
    let printed: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(user_names(&printed), ["ANN", "ann"]);
    assert_eq!(printed, answered);

    let out = scimd(
        &app.db,
        &["activity", "--outcome", "failed", "--since", "1h"],
    );
    assert!(out.status.success(), "{out:?}");
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("AT (UTC)"), "{table}");
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].contains("uniqueness") && lines[1].contains("409"),
        "{table}"
    );

    let out = scimd(&app.db, &["activity", "--limit", "2"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).lines().count(), 3);
    let hint = String::from_utf8_lossy(&out.stderr);
    let cursor = hint.trim().rsplit(' ').next().unwrap().to_owned();
    let out = scimd(
        &app.db,
        &["activity", "--limit", "10", "--cursor", &cursor, "--json"],
    );
    let rest: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rest.len(), 3);

    let out = scimd(&app.db, &["activity", "--tenant", "nope"]);
    assert!(!out.status.success());
    let out = scimd(
        &app.db,
        &[
            "activity",
            "--since",
            "1h",
            "--from",
            "2026-01-01T00:00:00Z",
        ],
    );
    assert!(!out.status.success());
}

//! The provisioning report over activity records written straight into the table: counts per
//! UTC day, top errors, credentials, tenant isolation, spans, errors, and `scimd report`.
use chrono::{DateTime, Duration, Utc};
use entity::activity;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::{Value, json};

use crate::cli::{scimd, stdout};
use crate::helpers::*;

const ADMIN_TOKEN: &str = "admin-token-for-the-report-tests-0123456789";

/// The span holding every fixture record but the two outside it.
const SPAN: &str = "from=2025-03-01T00:00:00Z&to=2025-03-08T00:00:00Z";

/// The fixture's records are from 2025: a retention of a century keeps the background prune
/// from removing them while a test reads them.
async fn report_app() -> TestApp {
    spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
        s.background.activity_retention = std::time::Duration::from_secs(100 * 365 * 86_400);
    })
    .await
}

async fn get_report(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/admin/v1/report?{query}", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
}

async fn report(app: &TestApp, query: &str) -> Value {
    let r = get_report(app, query).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    json_ok(r).await
}

async fn tenant_id(app: &TestApp, name: &str) -> i64 {
    match app.store.tenants().find(name).await.unwrap() {
        Some(t) => t.id.get(),
        None => app.store.tenants().create(name).await.unwrap().id.get(),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// One record as the recorder would write it; `outcome` follows the status.
struct Record<'a> {
    tenant: Option<i64>,
    at: DateTime<Utc>,
    operation: &'a str,
    status: i32,
    /// (id, kind, label)
    credential: Option<(&'a str, &'a str, &'a str)>,
    request_id: &'a str,
    scim_type: Option<&'a str>,
    detail: Option<&'a str>,
}

async fn insert(db: &DatabaseConnection, r: Record<'_>) {
    let outcome = if r.status < 400 {
        "succeeded"
    } else {
        "failed"
    };
    activity::ActiveModel {
        at: Set(r.at),
        tenant_id: Set(r.tenant),
        credential_id: Set(r.credential.map(|c| c.0.to_owned())),
        credential_kind: Set(r.credential.map(|c| c.1.to_owned())),
        credential_label: Set(r.credential.map(|c| c.2.to_owned())),
        client: Set("entra".to_owned()),
        request_id: Set(Some(r.request_id.to_owned())),
        method: Set("POST".to_owned()),
        route: Set("/scim/v2/Users".to_owned()),
        operation: Set(r.operation.to_owned()),
        resource_type: Set(Some("User".to_owned())),
        status: Set(r.status),
        scim_type: Set(r.scim_type.map(str::to_owned)),
        detail: Set(r.detail.map(str::to_owned)),
        outcome: Set(outcome.to_owned()),
        latency_us: Set(1200),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

type Credential = Option<(&'static str, &'static str, &'static str)>;

const ENTRA: Credential = Some(("token:a", "token", "Entra ID production"));
const OKTA: Credential = Some(("token:b", "token", "Okta"));
const BETA: Credential = Some(("oauth_client:c", "oauth_client", "Beta IdP"));

/// A successful record of `tenant` at `t` (RFC 3339).
fn ok(
    tenant: Option<i64>,
    t: &str,
    operation: &'static str,
    credential: Credential,
    request_id: &'static str,
) -> Record<'static> {
    Record {
        tenant,
        at: at(t),
        operation,
        status: 201,
        credential,
        request_id,
        scim_type: None,
        detail: None,
    }
}

impl Record<'static> {
    /// This record answered `status` (with `scim_type`) and the detail that status has here.
    fn failing(self, status: i32, scim_type: Option<&'static str>) -> Self {
        let detail = match status {
            409 => "userName is not unique",
            401 => "the bearer token is invalid",
            404 => "resource not found",
            _ => "the path names no attribute",
        };
        Self {
            status,
            scim_type,
            detail: Some(detail),
            ..self
        }
    }
}

/// Tenant `default` (Entra and Okta), tenant `beta`, and a 401 no tenant was known for.
async fn fixture(app: &TestApp) {
    let a = Some(tenant_id(app, "default").await);
    let b = Some(tenant_id(app, "beta").await);
    let db = app.db.connect().await;
    let taken = Some("uniqueness");
    for record in [
        // The two sides of midnight UTC land on different days.
        ok(a, "2025-03-03T23:59:59Z", "create", ENTRA, "r1"),
        ok(a, "2025-03-04T00:00:01Z", "create", ENTRA, "r2"),
        ok(a, "2025-03-04T10:00:00Z", "create", ENTRA, "r3").failing(409, taken),
        ok(a, "2025-03-04T11:00:00Z", "create", OKTA, "r4").failing(409, taken),
        ok(a, "2025-03-04T12:00:00Z", "patch", OKTA, "r5").failing(400, Some("invalidPath")),
        ok(a, "2025-03-05T08:00:00Z", "patch", OKTA, "r6"),
        ok(a, "2025-03-05T09:00:00Z", "auth_failed", None, "r7").failing(401, None),
        // Outside the span.
        ok(a, "2025-02-20T08:00:00Z", "create", ENTRA, "r8"),
        ok(a, "2025-03-08T00:00:00Z", "create", ENTRA, "r9"),
        ok(b, "2025-03-04T05:00:00Z", "create", BETA, "r10"),
        ok(b, "2025-03-04T06:00:00Z", "delete", BETA, "r11").failing(404, None),
        ok(None, "2025-03-04T07:00:00Z", "auth_failed", None, "r12").failing(401, None),
    ] {
        insert(&db, record).await;
    }
}

fn day(day: &str, operation: &str, outcome: &str, count: i64) -> Value {
    json!({"day": day, "operation": operation, "outcome": outcome, "count": count})
}

#[tokio::test]
async fn a_tenants_report_counts_per_utc_day_operation_and_outcome() {
    let app = report_app().await;
    fixture(&app).await;
    let body = report(&app, &format!("tenant=default&{SPAN}")).await;
    assert_eq!(body["tenant"], "default");
    assert_eq!(
        at(body["from"].as_str().unwrap()),
        at("2025-03-01T00:00:00Z")
    );
    assert_eq!(at(body["to"].as_str().unwrap()), at("2025-03-08T00:00:00Z"));
    assert_eq!(
        body["days"],
        json!([
            day("2025-03-03", "create", "succeeded", 1),
            day("2025-03-04", "create", "failed", 2),
            day("2025-03-04", "create", "succeeded", 1),
            day("2025-03-04", "patch", "failed", 1),
            day("2025-03-05", "auth_failed", "failed", 1),
            day("2025-03-05", "patch", "succeeded", 1),
        ])
    );
}

#[tokio::test]
async fn top_errors_come_most_frequent_first_with_an_example_request() {
    let app = report_app().await;
    fixture(&app).await;
    let body = report(&app, &format!("tenant=default&{SPAN}")).await;
    let errors = body["errors"].as_array().unwrap();
    let summary: Vec<(i64, i64, &str)> = errors
        .iter()
        .map(|e| {
            let status = e["status"].as_i64().unwrap();
            (
                e["count"].as_i64().unwrap(),
                status,
                e["operation"].as_str().unwrap(),
            )
        })
        .collect();
    // Equal counts: the most recent first.
    assert_eq!(
        summary,
        [
            (2, 409, "create"),
            (1, 401, "auth_failed"),
            (1, 400, "patch")
        ]
    );
    let top = &errors[0];
    assert_eq!(top["scimType"], "uniqueness");
    assert_eq!(top["detail"], "userName is not unique");
    assert!(
        ["r3", "r4"].contains(&top["exampleRequestId"].as_str().unwrap()),
        "{top}"
    );
    assert_eq!(
        at(top["lastAt"].as_str().unwrap()),
        at("2025-03-04T11:00:00Z")
    );
    assert_eq!(errors[1]["scimType"], Value::Null);
}

#[tokio::test]
async fn credentials_come_most_recently_seen_first_with_their_failures() {
    let app = report_app().await;
    fixture(&app).await;
    let body = report(&app, &format!("tenant=default&{SPAN}")).await;
    let credentials = body["credentials"].as_array().unwrap();
    assert_eq!(
        credentials.len(),
        2,
        "the 401 with no credential is left out: {body}"
    );
    let okta = &credentials[0];
    assert_eq!(okta["credentialId"], "token:b");
    assert_eq!(okta["credentialKind"], "token");
    assert_eq!(okta["credentialLabel"], "Okta");
    assert_eq!(
        (okta["requests"].as_i64(), okta["failed"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        at(okta["lastSeen"].as_str().unwrap()),
        at("2025-03-05T08:00:00Z")
    );
    let entra = &credentials[1];
    assert_eq!(entra["credentialLabel"], "Entra ID production");
    assert_eq!(
        (entra["requests"].as_i64(), entra["failed"].as_i64()),
        (Some(3), Some(1))
    );
    // The record after the span (r9) is not its last use in the span.
    assert_eq!(
        at(entra["lastSeen"].as_str().unwrap()),
        at("2025-03-04T10:00:00Z")
    );
}

fn total(body: &Value) -> i64 {
    body["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_tenants_report_never_counts_another_tenants_records() {
    let app = report_app().await;
    fixture(&app).await;
    let beta = report(&app, &format!("tenant=beta&{SPAN}")).await;
    assert_eq!(
        beta["days"],
        json!([
            day("2025-03-04", "create", "succeeded", 1),
            day("2025-03-04", "delete", "failed", 1),
        ])
    );
    let ids: Vec<&str> = beta["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["credentialId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["oauth_client:c"]);
    assert_eq!(beta["errors"].as_array().unwrap().len(), 1);
    let default = report(&app, &format!("tenant=default&{SPAN}")).await;
    assert_eq!(total(&default), 7);
    assert!(!default.to_string().contains("oauth_client:c"));
}

#[tokio::test]
async fn all_tenants_only_when_asked_and_then_every_record() {
    let app = report_app().await;
    fixture(&app).await;
    let detail = scim_error(get_report(&app, SPAN).await, 400, Some("invalidValue")).await;
    assert!(
        detail.contains("tenant=") && detail.contains("all=true"),
        "{detail}"
    );
    let all = report(&app, &format!("all=true&{SPAN}")).await;
    assert_eq!(all["tenant"], Value::Null);
    // Both tenants' records and the 401 no tenant was known for.
    assert_eq!(total(&all), 7 + 2 + 1);
    assert!(
        all["days"]
            .as_array()
            .unwrap()
            .contains(&day("2025-03-04", "create", "succeeded", 2)),
        "{all}"
    );
    assert_eq!(all["credentials"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn from_is_inclusive_and_to_exclusive() {
    let app = report_app().await;
    fixture(&app).await;
    let body = report(
        &app,
        "tenant=default&from=2025-03-04T00:00:01Z&to=2025-03-04T12:00:00Z",
    )
    .await;
    assert_eq!(
        body["days"],
        json!([
            day("2025-03-04", "create", "failed", 2),
            day("2025-03-04", "create", "succeeded", 1),
        ])
    );
    // Only a start: the span ends now, which takes in r9 too.
    let body = report(&app, "tenant=default&from=2025-03-05T00:00:00Z").await;
    assert_eq!(total(&body), 3);
}

#[tokio::test]
async fn since_reaches_back_from_now_and_the_default_is_seven_days() {
    let app = report_app().await;
    let tenant = tenant_id(&app, "spanned").await;
    let db = app.db.connect().await;
    let now = Utc::now();
    for (ago, request_id) in [(1, "h1"), (3 * 24, "d3"), (10 * 24, "d10")] {
        let t = (now - Duration::hours(ago)).to_rfc3339();
        insert(&db, ok(Some(tenant), &t, "replace", ENTRA, request_id)).await;
    }
    for (query, expected) in [
        ("tenant=spanned&since=2d", 1),
        ("tenant=spanned", 2),
        ("tenant=spanned&since=30d", 3),
    ] {
        let body = report(&app, query).await;
        assert_eq!(total(&body), expected, "{query}: {body}");
    }
    let body = report(&app, "tenant=spanned").await;
    let span = at(body["to"].as_str().unwrap()) - at(body["from"].as_str().unwrap());
    assert_eq!(span, Duration::days(7));
}

#[tokio::test]
async fn malformed_spans_are_400s_and_an_unknown_tenant_404() {
    let app = report_app().await;
    for (query, named) in [
        ("tenant=default&since=soon", "since"),
        ("tenant=default&from=yesterday", "from"),
        ("tenant=default&to=2025-03-01", "to"),
        (
            "tenant=default&since=1d&from=2025-03-01T00:00:00Z",
            "since and from",
        ),
        (
            "tenant=default&from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z",
            "empty",
        ),
        ("all=maybe", "all"),
    ] {
        let detail = scim_error(get_report(&app, query).await, 400, Some("invalidValue")).await;
        assert!(detail.contains(named), "{query}: {detail}");
    }
    let detail = scim_error(get_report(&app, "tenant=nobody").await, 404, None).await;
    assert!(detail.contains("nobody"), "{detail}");
}

#[tokio::test]
async fn the_report_takes_the_admin_token_only() {
    let app = report_app().await;
    let url = format!("{}/admin/v1/report?all=true", app.root());
    let anonymous = app.client.get(&url).send().await.unwrap();
    scim_error(anonymous, 401, None).await;
    let as_tenant = app.client.get(&url).bearer_auth(&app.token).send().await;
    scim_error(as_tenant.unwrap(), 401, None).await;
}

#[tokio::test]
async fn scimd_report_prints_csv_json_and_tables() {
    let app = report_app().await;
    fixture(&app).await;
    // An operation that needs CSV quoting.
    let db = app.db.connect().await;
    let default = Some(tenant_id(&app, "default").await);
    let quoted = ok(default, "2025-03-06T10:00:00Z", "import,\"x\"", None, "r13");
    insert(&db, quoted).await;
    let span = [
        "--from",
        "2025-03-01T00:00:00Z",
        "--to",
        "2025-03-08T00:00:00Z",
    ];
    let args = |extra: &[&'static str]| {
        let mut args = vec!["report", "--tenant", "default"];
        args.extend(span);
        args.extend(extra);
        args
    };

    let out = scimd(&app.db, &args(&["--csv"]));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        "day,operation,outcome,count\n\
         2025-03-03,create,succeeded,1\n\
         2025-03-04,create,failed,2\n\
         2025-03-04,create,succeeded,1\n\
         2025-03-04,patch,failed,1\n\
         2025-03-05,auth_failed,failed,1\n\
         2025-03-05,patch,succeeded,1\n\
         2025-03-06,\"import,\"\"x\"\"\",succeeded,1\n"
    );

    let out = scimd(&app.db, &args(&["--json"]));
    assert!(out.status.success(), "{out:?}");
    let printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        printed,
        report(&app, &format!("tenant=default&{SPAN}")).await
    );

    let out = scimd(&app.db, &args(&[]));
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    for expected in [
        "tenant default",
        "2025-03-04  create                    1       2",
        "Top errors",
        "userName is not unique",
        "Credentials",
        "Entra ID production",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }

    let out = scimd(
        &app.db,
        &["report", "--since", "1d", "--from", "2025-03-01T00:00:00Z"],
    );
    assert!(!out.status.success());
    let out = scimd(&app.db, &["report", "--tenant", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
}

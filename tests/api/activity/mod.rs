//! The provisioning activity log: the records real Entra and Okta sessions leave (request
//! shapes of shared/idp-quirks.md), failures, Bulk, admin actions, every filter, paging,
//! retention, tenant isolation, and that no secret ever lands in a record.
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

mod queries;
mod safety;
mod sessions;

pub const ADMIN_TOKEN: &str = "admin-token-for-the-activity-tests-0123456";
pub const ENTRA: &str = "Azure Active Directory SCIM Client";
pub const OKTA: &str = "Okta SCIM Client 1.0.0";
pub const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub async fn activity_app() -> TestApp {
    activity_app_with(|_| {}).await
}

pub async fn activity_app_with(adjust: impl FnOnce(&mut scimd::startup::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.api.admin_token_hash = Some(scimd::secrets::token_hash(ADMIN_TOKEN));
        adjust(s);
    })
    .await
}

/// `GET /admin/v1/activity?{query}`, answered 200: the page.
pub async fn page(app: &TestApp, query: &str) -> Value {
    let r = app
        .client
        .get(format!("{}/admin/v1/activity?{query}", app.root()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    json_ok(r).await
}

/// The records of `query`'s first page, newest first.
pub async fn records(app: &TestApp, query: &str) -> Vec<Value> {
    page(app, query).await["records"]
        .as_array()
        .expect("records is an array")
        .clone()
}

/// The operations of `records`, oldest first (the order the requests were made in).
pub fn operations(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .rev()
        .map(|r| r["operation"].as_str().unwrap().to_owned())
        .collect()
}

/// A SCIM request with a client's User-Agent.
pub async fn send_as(
    app: &TestApp,
    agent: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .request(method, path)
        .header("User-Agent", agent)
        .header("Content-Type", "application/scim+json");
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

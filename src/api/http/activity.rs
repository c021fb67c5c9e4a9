//! The activity record of every SCIM and admin request (`store::activity`): this middleware
//! opens the request's [`Slot`], the auth extractor names the tenant and credential in it,
//! handlers the identifiers a body names, and the write seam writes it with the change. What
//! is left when the answer is known — a failure, a read when `SCIMD_ACTIVITY_READS` is on, an
//! admin action, a Bulk request's own record — goes to the batched writer.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};

use super::request_id::RequestId;
use crate::api::AppState;
use crate::api::admin::ADMIN_PREFIX;
use crate::api::http::respond::SCIM_PREFIX;
use crate::scim::ScimError;
use crate::store::{CredentialRef, Draft, Slot};
use crate::telemetry::metrics;

/// Which log a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scim,
    Admin,
}

pub async fn record<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let kind = if req.path().starts_with(SCIM_PREFIX) {
        Kind::Scim
    } else if req.path().starts_with(ADMIN_PREFIX) {
        Kind::Admin
    } else {
        return next.call(req).await;
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|s| s.settings.activity_log) else {
        return next.call(req).await;
    };
    let route = req
        .match_pattern()
        .unwrap_or_else(|| metrics::UNMATCHED.to_owned());
    let method = req.method().clone();
    let operation = match kind {
        Kind::Scim => scim_operation(&method, &route),
        Kind::Admin => admin_operation(&method, &route),
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut draft = Draft::new(
        method.as_str(),
        route.clone(),
        &operation,
        client(user_agent),
    );
    draft.request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.as_str().to_owned());
    draft.resource_type = resource_type(&route).map(str::to_owned);
    draft.success_status = match operation.as_str() {
        "create" => 201,
        "delete" => 204,
        _ => 200,
    };
    if kind == Kind::Admin {
        draft.credential = Some(CredentialRef {
            id: "admin".to_owned(),
            kind: "admin",
            label: Some("admin".to_owned()),
        });
    }
    let slot = Slot::new(draft);
    req.extensions_mut().insert(slot.clone());
    let outcome = next.call(req).await;
    let (status, error) = match &outcome {
        Ok(response) => (
            response.status().as_u16(),
            response
                .response()
                .error()
                .and_then(|e| e.as_error::<ScimError>().cloned()),
        ),
        Err(err) => (
            err.as_response_error().status_code().as_u16(),
            err.as_error::<ScimError>().cloned(),
        ),
    };
    let snapshot = slot.snapshot();
    let failed = !(200..300).contains(&status) && status != 304;
    let write = !matches!(method, Method::GET | Method::HEAD) && !route.ends_with(".search");
    let wanted = match kind {
        Kind::Scim => failed || write || state.settings.activity_reads,
        Kind::Admin => failed || write,
    };
    if !wanted || (snapshot.recorded && !failed) {
        return outcome;
    }
    let Some(sink) = &state.activity else {
        return outcome;
    };
    let mut draft = snapshot;
    if let Ok(response) = &outcome {
        complete(&mut draft, response.request(), kind);
    }
    match status {
        401 => draft.operation = "auth_failed".to_owned(),
        429 => draft.operation = "rate_limited".to_owned(),
        _ => {}
    }
    sink.send(draft.answered(status, error.as_ref()));
    outcome
}

/// What routing found out: the resource id, and for the admin API the tenant a query names.
fn complete(draft: &mut Draft, req: &HttpRequest, kind: Kind) {
    if draft.resource_id.is_none() {
        let id = req
            .match_info()
            .get("id")
            .or_else(|| req.match_info().get("urn"));
        draft.resource_id = id.map(|id| id.chars().take(256).collect());
    }
    if kind == Kind::Admin && draft.tenant.is_none() {
        let named = web::Query::<TenantQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().tenant);
        if let Some(name) = named {
            draft.display_name.get_or_insert(name);
        }
    }
}

#[derive(serde::Deserialize)]
struct TenantQuery {
    tenant: Option<String>,
}

/// The record's operation, from the method and the route template.
fn scim_operation(method: &Method, route: &str) -> String {
    let op = if route.ends_with("/Bulk") {
        "bulk"
    } else if route.ends_with(".search") {
        "search"
    } else {
        match *method {
            Method::POST => "create",
            Method::PUT => "replace",
            Method::PATCH => "patch",
            Method::DELETE => "delete",
            _ if route.ends_with("{id}") || route.ends_with("/Me") => "get",
            _ => "list",
        }
    };
    op.to_owned()
}

/// `token_create`, `webhook_delete`, `token_rotate`: the noun of the admin route, then what
/// was done to it.
fn admin_operation(method: &Method, route: &str) -> String {
    let rest = route.strip_prefix(ADMIN_PREFIX).unwrap_or(route);
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let noun = match segments.first().copied() {
        Some("tenants") => "tenant",
        Some("tokens") => "token",
        Some("clients") => "client",
        Some("jwt-trusts") => "jwt_trust",
        Some("schemas") => "schema",
        Some("webhooks") => "webhook",
        Some("setup-links") => "setup_link",
        Some("events") => "events",
        Some("activity") => "activity",
        Some("report") => "report",
        _ => "admin",
    };
    let verb = match (segments.last().copied(), method) {
        (Some("rotate"), _) => "rotate",
        (Some("rotate-secret"), _) => "rotate_secret",
        (Some("replay"), _) => "replay",
        (_, &Method::POST) => "create",
        (_, &Method::DELETE) => "delete",
        (_, &Method::PUT | &Method::PATCH) => "update",
        _ => "read",
    };
    format!("{noun}_{verb}")
}

/// `User` or `Group` for the SCIM routes that serve one.
fn resource_type(route: &str) -> Option<&'static str> {
    let rest = route.strip_prefix(SCIM_PREFIX)?;
    if rest.starts_with("/Users") || rest.starts_with("/Me") {
        Some("User")
    } else if rest.starts_with("/Groups") {
        Some("Group")
    } else {
        None
    }
}

/// The IdP a `User-Agent` names, as far as it can be told; `unknown` otherwise.
pub fn client(user_agent: &str) -> String {
    let ua = user_agent.to_ascii_lowercase();
    let known = [
        ("azure", "entra"),
        ("entra", "entra"),
        ("microsoft", "entra"),
        ("okta", "okta"),
        ("onelogin", "onelogin"),
        ("google", "google"),
        ("jumpcloud", "jumpcloud"),
        ("miniorange", "miniorange"),
        ("ping", "ping"),
        ("sailpoint", "sailpoint"),
        ("scim2-tester", "scim2-tester"),
        ("curl", "curl"),
    ];
    known
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map_or("unknown", |(_, name)| name)
        .to_owned()
}

/// The request's slot, for the auth extractor and the handlers.
pub fn slot(req: &HttpRequest) -> Option<Slot> {
    req.extensions().get::<Slot>().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_told_apart_by_user_agent() {
        assert_eq!(client("Okta SCIM Client 1.0.0"), "okta");
        assert_eq!(client("OKTA SCIM Integration"), "okta");
        assert_eq!(client("OneLogin SCIM"), "onelogin");
        assert_eq!(client("Azure Active Directory SCIM Client"), "entra");
        assert_eq!(client(""), "unknown");
        assert_eq!(client("python-httpx/0.27"), "unknown");
    }

    #[test]
    fn operations_follow_method_and_route() {
        let op = |m: Method, r: &str| scim_operation(&m, r);
        assert_eq!(op(Method::POST, "/scim/v2/Users"), "create");
        assert_eq!(op(Method::POST, "/scim/v2/Users/.search"), "search");
        assert_eq!(op(Method::POST, "/scim/v2/Bulk"), "bulk");
        assert_eq!(op(Method::GET, "/scim/v2/Users/{id}"), "get");
        assert_eq!(op(Method::GET, "/scim/v2/Groups"), "list");
        assert_eq!(op(Method::PATCH, "/scim/v2/Groups/{id}"), "patch");
        let admin = |m: Method, r: &str| admin_operation(&m, r);
        assert_eq!(admin(Method::POST, "/admin/v1/tokens"), "token_create");
        assert_eq!(
            admin(Method::POST, "/admin/v1/tokens/{id}/rotate"),
            "token_rotate"
        );
        assert_eq!(
            admin(Method::DELETE, "/admin/v1/webhooks/{id}"),
            "webhook_delete"
        );
        assert_eq!(
            admin(Method::POST, "/admin/v1/webhooks/{id}/rotate-secret"),
            "webhook_rotate_secret"
        );
    }
}

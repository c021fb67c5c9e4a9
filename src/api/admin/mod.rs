//! The admin API (`/admin/v1`): tenants, their tokens, OAuth clients, JWT trusts, schema
//! extensions, the change feed, the provisioning report and webhook endpoints over HTTP,
//! mirroring the CLI, for operators who automate scimd instead of running
//! `scimd tenant|token|client|jwt|schema|events|report|webhook …` on its host.
//!
//! It has a credential of its own, `SCIMD_ADMIN_TOKEN`; without it the API is disabled. Tenant
//! tokens never work here and the admin token never reaches SCIM data. Errors are SCIM error
//! bodies, as everywhere else on the server.

mod activity;
mod clients;
mod events;
mod report;
mod schemas;
mod tenants;
mod tokens;
mod trusts;
mod webhooks;

/// The objects the admin API answers with, which `--json` on the list commands prints too.
pub(crate) use {
    clients::ClientView, report::ReportView, report::span as report_span, schemas::SchemaView,
    tenants::TenantView, tokens::TokenView, trusts::TrustView, webhooks::AttemptView,
    webhooks::WebhookView,
};

use actix_web::http::{Method, StatusCode, header};

use crate::api::routes::{Endpoint, Routes};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use futures_util::future::{Ready, ready};

use super::AppState;
use crate::scim::ScimError;
use crate::secrets;
use crate::store::{CredentialInfo, Slot, StoreError, TenantRecord};

/// Where the admin API is mounted.
pub const ADMIN_PREFIX: &str = "/admin/v1";

pub fn configure(routes: &mut Routes) {
    let at = |path: &str| Endpoint::new(format!("{ADMIN_PREFIX}{path}"));
    routes
        .add(
            at("/tenants")
                .on(Method::GET, tenants::list)
                .on(Method::POST, tenants::create),
        )
        .add(
            at("/tokens")
                .on(Method::GET, tokens::list)
                .on(Method::POST, tokens::issue),
        )
        .add(at("/tokens/{id}").on(Method::DELETE, tokens::revoke))
        .add(at("/tokens/{id}/rotate").on(Method::POST, tokens::rotate))
        .add(
            at("/schemas")
                .on(Method::GET, schemas::list)
                .on(Method::POST, schemas::add),
        )
        .add(at("/schemas/{urn}").on(Method::DELETE, schemas::remove))
        .add(
            at("/clients")
                .on(Method::GET, clients::list)
                .on(Method::POST, clients::create),
        )
        .add(at("/clients/{id}").on(Method::DELETE, clients::revoke))
        .add(
            at("/jwt-trusts")
                .on(Method::GET, trusts::list)
                .on(Method::POST, trusts::add),
        )
        .add(at("/jwt-trusts/{id}").on(Method::DELETE, trusts::remove))
        .add(at("/events").on(Method::GET, events::feed))
        .add(at("/activity").on(Method::GET, activity::list))
        .add(at("/report").on(Method::GET, report::report))
        .add(
            at("/webhooks")
                .on(Method::GET, webhooks::list)
                .on(Method::POST, webhooks::create),
        )
        .add(
            at("/webhooks/{id}")
                .on(Method::GET, webhooks::get)
                .on(Method::DELETE, webhooks::delete),
        )
        .add(at("/webhooks/{id}/rotate-secret").on(Method::POST, webhooks::rotate_secret))
        .add(at("/webhooks/{id}/enable").on(Method::POST, webhooks::enable))
        .add(at("/webhooks/{id}/replay").on(Method::POST, webhooks::replay))
        .add(at("/webhooks/{id}/attempts").on(Method::GET, webhooks::attempts));
}

/// The admin API's operations, in the order [`configure`] routes them; merged into the
/// OpenAPI document by `api::openapi`, and held against the route table by
/// tests/api/openapi.rs.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    tenants::list,
    tenants::create,
    tokens::list,
    tokens::issue,
    tokens::revoke,
    tokens::rotate,
    schemas::list,
    schemas::add,
    schemas::remove,
    clients::list,
    clients::create,
    clients::revoke,
    trusts::list,
    trusts::add,
    trusts::remove,
    events::feed,
    activity::list,
    report::report,
    webhooks::list,
    webhooks::create,
    webhooks::get,
    webhooks::delete,
    webhooks::rotate_secret,
    webhooks::enable,
    webhooks::replay,
    webhooks::attempts,
))]
pub(crate) struct AdminDoc;

/// Proof that a request carries the admin token, with the request's activity record (the
/// operator's audit trail), which names the tenant an action was about.
pub struct Admin(Option<Slot>);

impl FromRequest for Admin {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorize(req).map(|()| Admin(crate::api::http::activity::slot(req))))
    }
}

impl Admin {
    /// The tenant called `name` (a 404 that says how to create it), named in the record.
    async fn tenant(&self, state: &AppState, name: &str) -> Result<TenantRecord, ScimError> {
        let found = tenant(state, name).await?;
        self.note(&found);
        Ok(found)
    }

    /// The action was about `tenant`: its records go with it when it is deleted.
    fn note(&self, tenant: &TenantRecord) {
        if let Some(slot) = &self.0 {
            let id = tenant.id;
            slot.update(|draft| draft.tenant = Some(id));
        }
    }
}

fn authorize(req: &HttpRequest) -> Result<(), ScimError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(ScimError::internal)?;
    let Some(expected) = state.settings.admin_token_hash.as_deref() else {
        return Err(ScimError::not_found(
            "the admin API is disabled: start scimd with SCIMD_ADMIN_TOKEN set to enable it",
        ));
    };
    let presented = crate::api::http::auth::bearer(req)?;
    if secrets::constant_time_eq(&secrets::token_hash(presented), expected) {
        Ok(())
    } else {
        crate::telemetry::metrics::auth_failure("invalid_admin_token");
        Err(ScimError::unauthorized(
            "the admin token is invalid; the admin API takes SCIMD_ADMIN_TOKEN, not a tenant's token",
        ))
    }
}

/// The tenant called `name`, or a 404 that says how to create it.
async fn tenant(state: &AppState, name: &str) -> Result<TenantRecord, ScimError> {
    state.store.tenants().find(name).await?.ok_or_else(|| {
        ScimError::not_found(format!(
            "no tenant {name:?}; create it with POST {ADMIN_PREFIX}/tenants"
        ))
    })
}

/// `?tenant=NAME` on a list: one tenant's entries, or everyone's without it.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Scope {
    /// Only this tenant's entries; without it, every tenant's. An unknown tenant is 404.
    #[param(example = "acme")]
    tenant: Option<String>,
}

async fn tenant_scope(state: &AppState, scope: &Scope) -> Result<Option<TenantRecord>, ScimError> {
    match &scope.tenant {
        Some(name) => tenant(state, name).await.map(Some),
        None => Ok(None),
    }
}

/// A lifetime such as `90d` or `12h`, as the CLI's `--expires-in` reads it.
fn duration(field: &str, text: &str) -> Result<chrono::Duration, ScimError> {
    humantime::parse_duration(text)
        .ok()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .ok_or_else(|| {
            ScimError::invalid_value(format!(
                "{field} {text:?} is not a duration; use a form like 90d, 12h or 30m"
            ))
        })
}

/// A page's `limit`: absent is `default`, above `max` is lowered to it (as SCIM lowers a
/// `count` above `maxResults`), anything but a number from 1 up is a 400.
fn limit(text: Option<&str>, default: u64, max: u64) -> Result<u64, ScimError> {
    match text {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(max))
            .ok_or_else(|| {
                ScimError::invalid_value(format!("limit {text:?} is not a number from 1 to {max}"))
            }),
    }
}

/// An RFC 3339 timestamp such as `2026-12-01T00:00:00Z`.
fn instant(field: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>, ScimError> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            ScimError::invalid_value(format!(
                "{field} {text:?} is not an RFC 3339 time; use a form like 2026-12-01T00:00:00Z"
            ))
        })
}

/// `now` plus a lifetime such as `90d`; one past the calendar's end (`300000y`) is a 400.
fn expiry(field: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>, ScimError> {
    chrono::Utc::now()
        .checked_add_signed(duration(field, text)?)
        .ok_or_else(|| {
            ScimError::invalid_value(format!(
                "{field} {text:?} ends after the last date scimd can store; use a shorter one"
            ))
        })
}

/// Whether a request has no body at all (rotate's body is optional, a malformed one is not).
fn without_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    !headers.contains_key(header::TRANSFER_ENCODING)
        && headers
            .get(header::CONTENT_LENGTH)
            .is_none_or(|length| length.as_bytes() == b"0")
}

/// A list answer: each stored item as its view.
fn listed<T, V: From<T> + serde::Serialize>(items: Vec<T>) -> HttpResponse {
    let views: Vec<V> = items.into_iter().map(V::from).collect();
    reply(StatusCode::OK, &views)
}

/// `GET /admin/v1/{tokens,clients,jwt-trusts}`: the credentials of kind `I` as views `V`.
async fn list_credentials<I: CredentialInfo, V: From<I> + serde::Serialize>(
    state: &AppState,
    scope: &Scope,
) -> Result<HttpResponse, ScimError> {
    let scope = tenant_scope(state, scope).await?;
    let items = state.store.credentials().list::<I>(scope.as_ref()).await?;
    Ok(listed::<I, V>(items))
}

/// `DELETE …/{id}`: revokes a token or client, removes a trust; 204, or a 404 that names what
/// is not there.
async fn end_credential<I: CredentialInfo>(
    state: &AppState,
    id: &str,
) -> Result<HttpResponse, ScimError> {
    match state.store.credentials().revoke::<I>(id).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(StoreError::NotFound) => Err(ScimError::not_found(format!(
            "no {} with id {id:?}",
            I::KIND.noun()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// A JSON answer that no cache keeps: some carry a secret shown once.
fn reply(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

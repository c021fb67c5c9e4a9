//! What Users and Groups have in common: create, read, replace, delete, list
//! (RFC 7644 §3.3, §3.4.1, §3.4.2, §3.5.1, §3.6). `users.rs` and `groups.rs` route to these.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::auth::Tenant;
use super::respond::{self, BaseUrl};
use crate::scim::list::{Page, list_response};
use crate::scim::resource::{self as scim_resource, Prepared};
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::scim::{ScimError, validate};
use crate::secrets;
use crate::store::Write;

/// Query parameters as sent, names compared case-insensitively; unknown ones (Entra's
/// `aadOptscim062020`) are ignored.
pub type QueryPairs = web::Query<Vec<(String, String)>>;

fn resource_type(kind: ResourceKind) -> &'static ResourceType {
    Registry::core().resource_type(kind)
}

/// Validates a POST/PUT body and hashes its password off the async workers.
async fn prepare(
    state: &AppState,
    kind: ResourceKind,
    body: &Value,
) -> Result<(Prepared, Option<String>), ScimError> {
    let data = validate::normalize(resource_type(kind), body, state.settings.leniency)?;
    let mut prepared = scim_resource::prepare(kind, data);
    let hash = match prepared.password.take() {
        Some(password) => Some(
            web::block(move || secrets::hash_password(&password))
                .await
                .map_err(|_| ScimError::internal())?
                .map_err(|e| {
                    tracing::error!(error = %e, "password hashing failed");
                    ScimError::internal()
                })?,
        ),
        None => None,
    };
    Ok((prepared, hash))
}

pub async fn create(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let (prepared, password_hash) = prepare(&state, kind, &body).await?;
    let write = Write {
        derived: scim_resource::derive(resource_type(kind), &prepared.data)?,
        data: prepared.data,
        members: prepared.members,
        password_hash,
    };
    let created = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .create(write)
        .await?;
    Ok(respond::resource(
        StatusCode::CREATED,
        &created,
        resource_type(kind),
        &base,
    ))
}

pub async fn get(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: &str,
) -> Result<HttpResponse, ScimError> {
    let found = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .get(id)
        .await
        .map_err(|e| not_found_as(e, kind, id))?;
    Ok(respond::resource(
        StatusCode::OK,
        &found,
        resource_type(kind),
        &base,
    ))
}

/// PUT replaces every readWrite attribute: what the body omits is cleared, except that
/// immutable values stay and an omitted (writeOnly) password keeps the stored hash.
pub async fn replace(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: &str,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let (prepared, password_hash) = prepare(&state, kind, &body).await?;
    let rt = resource_type(kind);
    let replaced = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .replace(id, |current| {
            let mut data = prepared.data.clone();
            validate::keep_immutable(rt, &current.data, &mut data)?;
            Ok(Write {
                derived: scim_resource::derive(rt, &data)?,
                data,
                members: prepared.members.clone(),
                password_hash: password_hash.clone(),
            })
        })
        .await
        .map_err(|e| not_found_as(e, kind, id))?;
    Ok(respond::resource(StatusCode::OK, &replaced, rt, &base))
}

pub async fn delete(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    id: &str,
) -> Result<HttpResponse, ScimError> {
    state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .delete(id)
        .await
        .map_err(|e| not_found_as(e, kind, id))?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
) -> Result<HttpResponse, ScimError> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if param("filter").is_some() {
        return Err(ScimError::invalid_filter(
            "filtering is not supported by this version of scimd",
        ));
    }
    let page = Page::new(
        integer(param("startIndex"), "startIndex")?,
        integer(param("count"), "count")?,
        state.settings.max_results,
    );
    let (total, found) = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .list(page)
        .await?;
    let rt = resource_type(kind);
    let resources = found.iter().map(|r| r.to_json(rt, &base.0)).collect();
    Ok(respond::json(
        StatusCode::OK,
        &list_response(total, page.start_index, resources),
    ))
}

fn integer(value: Option<&str>, name: &str) -> Result<Option<i64>, ScimError> {
    value
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| {
                ScimError::invalid_value(format!("`{name}` must be an integer, got {v:?}"))
            })
        })
        .transpose()
}

/// Names the resource in a 404 so the detail says what was not found.
fn not_found_as(err: crate::store::StoreError, kind: ResourceKind, id: &str) -> ScimError {
    match err {
        crate::store::StoreError::NotFound => ScimError::resource_not_found(kind.as_str(), id),
        other => other.into(),
    }
}

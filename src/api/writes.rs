//! The writes behind POST, PUT, PATCH and DELETE, without HTTP: the single-resource handlers
//! and `/Bulk` share them, so a bulk operation behaves exactly like the request it stands for.
use actix_web::web;
use serde_json::Value;

use super::AppState;
use crate::scim::patch;
use crate::scim::resource::{self as scim_resource, Prepared, Resource};
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::scim::{ScimError, validate};
use crate::secrets;
use crate::store::{StoreError, TenantId, Write};

pub fn resource_type(kind: ResourceKind) -> &'static ResourceType {
    Registry::core().resource_type(kind)
}

/// Validates a POST/PUT body and hashes its password off the async workers.
pub async fn prepare(
    state: &AppState,
    kind: ResourceKind,
    body: &Value,
) -> Result<(Prepared, Option<String>), ScimError> {
    let data = validate::normalize(resource_type(kind), body, state.settings.leniency)?;
    let mut prepared = scim_resource::prepare(kind, data);
    let hash = match prepared.password.take() {
        Some(password) => Some(hash(password).await?),
        None => None,
    };
    Ok((prepared, hash))
}

/// Argon2 off the async workers.
pub async fn hash(password: String) -> Result<String, ScimError> {
    web::block(move || secrets::hash_password(&password))
        .await
        .map_err(|_| ScimError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ScimError::internal()
        })
}

/// The store's write for a prepared POST body.
pub fn new_write(
    kind: ResourceKind,
    prepared: Prepared,
    password_hash: Option<String>,
) -> Result<Write, ScimError> {
    Ok(Write {
        derived: scim_resource::derive(resource_type(kind), &prepared.data)?,
        data: prepared.data,
        members: prepared.members,
        member_change: None,
        password_hash,
    })
}

pub async fn create(
    state: &AppState,
    tenant: TenantId,
    kind: ResourceKind,
    body: &Value,
) -> Result<Resource, ScimError> {
    let (prepared, password_hash) = prepare(state, kind, body).await?;
    let write = new_write(kind, prepared, password_hash)?;
    Ok(state
        .store
        .tenant(tenant)
        .resources(kind)
        .create(write)
        .await?)
}

/// PUT replaces every readWrite attribute: what the body omits is cleared, except that
/// immutable values stay and an omitted (writeOnly) password keeps the stored hash.
pub async fn replace(
    state: &AppState,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    if_match: Option<i64>,
    body: &Value,
) -> Result<Resource, ScimError> {
    let (prepared, password_hash) = prepare(state, kind, body).await?;
    let rt = resource_type(kind);
    state
        .store
        .tenant(tenant)
        .resources(kind)
        .replace(id, if_match, |current: &Resource| {
            let mut data = prepared.data.clone();
            validate::keep_immutable(rt, &current.data, &mut data)?;
            Ok(Write {
                derived: scim_resource::derive(rt, &data)?,
                data,
                members: prepared.members.clone(),
                member_change: None,
                password_hash: password_hash.clone(),
            })
        })
        .await
        .map_err(|e| not_found_as(e, kind, id))
}

/// PATCH (RFC 7644 §3.5.2): all operations apply in one transaction, or none does.
pub async fn patch(
    state: &AppState,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    if_match: Option<i64>,
    body: &Value,
) -> Result<Resource, ScimError> {
    let leniency = state.settings.leniency;
    let ops = patch::parse(body, leniency)?;
    let rt = resource_type(kind);
    let resources = state.store.tenant(tenant).resources(kind);
    if ops.is_empty() {
        return resources
            .get(id)
            .await
            .map_err(|e| not_found_as(e, kind, id));
    }
    let password_hash = match patch::password(&ops) {
        Some(password) => Some(hash(password).await?),
        None => None,
    };
    resources
        .replace(id, if_match, |current: &Resource| {
            let (data, change) = patch::apply(rt, &current.data, &ops, leniency)?;
            let prepared = scim_resource::prepare(kind, data);
            Ok(Write {
                derived: scim_resource::derive(rt, &prepared.data)?,
                data: prepared.data,
                members: None,
                member_change: (!change.is_empty()).then_some(change),
                password_hash: password_hash.clone(),
            })
        })
        .await
        .map_err(|e| not_found_as(e, kind, id))
}

pub async fn delete(
    state: &AppState,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    if_match: Option<i64>,
) -> Result<(), ScimError> {
    state
        .store
        .tenant(tenant)
        .resources(kind)
        .delete(id, if_match)
        .await
        .map_err(|e| not_found_as(e, kind, id))
}

/// Names the resource in a 404 so the detail says what was not found.
pub fn not_found_as(err: StoreError, kind: ResourceKind, id: &str) -> ScimError {
    match err {
        StoreError::NotFound => ScimError::resource_not_found(kind.as_str(), id),
        other => other.into(),
    }
}

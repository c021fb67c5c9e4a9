//! The writes behind POST, PUT, PATCH and DELETE, without HTTP: the single-resource handlers
//! and `/Bulk` share them, so a bulk operation behaves exactly like the request it stands for.
use actix_web::web;
use serde_json::Value;

use crate::api::AppState;
use crate::scim::patch;
use crate::scim::resource::{self as scim_resource, Prepared, Resource};
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::scim::{ScimError, validate};
use crate::secrets;
use crate::store::{StoreError, TenantId, Write};

/// Validates a POST/PUT body and hashes its password off the async workers.
pub async fn prepare(
    state: &AppState,
    rt: &ResourceType,
    body: &Value,
) -> Result<(Prepared, Option<String>), ScimError> {
    let data = validate::normalize(rt, body, state.settings.leniency)?;
    let mut prepared = scim_resource::prepare(rt.kind, data);
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
    rt: &ResourceType,
    prepared: Prepared,
    password_hash: Option<String>,
) -> Result<Write, ScimError> {
    Ok(Write {
        derived: scim_resource::derive(rt, &prepared.data)?,
        data: prepared.data,
        members: prepared.members,
        member_change: None,
        password_hash,
    })
}

/// Where a write happens and what its answer needs.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub state: &'a AppState,
    pub tenant: TenantId,
    pub kind: ResourceKind,
    /// Whether the returned resource carries memberships (skipped when excluded).
    pub memberships: bool,
    /// The tenant's registry (`AppState::registry`).
    pub registry: &'a Registry,
    /// Who writes (the change events' actor and request id).
    pub origin: &'a std::sync::Arc<crate::store::Origin>,
}

impl<'a> Scope<'a> {
    /// The same write, answered without memberships.
    pub fn no_memberships(self) -> Self {
        Self {
            memberships: false,
            ..self
        }
    }

    /// The resource type written, as the tenant's registry defines it.
    pub fn rt(&self) -> &'a ResourceType {
        self.registry.resource_type(self.kind)
    }

    /// The identifiers a body names, for the activity record of a write that fails before
    /// the store knows the resource.
    fn note_identifiers(&self, body: &Value) {
        if let Some(slot) = &self.origin.activity {
            slot.update(|draft| draft.note_identifiers(body));
        }
    }

    fn resources(&self) -> crate::store::Resources<'_> {
        self.state
            .store
            .tenant(self.tenant)
            .resources(self.kind)
            .memberships(self.memberships)
            .origin(std::sync::Arc::clone(self.origin))
    }
}

pub async fn create(scope: Scope<'_>, body: &Value) -> Result<Resource, ScimError> {
    scope.note_identifiers(body);
    let (prepared, password_hash) = prepare(scope.state, scope.rt(), body).await?;
    let write = new_write(scope.rt(), prepared, password_hash)?;
    Ok(scope.resources().create(write).await?)
}

/// PUT replaces every readWrite attribute: what the body omits is cleared, except that
/// immutable values stay and an omitted (writeOnly) password keeps the stored hash.
pub async fn replace(
    scope: Scope<'_>,
    id: &str,
    if_match: Option<i64>,
    body: &Value,
) -> Result<Resource, ScimError> {
    let kind = scope.kind;
    let rt = scope.rt();
    scope.note_identifiers(body);
    let (prepared, password_hash) = prepare(scope.state, rt, body).await?;
    scope
        .resources()
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
    scope: Scope<'_>,
    id: &str,
    if_match: Option<i64>,
    body: &Value,
) -> Result<Resource, ScimError> {
    let kind = scope.kind;
    let leniency = scope.state.settings.leniency;
    let ops = patch::parse(body, leniency)?;
    let rt = scope.rt();
    let resources = scope.resources();
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

pub async fn delete(scope: Scope<'_>, id: &str, if_match: Option<i64>) -> Result<(), ScimError> {
    let kind = scope.kind;
    scope
        .resources()
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

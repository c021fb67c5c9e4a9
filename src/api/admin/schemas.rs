//! `/admin/v1/schemas`: `scimd schema add|list|remove` over HTTP. Every change moves the
//! tenant's schema version, so every scimd process serves it from its next request.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Admin, tenant, tenant_scope};
use crate::api::AppState;
use crate::scim::ScimError;
use crate::scim::schema::{ResourceKind, custom};
use crate::store::{SchemaRecord, StoreError};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewSchema {
    tenant: String,
    /// `User` (default) or `Group`.
    resource_type: Option<String>,
    #[serde(default)]
    required: bool,
    /// The RFC 7643 §7 schema document.
    schema: Value,
}

#[derive(Debug, Deserialize)]
pub(super) struct Owner {
    tenant: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SchemaView {
    tenant: String,
    urn: String,
    resource_type: &'static str,
    required: bool,
    created: DateTime<Utc>,
    schema: Value,
}

impl From<SchemaRecord> for SchemaView {
    fn from(s: SchemaRecord) -> Self {
        Self {
            tenant: s.tenant,
            urn: s.urn,
            resource_type: s.kind.as_str(),
            required: s.required,
            created: s.created_at,
            schema: s.document,
        }
    }
}

pub(super) async fn list(
    _: Admin,
    state: web::Data<AppState>,
    scope: web::Query<super::Scope>,
) -> Result<HttpResponse, ScimError> {
    let scope = tenant_scope(&state, &scope).await?.map(|t| t.id);
    Ok(super::listed::<_, SchemaView>(
        state.store.schemas().list(scope).await?,
    ))
}

pub(super) async fn add(
    _: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewSchema>,
) -> Result<HttpResponse, ScimError> {
    let NewSchema {
        tenant: name,
        resource_type,
        required,
        schema,
    } = body.into_inner();
    let kind = match resource_type.as_deref() {
        None => ResourceKind::User,
        Some(text) => ResourceKind::from_name(text).ok_or_else(|| {
            ScimError::invalid_value(format!("resourceType {text:?} is not one of User, Group"))
        })?,
    };
    let schema =
        custom::parse(&schema).map_err(|e| ScimError::invalid_value(format!("schema: {}", e.0)))?;
    let owner = tenant(&state, &name).await?;
    match state
        .store
        .schemas()
        .add(&owner, &schema, kind, required)
        .await
    {
        Ok(record) => Ok(super::reply(StatusCode::CREATED, &SchemaView::from(record))),
        Err(StoreError::Uniqueness { .. }) => Err(ScimError::conflict(format!(
            "schema {:?} is already registered for tenant {name:?}",
            schema.id
        ))),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn remove(
    _: Admin,
    state: web::Data<AppState>,
    urn: web::Path<String>,
    owner: web::Query<Owner>,
) -> Result<HttpResponse, ScimError> {
    let owner = tenant(&state, &owner.tenant).await?;
    match state.store.schemas().remove(owner.id, urn.trim()).await {
        Ok(removed) => Ok(super::reply(
            StatusCode::OK,
            &serde_json::json!({"urn": removed.urn, "valuesDeletedFrom": removed.purged}),
        )),
        Err(StoreError::NotFound) => Err(ScimError::not_found(format!(
            "tenant {:?} has no schema {:?}",
            owner.name,
            urn.as_str()
        ))),
        Err(e) => Err(e.into()),
    }
}

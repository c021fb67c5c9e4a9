//! `/ServiceProviderConfig`, `/ResourceTypes[/{name}]`, `/Schemas[/{id}]` (RFC 7644 §4).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::api::AppState;
use crate::api::http::auth::Tenant;
use crate::api::http::respond::{self, BaseUrl};
use crate::scim::list::list_response;
use crate::scim::schema::ResourceKind;
use crate::scim::{ScimError, discovery};

pub async fn service_provider_config(
    state: web::Data<AppState>,
    _tenant: Tenant,
    base: BaseUrl,
) -> HttpResponse {
    let docs = base.0.trim_end_matches(crate::api::SCIM_PREFIX).to_owned() + "/docs";
    let doc = discovery::service_provider_config(&state.capabilities(), &base.0, &docs);
    respond::json(StatusCode::OK, &doc)
}

pub async fn resource_types(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let docs: Vec<_> = registry
        .resource_types()
        .iter()
        .map(|rt| document(discovery::resource_type(rt, &base.0)))
        .collect();
    Ok(respond::json(
        StatusCode::OK,
        &list_response(docs.len() as u64, 1, docs),
    ))
}

pub async fn resource_type(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    name: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let kind = ResourceKind::from_name(&name)
        .ok_or_else(|| ScimError::not_found(format!("no resource type named {name:?}")))?;
    let registry = state.registry(&tenant).await?;
    let rt = registry.resource_type(kind);
    Ok(respond::json(
        StatusCode::OK,
        &discovery::resource_type(rt, &base.0),
    ))
}

pub async fn schemas(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let docs: Vec<_> = registry
        .schemas()
        .into_iter()
        .map(|s| document(discovery::schema(s, &base.0)))
        .collect();
    Ok(respond::json(
        StatusCode::OK,
        &list_response(docs.len() as u64, 1, docs),
    ))
}

pub async fn schema(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let schema = registry
        .schema(&id)
        .ok_or_else(|| ScimError::not_found(format!("no schema with id {id:?}")))?;
    Ok(respond::json(
        StatusCode::OK,
        &discovery::schema(schema, &base.0),
    ))
}

/// A document as a ListResponse item.
fn document(doc: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(doc).unwrap_or_default()
}

//! `/ServiceProviderConfig`, `/ResourceTypes[/{name}]`, `/Schemas[/{id}]` (RFC 7644 §4).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::api::AppState;
use crate::api::http::auth::Tenant;
use crate::api::http::respond::{self, BaseUrl};
use crate::scim::list::response::ListResponse;
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

/// GET /ResourceTypes: every resource type of the tenant, as a ListResponse.
pub async fn resource_types(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let types = registry.resource_types();
    Ok(listed(
        types.iter().map(|rt| discovery::resource_type(rt, &base.0)),
    ))
}

/// GET /ResourceTypes/{name}.
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

/// GET /Schemas: the core schemas and the tenant's extensions, as a ListResponse.
pub async fn schemas(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let docs = registry.schemas().into_iter();
    Ok(listed(docs.map(|s| discovery::schema(s, &base.0))))
}

/// GET /Schemas/{id}.
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

/// Every document, on one page.
fn listed<T: serde::Serialize>(docs: impl Iterator<Item = T>) -> HttpResponse {
    let docs: Vec<T> = docs.collect();
    respond::json(
        StatusCode::OK,
        &ListResponse::index(docs.len() as u64, 1, docs),
    )
}

//! `/Groups` and `/Groups/{id}` (RFC 7644 §3.3–§3.6).
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::auth::Tenant;
use super::preconditions::Preconditions;
use super::resources::{self, QueryPairs};
use super::respond::BaseUrl;
use crate::scim::ScimError;
use crate::scim::schema::ResourceKind;

const KIND: ResourceKind = ResourceKind::Group;

/// POST /Groups: create a Group.
pub async fn create_group(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::create(KIND, state, tenant, base, query, body.into_inner()).await
}

/// GET /Groups/{id}
pub async fn get_group(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    resources::get(KIND, state, tenant, base, &id, query, pre).await
}

/// PUT /Groups/{id}: replace a Group.
pub async fn replace_group(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::replace(
        KIND,
        state,
        tenant,
        base,
        &id,
        query,
        pre,
        body.into_inner(),
    )
    .await
}

/// DELETE /Groups/{id}
pub async fn delete_group(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    resources::delete(KIND, state, tenant, &id, pre).await
}

/// GET /Groups: a ListResponse page.
pub async fn list_groups(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
) -> Result<HttpResponse, ScimError> {
    resources::list(KIND, state, tenant, base, query).await
}

/// POST /Groups/.search: a list whose parameters travel in a SearchRequest body.
pub async fn search_groups(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::search(KIND, state, tenant, base, body.into_inner()).await
}

/// PATCH /Groups/{id}: add, replace and remove operations (RFC 7644 §3.5.2).
pub async fn patch_group(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::patch(
        KIND,
        state,
        tenant,
        base,
        &id,
        query,
        pre,
        body.into_inner(),
    )
    .await
}

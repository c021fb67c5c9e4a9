//! `/Users` and `/Users/{id}` (RFC 7644 §3.3–§3.6).
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::auth::Tenant;
use super::preconditions::Preconditions;
use super::resources::{self, QueryPairs};
use super::respond::BaseUrl;
use crate::scim::ScimError;
use crate::scim::schema::ResourceKind;

const KIND: ResourceKind = ResourceKind::User;

/// POST /Users: create a User.
pub async fn create_user(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::create(KIND, state, tenant, base, query, body.into_inner()).await
}

/// GET /Users/{id}
pub async fn get_user(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    resources::get(KIND, state, tenant, base, &id, query, pre).await
}

/// PUT /Users/{id}: replace a User.
pub async fn replace_user(
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

/// DELETE /Users/{id}
pub async fn delete_user(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    resources::delete(KIND, state, tenant, &id, pre).await
}

/// GET /Users: a ListResponse page.
pub async fn list_users(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
) -> Result<HttpResponse, ScimError> {
    resources::list(KIND, state, tenant, base, query).await
}

/// POST /Users/.search: a list whose parameters travel in a SearchRequest body.
pub async fn search_users(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    resources::search(KIND, state, tenant, base, body.into_inner()).await
}

/// PATCH /Users/{id}: add, replace and remove operations (RFC 7644 §3.5.2).
pub async fn patch_user(
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

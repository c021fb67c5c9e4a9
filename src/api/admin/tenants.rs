//! `GET|POST /admin/v1/tenants`: `scimd tenant list|create` over HTTP.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{
    InternalServerError, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::scim::ScimError;
use crate::store::{StoreError, TenantRecord, valid_tenant_name};

/// A tenant to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewTenant {
    /// 1–64 letters, digits, `-`, `_` or `.`; unique.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$", examples("acme"))]
    name: String,
}

/// A tenant: the scope of its tokens, clients, trusts, schemas and SCIM data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TenantView {
    #[schema(examples("acme"))]
    name: String,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
}

impl From<TenantRecord> for TenantView {
    fn from(t: TenantRecord) -> Self {
        Self {
            name: t.name,
            created: t.created_at,
        }
    }
}

/// List the tenants
///
/// Every tenant, by name; `scimd tenant list`.
#[utoipa::path(
    get,
    path = "/admin/v1/tenants",
    tag = "Admin",
    operation_id = "listTenants",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Every tenant, by name", body = Vec<TenantView>,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        Unauthorized,
        (status = 404, description = "The admin API is disabled: scimd runs without \
            `SCIMD_ADMIN_TOKEN`", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        InternalServerError,
    )
)]
pub(super) async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ScimError> {
    Ok(super::listed::<_, TenantView>(
        state.store.tenants().list().await?,
    ))
}

/// Create a tenant
///
/// `scimd tenant create NAME`. The tenant starts without credentials: issue it a token
/// (`POST /admin/v1/tokens`) or an OAuth client next.
#[utoipa::path(
    post,
    path = "/admin/v1/tenants",
    tag = "Admin",
    operation_id = "createTenant",
    security(("adminToken" = [])),
    request_body(content = NewTenant, content_type = "application/json"),
    responses(
        (status = 201, description = "The new tenant", body = TenantView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "Malformed JSON, an unknown field, or a name that is not \
            1–64 letters, digits, `-`, `_` or `.`", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        (status = 404, description = "The admin API is disabled: scimd runs without \
            `SCIMD_ADMIN_TOKEN`", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        (status = 409, description = "A tenant of that name exists",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewTenant>,
) -> Result<HttpResponse, ScimError> {
    let name = body.into_inner().name;
    if !valid_tenant_name(&name) {
        return Err(ScimError::invalid_value(format!(
            "invalid tenant name {name:?}: use 1-64 letters, digits, '-', '_' or '.'"
        )));
    }
    match state.store.tenants().create(&name).await {
        Ok(t) => {
            admin.note(&t);
            Ok(super::reply(StatusCode::CREATED, &TenantView::from(t)))
        }
        Err(StoreError::Uniqueness { .. }) => Err(ScimError::conflict(format!(
            "tenant {name:?} already exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

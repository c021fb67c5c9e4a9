//! `/admin/v1/schemas`: `scimd schema add|list|remove` over HTTP. Every change moves the
//! tenant's schema version, so every scimd process serves it from its next request.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Admin, tenant_scope};
use crate::api::AppState;
use crate::api::openapi::admin::{
    InternalServerError, PayloadTooLarge, QueryError, TenantNotFound, Unauthorized,
    UnsupportedMediaType,
};
use crate::scim::ScimError;
use crate::scim::schema::{ResourceKind, custom};
use crate::store::{SchemaRecord, StoreError};

/// A schema extension to register for one tenant, as `scimd schema add`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewSchemaExtension, examples(json!({
    "tenant": "acme",
    "resourceType": "User",
    "schema": {
        "id": "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
        "name": "AcmeUser",
        "description": "Acme's own attributes",
        "attributes": [{"name": "costCenter", "type": "string"}]
    }
})))]
pub(super) struct NewSchema {
    /// The tenant whose resources get the extension.
    #[schema(examples("acme"))]
    tenant: String,
    /// `User` (default) or `Group`, in any case.
    #[schema(examples("User"))]
    resource_type: Option<String>,
    /// Whether every resource of the type must carry the extension (`schemaExtensions[].required`).
    #[serde(default)]
    required: bool,
    /// The RFC 7643 §7 schema document: `id` (a URN), `name`, `attributes`.
    #[schema(value_type = Object)]
    schema: Value,
}

/// `?tenant=NAME` on a removal: whose extension it is.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Owner {
    /// The tenant the extension belongs to.
    #[param(example = "acme")]
    tenant: String,
}

/// A tenant's schema extension.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SchemaExtension)]
pub(crate) struct SchemaView {
    tenant: String,
    /// The schema's `id`.
    #[schema(examples("urn:ietf:params:scim:schemas:extension:acme:2.0:User"))]
    urn: String,
    /// `User` or `Group`.
    #[schema(value_type = String, examples("User"))]
    resource_type: &'static str,
    required: bool,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
    /// The RFC 7643 §7 schema document as `/Schemas` serves it to the tenant.
    schema: Value,
}

/// What a removal deleted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SchemaExtensionRemoval)]
pub(super) struct Removal {
    /// The schema's `id`.
    urn: String,
    /// How many of the tenant's resources had values of the extension, now deleted.
    values_deleted_from: u64,
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

/// List schema extensions
///
/// Every tenant's schema extensions, or one tenant's with `?tenant=`; `scimd schema list`.
#[utoipa::path(
    get,
    path = "/admin/v1/schemas",
    tag = "Admin",
    operation_id = "listSchemaExtensions",
    security(("adminToken" = [])),
    params(super::Scope),
    responses(
        (status = 200, description = "The schema extensions", body = Vec<SchemaView>,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        QueryError,
        Unauthorized,
        TenantNotFound,
        InternalServerError,
    )
)]
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

/// Add a schema extension
///
/// `scimd schema add`: the tenant's Users (or Groups) get the extension's attributes, in
/// `/Schemas`, `/ResourceTypes` and validation, from every scimd process's next request.
#[utoipa::path(
    post,
    path = "/admin/v1/schemas",
    tag = "Admin",
    operation_id = "addSchemaExtension",
    security(("adminToken" = [])),
    request_body(content = NewSchema, content_type = "application/json"),
    responses(
        (status = 201, description = "The registered extension", body = SchemaView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "Malformed JSON, an unknown field, a `resourceType` other \
            than User or Group, or a schema document that is not a valid RFC 7643 extension",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        (status = 409, description = "The tenant already has a schema with that `id`",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn add(
    admin: Admin,
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
    let owner = admin.tenant(&state, &name).await?;
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

/// Remove a schema extension
///
/// `scimd schema remove URN --tenant NAME`: the extension leaves the tenant's schemas, and its
/// values are deleted from every resource that had them.
#[utoipa::path(
    delete,
    path = "/admin/v1/schemas/{urn}",
    tag = "Admin",
    operation_id = "removeSchemaExtension",
    security(("adminToken" = [])),
    params(
        ("urn" = String, Path, description = "The extension's `id`",
            example = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"),
        Owner,
    ),
    responses(
        (status = 200, description = "Removed", body = Removal,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`tenant` is missing from the query",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        Unauthorized,
        (status = 404, description = "The admin API is disabled (no `SCIMD_ADMIN_TOKEN`), \
            `tenant` names no tenant, or the tenant has no such extension",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        InternalServerError,
    )
)]
pub(super) async fn remove(
    admin: Admin,
    state: web::Data<AppState>,
    urn: web::Path<String>,
    owner: web::Query<Owner>,
) -> Result<HttpResponse, ScimError> {
    let owner = admin.tenant(&state, &owner.tenant).await?;
    match state
        .store
        .schemas()
        .remove(owner.id, urn.trim(), crate::store::Origin::named("admin"))
        .await
    {
        Ok(removed) => Ok(super::reply(
            StatusCode::OK,
            &Removal {
                urn: removed.urn,
                values_deleted_from: removed.purged,
            },
        )),
        Err(StoreError::NotFound) => Err(ScimError::not_found(format!(
            "tenant {:?} has no schema {:?}",
            owner.name,
            urn.as_str()
        ))),
        Err(e) => Err(e.into()),
    }
}

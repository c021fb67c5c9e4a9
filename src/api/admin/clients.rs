//! `/admin/v1/clients`: `scimd client create|list|revoke` over HTTP. The client secret appears
//! once, in the answer that created the client.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{
    IdNotFound, InternalServerError, PayloadTooLarge, QueryError, TenantNotFound, Unauthorized,
    UnsupportedMediaType,
};
use crate::scim::ScimError;
use crate::store::ClientInfo;

/// An OAuth client to create, as `scimd client create`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewClient {
    /// The tenant the client's access tokens reach.
    #[schema(examples("acme"))]
    tenant: String,
    /// A note for whoever lists the clients later, such as the IdP that uses it.
    #[schema(examples("Entra ID"))]
    label: Option<String>,
}

/// An OAuth 2.0 client (client credentials grant at `POST /oauth/token`), without its secret
/// except in the answer that created it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientView {
    /// The client id: the user name of HTTP Basic at `/oauth/token`, and what revoke takes.
    client_id: String,
    tenant: String,
    #[schema(required = true)]
    label: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
    /// When the client was revoked; `null`: it was not.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    revoked: Option<DateTime<Utc>>,
    /// When the client last got an access token.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    last_used: Option<DateTime<Utc>>,
    /// The client secret (the password of HTTP Basic). Only in the answer that created the
    /// client: scimd keeps only its hash, so it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    client_secret: Option<String>,
}

impl From<ClientInfo> for ClientView {
    fn from(c: ClientInfo) -> Self {
        Self {
            client_id: c.id,
            tenant: c.tenant,
            label: c.label,
            created: c.created_at,
            revoked: c.revoked_at,
            last_used: c.last_used_at,
            client_secret: None,
        }
    }
}

/// List OAuth clients
///
/// Every tenant's OAuth clients, or one tenant's with `?tenant=`; `scimd client list`. Secrets
/// are never listed.
#[utoipa::path(
    get,
    path = "/admin/v1/clients",
    tag = "Admin",
    operation_id = "listOAuthClients",
    security(("adminToken" = [])),
    params(super::Scope),
    responses(
        (status = 200, description = "The clients, without secrets", body = Vec<ClientView>,
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
    super::list_credentials::<ClientInfo, ClientView>(&state, &scope).await
}

/// Create an OAuth client
///
/// `scimd client create`: an OAuth client for an IdP that gets its access tokens from
/// `POST /oauth/token` (client credentials). **The secret (`clientSecret`) appears once, in
/// this answer**; store it now.
#[utoipa::path(
    post,
    path = "/admin/v1/clients",
    tag = "Admin",
    operation_id = "createOAuthClient",
    security(("adminToken" = [])),
    request_body(content = NewClient, content_type = "application/json"),
    responses(
        (status = 201, description = "The client, with its secret in `clientSecret`, shown \
            this once", body = ClientView,
            headers(("Cache-Control" = String, description = "`no-store`: the secret must not \
                be cached"))),
        (status = 400, description = "Malformed JSON or an unknown field",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewClient>,
) -> Result<HttpResponse, ScimError> {
    let NewClient {
        tenant: name,
        label,
    } = body.into_inner();
    let owner = admin.tenant(&state, &name).await?;
    let (info, secret) = state
        .store
        .oauth_clients()
        .create(&owner, label.as_deref())
        .await?;
    let mut view = ClientView::from(info);
    view.client_secret = Some(secret);
    Ok(super::reply(StatusCode::CREATED, &view))
}

/// Revoke an OAuth client
///
/// `scimd client revoke ID`: the client gets no more access tokens, and those it has stop
/// working at once.
#[utoipa::path(
    delete,
    path = "/admin/v1/clients/{id}",
    tag = "Admin",
    operation_id = "revokeOAuthClient",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The client's `clientId`")),
    responses(
        (status = 204, description = "Revoked"),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn revoke(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    super::end_credential::<ClientInfo>(&state, &id).await
}

//! `/admin/v1/tokens`: `scimd token issue|list|revoke` over HTTP. A secret appears once, in
//! the answer that issued it.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Admin, duration, expiry, without_body};
use crate::api::AppState;
use crate::api::openapi::admin::{
    IdNotFound, InternalServerError, PayloadTooLarge, QueryError, TenantNotFound, Unauthorized,
    UnsupportedMediaType,
};
use crate::scim::ScimError;
use crate::store::TokenInfo;

/// A token to issue, as `scimd token issue`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewToken {
    /// The tenant the token authenticates as.
    #[schema(examples("acme"))]
    tenant: String,
    /// A note for whoever lists the tokens later, such as the IdP that uses it.
    #[schema(examples("Okta production"))]
    label: Option<String>,
    /// `90d`, `12h` … as `scimd token issue --expires-in`; absent: the token does not expire.
    #[schema(examples("90d"))]
    expires_in: Option<String>,
}

/// How to rotate a token, as `scimd token rotate`; every field is optional, and so is the body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Rotation {
    /// How long the old token keeps working, as `scimd token rotate --overlap`; default 24h.
    /// `0s` retires it at once.
    #[schema(examples("24h"))]
    overlap: Option<String>,
    /// The new token's lifetime, as `expiresIn` when issuing; absent: it does not expire.
    #[schema(examples("90d"))]
    expires_in: Option<String>,
}

/// A token, without its secret except in the answer that issued it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenView {
    /// The token's id (not its secret): what revoke and rotate take.
    id: String,
    /// The tenant the token authenticates as.
    tenant: String,
    #[schema(required = true)]
    label: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
    /// When the token stops working; `null`: never.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    expires: Option<DateTime<Utc>>,
    /// When the token was revoked; `null`: it was not.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    revoked: Option<DateTime<Utc>>,
    /// When the token last authenticated a request (updated at most once a minute).
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    last_used: Option<DateTime<Utc>>,
    /// The secret, to send as `Authorization: Bearer <token>`. Only in the answer that issued
    /// or rotated the token: scimd keeps only its hash, so it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, examples("scimd_…"))]
    token: Option<String>,
    /// After a rotation: the token it replaces, with the expiry the overlap gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion, nullable = false)]
    replaces: Option<Box<TokenView>>,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            tenant: t.tenant,
            label: t.label,
            created: t.created_at,
            expires: t.expires_at,
            revoked: t.revoked_at,
            last_used: t.last_used_at,
            token: None,
            replaces: None,
        }
    }
}

/// List tokens
///
/// Every tenant's tokens, or one tenant's with `?tenant=`; `scimd token list`. Secrets are
/// never listed.
#[utoipa::path(
    get,
    path = "/admin/v1/tokens",
    tag = "Admin",
    operation_id = "listTokens",
    security(("adminToken" = [])),
    params(super::Scope),
    responses(
        (status = 200, description = "The tokens, without secrets", body = Vec<TokenView>,
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
    super::list_credentials::<TokenInfo, TokenView>(&state, &scope).await
}

/// Issue a token
///
/// `scimd token issue`: a new bearer token for the tenant's IdP. **The secret (`token`)
/// appears once, in this answer**; store it now.
#[utoipa::path(
    post,
    path = "/admin/v1/tokens",
    tag = "Admin",
    operation_id = "issueToken",
    security(("adminToken" = [])),
    request_body(content = NewToken, content_type = "application/json"),
    responses(
        (status = 201, description = "The token, with its secret in `token`, shown this once",
            body = TokenView,
            headers(("Cache-Control" = String, description = "`no-store`: the secret must not \
                be cached"))),
        (status = 400, description = "Malformed JSON, an unknown field, or an `expiresIn` that \
            is not a duration", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn issue(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ScimError> {
    let NewToken {
        tenant: name,
        label,
        expires_in,
    } = body.into_inner();
    let expires_at = expires_in
        .map(|text| expiry("expiresIn", &text))
        .transpose()?;
    let owner = admin.tenant(&state, &name).await?;
    let (info, secret) = state
        .store
        .tokens()
        .issue(&owner, label.as_deref(), expires_at)
        .await?;
    let mut view = TokenView::from(info);
    view.token = Some(secret);
    Ok(super::reply(StatusCode::CREATED, &view))
}

/// Revoke a token
///
/// `scimd token revoke ID`: it stops working at once. The token stays listed, with `revoked`.
#[utoipa::path(
    delete,
    path = "/admin/v1/tokens/{id}",
    tag = "Admin",
    operation_id = "revokeToken",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The token's `id`")),
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
    super::end_credential::<TokenInfo>(&state, &id).await
}

/// Rotate a token
///
/// `scimd token rotate ID`: issues a successor for the same tenant and label, and lets the old
/// token work for `overlap` more (24h by default) so the IdP can be switched without a gap.
/// **The new secret (`token`) appears once, in this answer.** The body is optional.
#[utoipa::path(
    post,
    path = "/admin/v1/tokens/{id}/rotate",
    tag = "Admin",
    operation_id = "rotateToken",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The `id` of the token to replace")),
    request_body(content = Option<Rotation>, content_type = "application/json"),
    responses(
        (status = 201, description = "The new token, with its secret in `token` (shown this \
            once), and in `replaces` the old one with its new expiry", body = TokenView,
            headers(("Cache-Control" = String, description = "`no-store`: the secret must not \
                be cached"))),
        (status = 400, description = "Malformed JSON, an unknown field, or an `overlap` or \
            `expiresIn` that is not a duration", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        IdNotFound,
        (status = 409, description = "The token is revoked or expired: issue a new one \
            instead", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn rotate(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    // Not `Option<Json<_>>`, which would take a malformed body (a misspelt field, a string for
    // an object, text/plain) for no body and rotate with the defaults.
    body: Result<web::Json<Option<Rotation>>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let Rotation {
        overlap,
        expires_in,
    } = match body {
        Ok(json) => json.into_inner().unwrap_or_default(),
        Err(_) if without_body(&req) => Rotation::default(),
        Err(malformed) => return Err(malformed),
    };
    let overlap = match overlap {
        Some(text) => duration("overlap", &text)?,
        None => chrono::Duration::hours(24),
    };
    let expires_at = expires_in
        .map(|text| expiry("expiresIn", &text))
        .transpose()?;
    let rotated = state
        .store
        .tokens()
        .rotate(&id, overlap, expires_at)
        .await
        .map_err(ScimError::from)?;
    let mut view = TokenView::from(rotated.new);
    view.token = Some(rotated.secret);
    view.replaces = Some(Box::new(TokenView::from(rotated.old)));
    Ok(super::reply(StatusCode::CREATED, &view))
}

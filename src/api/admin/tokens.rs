//! `/admin/v1/tokens`: `scimd token issue|list|revoke` over HTTP. A secret appears once, in
//! the answer that issued it.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Admin, duration, expiry, tenant, tenant_scope, without_body};
use crate::api::AppState;
use crate::scim::ScimError;
use crate::store::TokenInfo;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewToken {
    tenant: String,
    label: Option<String>,
    /// `90d`, `12h` … as `scimd token issue --expires-in`; absent: the token does not expire.
    expires_in: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Rotation {
    /// How long the old token keeps working, as `scimd token rotate --overlap`; default 24h.
    overlap: Option<String>,
    expires_in: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TokenView {
    id: String,
    tenant: String,
    label: Option<String>,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    revoked: Option<DateTime<Utc>>,
    last_used: Option<DateTime<Utc>>,
    /// Only in the answer that issued the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    /// After a rotation: the token it replaces, with the expiry the overlap gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
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

pub(super) async fn list(
    _: Admin,
    state: web::Data<AppState>,
    scope: web::Query<super::Scope>,
) -> Result<HttpResponse, ScimError> {
    let scope = tenant_scope(&state, &scope).await?;
    Ok(super::listed::<_, TokenView>(
        state.store.tokens().list(scope.as_ref()).await?,
    ))
}

pub(super) async fn issue(
    _: Admin,
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
    let owner = tenant(&state, &name).await?;
    let (info, secret) = state
        .store
        .tokens()
        .issue(&owner, label.as_deref(), expires_at)
        .await?;
    let mut view = TokenView::from(info);
    view.token = Some(secret);
    Ok(super::reply(StatusCode::CREATED, &view))
}

pub(super) async fn revoke(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let result = state.store.tokens().revoke(&id).await;
    super::gone(result, "token", &id)
}

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

//! `/admin/v1/jwt-trusts`: `scimd jwt add|list|remove` over HTTP. The key material comes in
//! the body instead of a file; an HS secret is never shown again.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Admin, tenant, tenant_scope};
use crate::api::AppState;
use crate::jwt::{self, ClaimRequirement, KeyKind, NewTrust};
use crate::scim::ScimError;
use crate::store::TrustInfo;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewTrustBody {
    tenant: String,
    issuer: String,
    audience: String,
    algorithm: Option<String>,
    /// Exactly one of the three key forms.
    hs256_secret: Option<String>,
    public_key: Option<String>,
    /// A JWKS document, as an object or as its text.
    jwks: Option<Value>,
    /// `NAME=VALUE`, as `--require-claim`.
    require_claim: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TrustView {
    id: String,
    tenant: String,
    issuer: String,
    audience: String,
    algorithm: String,
    key_kind: String,
    key_ids: Vec<String>,
    require_claim: Option<String>,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    /// True when an existing trust of the same tenant, issuer, audience and claim got the new
    /// key instead of a new trust being made.
    #[serde(skip_serializing_if = "Option::is_none")]
    rotated: Option<bool>,
}

impl From<TrustInfo> for TrustView {
    fn from(t: TrustInfo) -> Self {
        Self {
            id: t.id,
            tenant: t.tenant,
            issuer: t.issuer,
            audience: t.audience,
            algorithm: t.algorithm,
            key_kind: t.key_kind,
            key_ids: t.key_ids,
            require_claim: t.requirement,
            created: t.created_at,
            updated: t.updated_at,
            rotated: None,
        }
    }
}

pub(super) async fn list(
    _: Admin,
    state: web::Data<AppState>,
    scope: web::Query<super::Scope>,
) -> Result<HttpResponse, ScimError> {
    let scope = tenant_scope(&state, &scope).await?;
    Ok(super::listed::<_, TrustView>(
        state.store.jwt_trusts().list(scope.as_ref()).await?,
    ))
}

pub(super) async fn add(
    _: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewTrustBody>,
) -> Result<HttpResponse, ScimError> {
    let body = body.into_inner();
    let (kind, material) = match (body.hs256_secret, body.public_key, body.jwks) {
        (Some(secret), None, None) => (KeyKind::Secret, jwt::secret_text(secret.as_bytes())),
        (None, Some(pem), None) => (KeyKind::Pem, pem),
        (None, None, Some(Value::String(text))) => (KeyKind::Jwks, text),
        (None, None, Some(document)) => (KeyKind::Jwks, document.to_string()),
        _ => {
            return Err(ScimError::invalid_value(
                "give exactly one of hs256Secret, publicKey (PEM text) or jwks",
            ));
        }
    };
    let invalid = |e: jwt::TrustError| ScimError::invalid_value(e.to_string());
    let algorithm = body
        .algorithm
        .as_deref()
        .map(jwt::parse_algorithm)
        .transpose()
        .map_err(invalid)?;
    let requirement = body
        .require_claim
        .as_deref()
        .map(ClaimRequirement::parse)
        .transpose()
        .map_err(invalid)?;
    let new = NewTrust::new(
        &body.issuer,
        &body.audience,
        algorithm,
        kind,
        material,
        requirement,
    )
    .map_err(invalid)?;
    let owner = tenant(&state, &body.tenant).await?;
    let (info, rotated) = state.store.jwt_trusts().add(&owner, &new).await?;
    let mut view = TrustView::from(info);
    view.rotated = Some(rotated);
    let status = if rotated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(super::reply(status, &view))
}

pub(super) async fn remove(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let result = state.store.jwt_trusts().remove(&id).await;
    super::gone(result, "JWT trust", &id)
}

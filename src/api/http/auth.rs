//! Authentication: `Authorization: Bearer <token>` → the tenant the token belongs to
//! (RFC 7644 §2). Handlers that take a [`Tenant`] cannot run without a valid token. The
//! bearer may be an opaque token, an external JWT or a scimd OAuth access token; which one it
//! is and whether it is valid is decided in `store::credentials`.
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use tracing_actix_web::RootSpan;

use crate::api::AppState;
use crate::jwt::Rejection;
use crate::scim::ScimError;
use crate::store::credentials::AuthError;
use crate::store::{Credential, CredentialRef, TenantId};
use crate::telemetry::metrics;

/// The authenticated tenant of a request.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// Which registry the tenant's requests use (see `api::registries`).
    pub schema_version: i64,
    /// The credential the request authenticated with; `credential.key()` names it stably.
    pub credential: Credential,
    /// The credential's label, where it has one.
    pub label: Option<String>,
}

impl FromRequest for Tenant {
    type Error = ScimError;
    type Future = LocalBoxFuture<'static, Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req).map(str::to_owned);
        let span = req.extensions().get::<RootSpan>().cloned();
        let slot = super::activity::slot(req);
        Box::pin(async move {
            let token = token?;
            let state = state.ok_or_else(ScimError::internal)?;
            let authenticated = match &state.jwks {
                // A JWKS fetched from a URL is fetched again for a kid it lacks.
                Some(jwks) => jwks.authenticate(&token).await,
                None => state.store.credentials().authenticate(&token).await,
            };
            let principal = authenticated.inspect_err(|err| {
                if let Some(reason) = failure_reason(err) {
                    metrics::auth_failure(reason);
                }
            })?;
            let key = principal.credential.key();
            if let Some(slot) = &slot {
                let kind = principal.credential.kind_name();
                let (tenant, label) = (principal.tenant.id, principal.label.clone());
                let id = key.clone();
                slot.update(|draft| {
                    draft.tenant = Some(tenant);
                    draft.credential = Some(CredentialRef { id, kind, label });
                });
            }
            if let Some(span) = span {
                span.record("tenant", principal.tenant.name.as_str());
                span.record("credential", key.as_str());
            }
            state
                .limiter
                .check(&key)
                .inspect_err(|_| metrics::rate_limited())?;
            Ok(Tenant {
                id: principal.tenant.id,
                name: principal.tenant.name,
                schema_version: principal.tenant.schema_version,
                credential: principal.credential,
                label: principal.label,
            })
        })
    }
}

/// The token of an `Authorization: Bearer …` header (scheme compared case-insensitively);
/// a refusal is counted under its reason.
pub(in crate::api) fn bearer(req: &HttpRequest) -> Result<&str, ScimError> {
    let refused = |reason, detail: &str| {
        metrics::auth_failure(reason);
        ScimError::unauthorized(detail)
    };
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            refused(
                "missing_header",
                "missing Authorization header; send `Authorization: Bearer <token>`",
            )
        })?
        .to_str()
        .map_err(|_| {
            refused(
                "invalid_header",
                "the Authorization header is not valid text",
            )
        })?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(refused(
            "not_bearer",
            "the Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(refused("empty_token", "the bearer token is empty"));
    }
    Ok(token)
}

/// The `reason` label of a refused bearer: one per cause the credentials path tells apart, a
/// fixed set (README.md "Metrics"). `None` for a database failure, which is no refusal.
fn failure_reason(err: &AuthError) -> Option<&'static str> {
    Some(match err {
        AuthError::UnknownToken => "invalid_token",
        AuthError::Store(_) => return None,
        AuthError::Jwt(rejection) => match rejection {
            Rejection::Malformed => "jwt_malformed",
            Rejection::Unsigned => "jwt_unsigned",
            Rejection::NoIssuer => "jwt_no_issuer",
            Rejection::UnknownIssuer(_) => "jwt_unknown_issuer",
            Rejection::Audience => "jwt_audience",
            Rejection::Algorithm { .. } => "jwt_algorithm",
            Rejection::NoKid => "jwt_no_kid",
            Rejection::UnknownKid(_) => "jwt_unknown_kid",
            Rejection::UnknownKidRefetched(_) => "jwt_unknown_kid_refetched",
            Rejection::UnknownKidRetry(_) => "jwt_unknown_kid_retry",
            Rejection::Signature => "jwt_signature",
            Rejection::Expired => "jwt_expired",
            Rejection::NotYetValid => "jwt_not_yet_valid",
            Rejection::MissingClaim(_) => "jwt_missing_claim",
            Rejection::BadClaim(_) => "jwt_bad_claim",
            Rejection::Requirement(_) => "jwt_requirement",
            Rejection::Ambiguous => "jwt_ambiguous",
            Rejection::UnknownSigningKey => "access_token_unknown_key",
            Rejection::AccessExpired => "access_token_expired",
            Rejection::ClientRevoked => "access_token_client_revoked",
            Rejection::Unverifiable => "jwt_unverifiable",
        },
    })
}

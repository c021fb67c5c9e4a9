//! Authentication: `Authorization: Bearer <token>` → the tenant the token belongs to
//! (RFC 7644 §2). Handlers that take a [`Tenant`] cannot run without a valid token. The
//! bearer may be an opaque token, an external JWT or a scimd OAuth access token; which one it
//! is and whether it is valid is decided in `store::credentials`.
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use tracing_actix_web::RootSpan;

use crate::api::AppState;
use crate::scim::ScimError;
use crate::store::{Credential, TenantId};

/// The authenticated tenant of a request.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// Which registry the tenant's requests use (see `api::registries`).
    pub schema_version: i64,
    /// The credential the request authenticated with; `credential.key()` names it stably.
    pub credential: Credential,
}

impl FromRequest for Tenant {
    type Error = ScimError;
    type Future = LocalBoxFuture<'static, Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req).map(str::to_owned);
        let span = req.extensions().get::<RootSpan>().cloned();
        Box::pin(async move {
            let token = token?;
            let state = state.ok_or_else(ScimError::internal)?;
            let principal = match &state.jwks {
                // A JWKS fetched from a URL is fetched again for a kid it lacks.
                Some(jwks) => jwks.authenticate(&token).await?,
                None => state.store.credentials().authenticate(&token).await?,
            };
            let key = principal.credential.key();
            if let Some(span) = span {
                span.record("tenant", principal.tenant.name.as_str());
                span.record("credential", key.as_str());
            }
            state.limiter.check(&key)?;
            Ok(Tenant {
                id: principal.tenant.id,
                name: principal.tenant.name,
                schema_version: principal.tenant.schema_version,
                credential: principal.credential,
            })
        })
    }
}

/// The token of an `Authorization: Bearer …` header (scheme compared case-insensitively).
pub(in crate::api) fn bearer(req: &HttpRequest) -> Result<&str, ScimError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ScimError::unauthorized(
                "missing Authorization header; send `Authorization: Bearer <token>`",
            )
        })?
        .to_str()
        .map_err(|_| ScimError::unauthorized("the Authorization header is not valid text"))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ScimError::unauthorized(
            "the Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ScimError::unauthorized("the bearer token is empty"));
    }
    Ok(token)
}

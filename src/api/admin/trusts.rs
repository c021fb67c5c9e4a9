//! `/admin/v1/jwt-trusts`: `scimd jwt add|list|remove` over HTTP. The key material comes in
//! the body instead of a file, or from a JWKS URL scimd fetches (`--jwks-url`); an HS secret is
//! never shown again.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{
    IdNotFound, InternalServerError, PayloadTooLarge, QueryError, TenantNotFound, Unauthorized,
    UnsupportedMediaType,
};
use crate::jwt::{self, ClaimRequirement, KeyKind, NewTrust};
use crate::scim::ScimError;
use crate::store::TrustInfo;
use crate::worker::jwks;

/// An issuer whose JWTs a tenant accepts as bearer tokens, as `scimd jwt add`. Give exactly
/// one key: `hs256Secret`, `publicKey`, `jwks` or `jwksUrl`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NewJwtTrust, examples(json!({
    "tenant": "acme",
    "issuer": "https://idp.example.com/",
    "audience": "scimd",
    "jwks": {"keys": [{
        "kty": "RSA",
        "use": "sig",
        "kid": "test-rsa-1",
        "n": "-HX3sAa9oSsazpuykoR_bDLzeV33NMiXKinY1WyEcwuFbe4vFMeP_jskF7FYus42TsnQx5PkJtcMh02fPnLV0ifF8Zs5fZpgDLg__ESRyDGLkkk3Ie0RFt3MIKNbtIHJ0Gnk7wiTPjEPggxO4cKkJbrb4im9Vmy09haFofSIbMnVJMjZ-_GTWsjdISYvCwsQWBVEV_RTvybYe6F33tAIBK6wf06fmS9XB1E_IlhdYwm_bT1KGuuoHzYMs2TWQAa2V6b-uqa3VkhtkIGot4HuC6_yLlbrfrrnAy8Tm12ayxIHvyayAg4rHm-7JfL1js9kL_RW2sgGHFGgXMptP2vQqQ",
        "e": "AQAB"
    }]}
})))]
pub(super) struct NewTrustBody {
    /// The tenant the issuer's tokens authenticate as.
    #[schema(examples("acme"))]
    tenant: String,
    /// The `iss` the tokens must carry.
    #[schema(examples("https://sts.windows.net/00000000-0000-0000-0000-000000000000/"))]
    issuer: String,
    /// The `aud` the tokens must carry.
    #[schema(examples("8adf8e6e-67b2-4cf2-a259-e3dc5476c621"))]
    audience: String,
    /// The one JWA algorithm accepted (HS256/384/512, RS256/384/512, PS256/384/512,
    /// ES256/384, in any case); by default the key's usual one (HS256 for a secret, RS256 or
    /// ES256/ES384 for a public key).
    #[schema(examples("RS256"))]
    algorithm: Option<String>,
    /// An HMAC secret of at least 32 bytes. Never shown again.
    hs256_secret: Option<String>,
    /// A PEM public key (`PUBLIC KEY`, `RSA PUBLIC KEY`) or certificate, as text.
    public_key: Option<String>,
    /// A JWKS document (RFC 7517), as an object or as its text; tokens name their key by `kid`.
    jwks: Option<Value>,
    /// The issuer's JWKS URL (`https`; plain `http` only to a loopback host): fetched now (a
    /// URL that cannot be fetched or has no key of the algorithm is a 400), then again every
    /// `SCIMD_JWKS_REFRESH` and for a token naming an unknown `kid`.
    #[schema(examples(
        "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys"
    ))]
    jwks_url: Option<String>,
    /// `NAME=VALUE`: a claim the tokens must also carry, as `--require-claim`.
    #[schema(examples("tid=00000000-0000-0000-0000-000000000000"))]
    require_claim: Option<String>,
}

/// A JWT trust, without its key material.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JwtTrust)]
pub(crate) struct TrustView {
    /// The trust's id: what remove takes.
    id: String,
    tenant: String,
    issuer: String,
    audience: String,
    /// The JWA algorithm the trust accepts.
    #[schema(examples("RS256"))]
    algorithm: String,
    /// `secret`, `pem` or `jwks`.
    #[schema(examples("jwks"))]
    key_kind: String,
    /// The `kid`s of a JWKS; empty for the other kinds.
    key_ids: Vec<String>,
    /// `NAME=VALUE`, or `null`.
    #[schema(required = true)]
    require_claim: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
    /// When the key last changed.
    #[schema(value_type = String, format = DateTime)]
    updated: DateTime<Utc>,
    /// Where the JWKS is fetched from, or `null` for key material given once.
    #[schema(required = true)]
    jwks_url: Option<String>,
    /// When the JWKS was last fetched from `jwksUrl`, or `null`.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    fetched: Option<DateTime<Utc>>,
    /// Why the last fetch from `jwksUrl` failed (the keys fetched before stay in use), or
    /// `null`.
    #[schema(required = true)]
    fetch_error: Option<String>,
    /// In the answer to an add: true when an existing trust of the same tenant, issuer,
    /// audience and claim got the new key instead of a new trust being made.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
            jwks_url: t.jwks_url,
            fetched: t.fetched_at,
            fetch_error: t.fetch_error,
            rotated: None,
        }
    }
}

/// List JWT trusts
///
/// Every tenant's JWT trusts, or one tenant's with `?tenant=`; `scimd jwt list`. Key material
/// is never listed.
#[utoipa::path(
    get,
    path = "/admin/v1/jwt-trusts",
    tag = "Admin",
    operation_id = "listJwtTrusts",
    security(("adminToken" = [])),
    params(super::Scope),
    responses(
        (status = 200, description = "The trusts, without key material", body = Vec<TrustView>,
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
    super::list_credentials::<TrustInfo, TrustView>(&state, &scope).await
}

/// Trust a JWT issuer
///
/// `scimd jwt add`: the tenant accepts JWTs of this issuer and audience, signed with this key,
/// as bearer tokens. Adding again for the same tenant, issuer, audience and claim replaces the
/// key of the existing trust (200, `rotated: true`) instead of making a second one.
#[utoipa::path(
    post,
    path = "/admin/v1/jwt-trusts",
    tag = "Admin",
    operation_id = "addJwtTrust",
    security(("adminToken" = [])),
    request_body(content = NewTrustBody, content_type = "application/json"),
    responses(
        (status = 200, description = "An existing trust got the new key (`rotated: true`)",
            body = TrustView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 201, description = "The new trust", body = TrustView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "Malformed JSON, an unknown field, not exactly one key, a \
            key that does not parse, an HS secret under 32 bytes, an unsupported algorithm, \
            a `requireClaim` that is not `NAME=VALUE`, or a `jwksUrl` that is not https, cannot \
            be fetched or holds no key of the algorithm", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        TenantNotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn add(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewTrustBody>,
) -> Result<HttpResponse, ScimError> {
    let body = body.into_inner();
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
    let (kind, material) = match (
        body.hs256_secret,
        body.public_key,
        body.jwks,
        &body.jwks_url,
    ) {
        (Some(secret), None, None, None) => (KeyKind::Secret, jwt::secret_text(secret.as_bytes())),
        (None, Some(pem), None, None) => (KeyKind::Pem, pem),
        (None, None, Some(Value::String(text)), None) => (KeyKind::Jwks, text),
        (None, None, Some(document), None) => (KeyKind::Jwks, document.to_string()),
        (None, None, None, Some(url)) => {
            let algorithm = algorithm.unwrap_or_else(|| jwt::default_algorithm(KeyKind::Jwks, ""));
            let material = jwks::fetch(url, algorithm).await.map_err(|e| {
                ScimError::invalid_value(format!("cannot use the JWKS at {url}: {e}"))
            })?;
            (KeyKind::Jwks, material)
        }
        _ => {
            return Err(ScimError::invalid_value(
                "give exactly one of hs256Secret, publicKey (PEM text), jwks or jwksUrl",
            ));
        }
    };
    let mut new = NewTrust::new(
        &body.issuer,
        &body.audience,
        algorithm,
        kind,
        material,
        requirement,
    )
    .map_err(invalid)?;
    if let Some(url) = &body.jwks_url {
        new = new.fetched_from(url).map_err(invalid)?;
    }
    let owner = admin.tenant(&state, &body.tenant).await?;
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

/// Remove a JWT trust
///
/// `scimd jwt remove ID`: the issuer's tokens stop working at once.
#[utoipa::path(
    delete,
    path = "/admin/v1/jwt-trusts/{id}",
    tag = "Admin",
    operation_id = "removeJwtTrust",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The trust's `id`")),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn remove(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    super::end_credential::<TrustInfo>(&state, &id).await
}

//! Which kind of credential a bearer is, and whom it speaks for (RFC 6750 §2.1): an opaque
//! scimd token, an access token scimd issued at `/oauth/token`, or a JWT of an external
//! issuer a tenant trusts. Each kind costs one indexed read, so revoking a token, a client
//! or a trust takes effect at once in every process on the database.
use super::{Store, StoreError, TenantRecord};
use crate::jwt::{self, Rejection, Unverified, access};
use crate::scim::ScimError;

/// The credential a request authenticated with; [`Credential::key`] names it stably (for
/// rate limits, logs and audit) without revealing any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An opaque bearer token, by its id.
    Token { id: String },
    /// An external JWT, by the trust that accepted it and the token's `sub`.
    Jwt {
        trust_id: String,
        subject: Option<String>,
    },
    /// An access token of an OAuth client, by client id.
    OauthClient { client_id: String },
}

impl Credential {
    /// `token:<id>`, `jwt:<trust id>:<sub>` or `client:<client id>`.
    pub fn key(&self) -> String {
        match self {
            Self::Token { id } => format!("token:{id}"),
            Self::Jwt { trust_id, subject } => {
                format!("jwt:{trust_id}:{}", subject.as_deref().unwrap_or(""))
            }
            Self::OauthClient { client_id } => format!("client:{client_id}"),
        }
    }
}

/// Who a valid bearer speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: TenantRecord,
    pub credential: Credential,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// An opaque token that is unknown, expired or revoked.
    #[error("the bearer token is invalid, expired or revoked")]
    UnknownToken,
    /// A JWT refused, with the reason an operator can act on.
    #[error(transparent)]
    Jwt(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AuthError> for ScimError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Store(err) => err.into(),
            rejected => ScimError::unauthorized(rejected.to_string()),
        }
    }
}

pub struct Credentials<'a> {
    store: &'a Store,
}

impl Store {
    pub fn credentials(&self) -> Credentials<'_> {
        Credentials { store: self }
    }
}

impl Credentials<'_> {
    /// The principal `bearer` authenticates.
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError> {
        let unverified = match jwt::peek(bearer) {
            None => return self.opaque(bearer).await,
            Some(peeked) => peeked.inspect_err(rejected)?,
        };
        let result = if unverified.issuer.as_deref() == Some(access::ISSUER) {
            self.access_token(bearer, &unverified).await
        } else {
            self.external(bearer, &unverified).await
        };
        if let Err(AuthError::Jwt(rejection)) = &result {
            rejected(rejection);
        }
        result
    }

    async fn opaque(&self, bearer: &str) -> Result<Principal, AuthError> {
        let principal = self
            .store
            .tokens()
            .authenticate(bearer)
            .await?
            .ok_or(AuthError::UnknownToken)?;
        Ok(Principal {
            tenant: principal.tenant,
            credential: Credential::Token {
                id: principal.token_id,
            },
        })
    }

    async fn access_token(
        &self,
        bearer: &str,
        unverified: &Unverified,
    ) -> Result<Principal, AuthError> {
        let kid = unverified
            .kid
            .as_deref()
            .ok_or(Rejection::UnknownSigningKey)?;
        let secret = self
            .store
            .signing_secret(kid)
            .await?
            .ok_or(Rejection::UnknownSigningKey)?;
        let claims = access::verify(bearer, &secret)?;
        let tenant = self
            .store
            .oauth_clients()
            .live(&claims.client_id)
            .await?
            .filter(|tenant| tenant.name == claims.tenant)
            .ok_or(Rejection::ClientRevoked)?;
        Ok(Principal {
            tenant,
            credential: Credential::OauthClient {
                client_id: claims.client_id,
            },
        })
    }

    async fn external(
        &self,
        bearer: &str,
        unverified: &Unverified,
    ) -> Result<Principal, AuthError> {
        let issuer = unverified.issuer.as_deref().ok_or(Rejection::NoIssuer)?;
        let (trusts, tenants): (Vec<_>, Vec<_>) = self
            .store
            .jwt_trusts()
            .for_issuer(issuer)
            .await?
            .into_iter()
            .unzip();
        let verified = jwt::select(bearer, unverified, &trusts).inspect_err(|r| {
            if *r == Rejection::Ambiguous {
                let ids: Vec<&str> = trusts.iter().map(|t| t.id.as_str()).collect();
                tracing::warn!(
                    ?ids,
                    "a JWT matched several trusts; give them --require-claim"
                );
            }
        })?;
        let tenant = trusts
            .iter()
            .position(|t| t.id == verified.trust.id)
            .and_then(|i| tenants.get(i).cloned())
            .ok_or(Rejection::Unverifiable)?;
        Ok(Principal {
            tenant,
            credential: Credential::Jwt {
                trust_id: verified.trust.id.clone(),
                subject: verified.subject,
            },
        })
    }
}

/// Operators see why a JWT was refused (the IdP sees the same detail); the token never is
/// logged.
fn rejected(rejection: &Rejection) {
    tracing::info!(reason = %rejection, "JWT bearer rejected");
}

//! Which kind of credential a bearer is, and whom it speaks for (RFC 6750 §2.1): an opaque
//! scimd token, an access token scimd issued at `/oauth/token`, or a JWT of an external
//! issuer a tenant trusts. Each kind costs one indexed read, so revoking a token, a client
//! or a trust takes effect at once in every process on the database.
use super::{Store, StoreError, TenantRecord};
use crate::jwt::Rejection;
use crate::scim::ScimError;

mod authenticate;
mod jwt_trusts;
mod kind;
mod oauth_clients;
#[cfg(test)]
mod tests;
pub(super) mod tokens;

pub use jwt_trusts::{Fetched, JwtTrusts, RefreshableTrust, TrustInfo};
pub use kind::{CredentialInfo, CredentialKind};
pub use oauth_clients::{AccessToken, ClientInfo, OauthClients};
pub use tokens::{RotateError, Rotated, TokenInfo, Tokens};

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
    /// `token`, `jwt` or `oauth_client`, as the activity log names the kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Token { .. } => "token",
            Self::Jwt { .. } => "jwt",
            Self::OauthClient { .. } => "oauth_client",
        }
    }

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
    /// The credential's label: a token's or an OAuth client's own, a JWT's issuer.
    pub label: Option<String>,
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
    /// Every credential of kind `I` ([`TokenInfo`], [`ClientInfo`] or [`TrustInfo`]), or one
    /// tenant's, oldest first.
    pub async fn list<I: CredentialInfo>(
        &self,
        tenant: Option<&TenantRecord>,
    ) -> Result<Vec<I>, StoreError> {
        kind::list::<I, _>(&self.store.reader, tenant).await
    }

    /// Ends credential `id` of kind `I` at once, in every process on the database: a token or
    /// an OAuth client is marked revoked (again: no change), a JWT trust is removed.
    /// `NotFound` if there is none; `I::KIND.noun()` names the kind in a message.
    pub async fn revoke<I: CredentialInfo>(&self, id: &str) -> Result<(), StoreError> {
        kind::revoke::<I, _>(&self.store.writer, id).await
    }
}

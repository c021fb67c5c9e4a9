//! Authenticating a bearer (RFC 6750 §2.1): an opaque token by its hash, an access token
//! scimd issued by its signature and live client, an external JWT by the trusts of its issuer.
use super::{AuthError, Credential, Credentials, Principal};
use crate::jwt::{self, Rejection, Unverified, access};

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
            label: principal.label,
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
        let (tenant, label) = self
            .store
            .oauth_clients()
            .live(&claims.client_id)
            .await?
            .filter(|(tenant, _)| tenant.name == claims.tenant)
            .ok_or(Rejection::ClientRevoked)?;
        Ok(Principal {
            tenant,
            credential: Credential::OauthClient {
                client_id: claims.client_id,
            },
            label,
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
            // A trust has no label of its own: the issuer names who signed.
            label: Some(issuer.to_owned()),
        })
    }
}

/// Operators see why a JWT was refused (the IdP sees the same detail); the token never is
/// logged.
fn rejected(rejection: &Rejection) {
    tracing::info!(reason = %rejection, "JWT bearer rejected");
}

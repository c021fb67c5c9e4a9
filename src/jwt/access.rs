//! The access tokens scimd issues at `/oauth/token` (RFC 6749 §4.4; claims after RFC 9068):
//! short-lived HS256 JWTs, signed with a key kept in the database so every scimd process on
//! it verifies them, naming the OAuth client and its tenant. The client row stays the source
//! of truth: a token is accepted only while its client is not revoked.
use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Rejection;
use super::verify::rejection;

/// The `iss` of scimd's own tokens; `scimd jwt add` refuses it for an external trust.
pub const ISSUER: &str = "urn:scimd:oauth";
/// The `aud` of scimd's own tokens: its SCIM API.
pub const AUDIENCE: &str = "urn:scimd:scim";
const ALGORITHM: Algorithm = Algorithm::HS256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The OAuth client id (RFC 9068 §2.2: `sub` of a client-credentials token is the client).
    pub sub: String,
    pub client_id: String,
    /// The tenant's name, for people reading the token; the client row decides the tenant.
    pub tenant: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl AccessClaims {
    pub fn new(client_id: &str, tenant: &str, issued_at: i64, ttl_seconds: i64) -> Self {
        Self {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: client_id.to_owned(),
            client_id: client_id.to_owned(),
            tenant: tenant.to_owned(),
            iat: issued_at,
            exp: issued_at.saturating_add(ttl_seconds),
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// The signed token, naming its signing key by `kid` so keys can be rotated.
pub fn sign(
    claims: &AccessClaims,
    kid: &str,
    secret: &[u8],
) -> Result<String, jsonwebtoken::errors::Error> {
    let mut header = Header::new(ALGORITHM);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret))
}

/// The claims of a token scimd signed with `secret`, if it is still valid. No leeway: the
/// issuer and the verifier are the same service.
pub fn verify(token: &str, secret: &[u8]) -> Result<AccessClaims, Rejection> {
    let mut validation = Validation::new(ALGORITHM);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let key = jsonwebtoken::DecodingKey::from_secret(secret);
    match jsonwebtoken::decode::<AccessClaims>(token, &key, &validation) {
        Ok(data) => Ok(data.claims),
        Err(e) => Err(match rejection(e.kind()) {
            Rejection::Expired => Rejection::AccessExpired,
            other => other,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    #[test]
    fn a_signed_token_verifies_and_names_client_and_tenant() {
        let claims = AccessClaims::new("client-1", "acme", now(), 3600);
        let token = sign(&claims, "k1", SECRET).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(verify(&token, SECRET), Ok(claims));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let expired = sign(&AccessClaims::new("c", "t", now() - 100, 10), "k", SECRET).unwrap();
        assert_eq!(verify(&expired, SECRET), Err(Rejection::AccessExpired));
        let token = sign(&AccessClaims::new("c", "t", now(), 60), "k", SECRET).unwrap();
        assert_eq!(
            verify(&token, b"another secret of thirty-two bytes"),
            Err(Rejection::Signature)
        );
        let mut foreign = AccessClaims::new("c", "t", now(), 60);
        foreign.aud = "elsewhere".into();
        let foreign = sign(&foreign, "k", SECRET).unwrap();
        assert_eq!(verify(&foreign, SECRET), Err(Rejection::Audience));
    }
}

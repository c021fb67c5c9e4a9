//! The key material a trust pins (RFC 7518 §3): an HMAC secret, a PEM public key or a JWKS
//! document (RFC 7517), each usable with exactly one algorithm family. Checked when a trust is
//! registered and again whenever it is read back, so a bad key never reaches verification.
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::Value;

use super::Rejection;

/// How a trust's key material is written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An HMAC secret, stored as standard base64 of its bytes.
    Secret,
    /// A PEM public key (`PUBLIC KEY`, `RSA PUBLIC KEY`) or certificate.
    Pem,
    /// A JWKS document; tokens name their key by `kid`.
    Jwks,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Pem => "pem",
            Self::Jwks => "jwks",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "secret" => Some(Self::Secret),
            "pem" => Some(Self::Pem),
            "jwks" => Some(Self::Jwks),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error(
        "unsupported JWT algorithm {0:?}; use HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256 or ES384"
    )]
    UnsupportedAlgorithm(String),
    #[error("{algorithm} needs {needs}")]
    WrongKind {
        algorithm: &'static str,
        needs: &'static str,
    },
    #[error("the HS secret is {0} bytes; use at least 32 random bytes (RFC 7518 §3.2)")]
    ShortSecret(usize),
    #[error(
        "the PEM holds a private key; give scimd the issuer's public key (`openssl pkey -in KEY -pubout`)"
    )]
    PrivatePem,
    #[error("the PEM does not hold a public key usable with {0}")]
    Pem(&'static str),
    #[error("the JWKS is not a JSON object with a \"keys\" array")]
    JwksSyntax,
    #[error("the JWKS has no signing key with a kid usable with {0}")]
    NoUsableKey(&'static str),
    #[error("the claim requirement must look like NAME=VALUE, e.g. scimd_tenant=acme")]
    Requirement,
    #[error("the issuer must be a non-empty URL or name without surrounding spaces")]
    Issuer,
    #[error("the issuer urn:scimd:oauth is scimd's own; it cannot be an external trust")]
    ReservedIssuer,
    #[error("the audience must not be empty")]
    Audience,
    #[error("the stored key material is corrupt")]
    Corrupt,
}

const SUPPORTED: &[Algorithm] = &[
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// An algorithm a trust may pin, by its JWA name (RFC 7518 §3.1) in any case. `none` and
/// EdDSA are not among them.
pub fn parse_algorithm(name: &str) -> Result<Algorithm, TrustError> {
    Algorithm::from_str(&name.to_ascii_uppercase())
        .ok()
        .filter(|alg| SUPPORTED.contains(alg))
        .ok_or_else(|| TrustError::UnsupportedAlgorithm(name.to_owned()))
}

pub fn algorithm_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        _ => "unsupported",
    }
}

/// Parsed key material, ready to verify tokens of one algorithm.
#[derive(Debug, Clone)]
pub enum KeyMaterial {
    /// An HMAC secret or a PEM public key: one key, whatever `kid` a token names.
    Single(DecodingKey),
    /// The usable keys of a JWKS, by `kid`.
    Set(Vec<(String, DecodingKey)>),
}

impl KeyMaterial {
    /// Parses key material written as `kind` for `alg`. An HMAC algorithm takes only a secret
    /// and a public-key algorithm only a PEM or JWKS of its own family, so a public key can
    /// never become an HMAC secret (RS/HS confusion).
    pub fn parse(kind: KeyKind, text: &str, alg: Algorithm) -> Result<Self, TrustError> {
        let name = algorithm_name(alg);
        if !SUPPORTED.contains(&alg) {
            return Err(TrustError::UnsupportedAlgorithm(name.to_owned()));
        }
        match (kind, alg.family()) {
            (KeyKind::Secret, AlgorithmFamily::Hmac) => {
                let secret = STANDARD.decode(text).map_err(|_| TrustError::Corrupt)?;
                if secret.len() < 32 {
                    return Err(TrustError::ShortSecret(secret.len()));
                }
                Ok(Self::Single(DecodingKey::from_secret(&secret)))
            }
            (KeyKind::Secret, _) => Err(TrustError::WrongKind {
                algorithm: name,
                needs: "a PEM public key or a JWKS, not a shared secret",
            }),
            (_, AlgorithmFamily::Hmac) => Err(TrustError::WrongKind {
                algorithm: name,
                needs: "a shared secret (--hs256-secret-file), not a public key",
            }),
            (KeyKind::Pem, _) => pem(text, alg).map(Self::Single),
            (KeyKind::Jwks, _) => jwks(text, alg).map(Self::Set),
        }
    }

    /// The `kid`s of a JWKS; empty for a single key.
    pub fn key_ids(&self) -> Vec<&str> {
        match self {
            Self::Single(_) => Vec::new(),
            Self::Set(keys) => keys.iter().map(|(kid, _)| kid.as_str()).collect(),
        }
    }

    /// The key that verifies a token naming `kid`: with a JWKS the `kid` must name one of its
    /// keys; a single key ignores it.
    pub(super) fn key_for(&self, kid: Option<&str>) -> Result<&DecodingKey, Rejection> {
        match self {
            Self::Single(key) => Ok(key),
            Self::Set(keys) => {
                let kid = kid.ok_or(Rejection::NoKid)?;
                keys.iter()
                    .find(|(k, _)| k == kid)
                    .map(|(_, key)| key)
                    .ok_or_else(|| Rejection::UnknownKid(super::verify::shorten(kid)))
            }
        }
    }
}

/// An HMAC secret as it is stored: standard base64 of its bytes, so any bytes survive a
/// text column.
pub fn secret_text(secret: &[u8]) -> String {
    STANDARD.encode(secret)
}

/// The algorithm a key suggests when the operator names none: HS256 for a secret, ES256 or
/// ES384 for an EC PEM by its curve, RS256 otherwise (Entra ID, Okta and most IdPs).
pub fn default_algorithm(kind: KeyKind, text: &str) -> Algorithm {
    match kind {
        KeyKind::Secret => Algorithm::HS256,
        KeyKind::Jwks => Algorithm::RS256,
        KeyKind::Pem => [Algorithm::ES256, Algorithm::ES384]
            .into_iter()
            .find(|alg| pem(text, *alg).is_ok())
            .unwrap_or(Algorithm::RS256),
    }
}

fn pem(text: &str, alg: Algorithm) -> Result<DecodingKey, TrustError> {
    let name = algorithm_name(alg);
    let tag = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or(TrustError::Pem(name))?;
    if tag.contains("PRIVATE") {
        return Err(TrustError::PrivatePem);
    }
    let key = match alg.family() {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(text.as_bytes()),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(text.as_bytes()),
        _ => return Err(TrustError::Pem(name)),
    }
    .map_err(|_| TrustError::Pem(name))?;
    // An EC point's size names its curve (SEC 1 uncompressed: 1 + 2 × field bytes); a key of
    // the other curve would only fail later, at the first token.
    let point = key.try_get_as_bytes().map(<[u8]>::len).unwrap_or(0);
    match alg {
        Algorithm::ES256 if point != 65 => Err(TrustError::Pem(name)),
        Algorithm::ES384 if point != 97 => Err(TrustError::Pem(name)),
        _ => Ok(key),
    }
}

/// The keys of a JWKS that can verify `alg`: signing keys with a `kid`, of the right type and
/// curve, whose own `alg` (if any) is `alg`. Other keys (encryption keys, other types) are
/// skipped rather than refused, as issuers publish them side by side.
fn jwks(text: &str, alg: Algorithm) -> Result<Vec<(String, DecodingKey)>, TrustError> {
    let name = algorithm_name(alg);
    let doc: Value = serde_json::from_str(text).map_err(|_| TrustError::JwksSyntax)?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(TrustError::JwksSyntax)?;
    let usable: Vec<_> = keys
        .iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
        .filter(|jwk| {
            let signing = jwk
                .common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == PublicKeyUse::Signature);
            let same_alg = jwk
                .common
                .key_algorithm
                .is_none_or(|a| a.to_string() == name);
            let fits = match (&jwk.algorithm, alg) {
                (AlgorithmParameters::RSA(_), _) => alg.family() == AlgorithmFamily::Rsa,
                (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => {
                    p.curve == EllipticCurve::P256
                }
                (AlgorithmParameters::EllipticCurve(p), Algorithm::ES384) => {
                    p.curve == EllipticCurve::P384
                }
                _ => false,
            };
            signing && same_alg && fits
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            DecodingKey::from_jwk(&jwk).ok().map(|key| (kid, key))
        })
        .collect();
    if usable.is_empty() {
        return Err(TrustError::NoUsableKey(name));
    }
    Ok(usable)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/jwt/rsa1_public.pem");
    const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/jwt/rsa1_private.pem");
    const EC_PUBLIC: &str = include_str!("../../tests/fixtures/jwt/ec_public.pem");
    const JWKS: &str = include_str!("../../tests/fixtures/jwt/jwks.json");

    #[test]
    fn algorithms_are_pinned_by_name_and_none_is_not_one() {
        assert_eq!(parse_algorithm("rs256"), Ok(Algorithm::RS256));
        for bad in ["none", "EdDSA", "HS1", ""] {
            assert!(parse_algorithm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_public_key_is_never_an_hmac_secret() {
        let as_secret = secret_text(RSA_PUBLIC.as_bytes());
        assert!(matches!(
            KeyMaterial::parse(KeyKind::Secret, &as_secret, Algorithm::RS256),
            Err(TrustError::WrongKind { .. })
        ));
        assert!(matches!(
            KeyMaterial::parse(KeyKind::Pem, RSA_PUBLIC, Algorithm::HS256),
            Err(TrustError::WrongKind { .. })
        ));
    }

    #[test]
    fn short_secrets_and_private_keys_are_refused() {
        let short = secret_text(b"too short");
        assert_eq!(
            KeyMaterial::parse(KeyKind::Secret, &short, Algorithm::HS256).err(),
            Some(TrustError::ShortSecret(9))
        );
        assert_eq!(
            KeyMaterial::parse(KeyKind::Pem, RSA_PRIVATE, Algorithm::RS256).err(),
            Some(TrustError::PrivatePem)
        );
    }

    #[test]
    fn pem_keys_must_match_the_algorithm_family_and_curve() {
        assert!(KeyMaterial::parse(KeyKind::Pem, RSA_PUBLIC, Algorithm::RS256).is_ok());
        assert!(KeyMaterial::parse(KeyKind::Pem, EC_PUBLIC, Algorithm::ES256).is_ok());
        assert!(KeyMaterial::parse(KeyKind::Pem, EC_PUBLIC, Algorithm::ES384).is_err());
        assert!(KeyMaterial::parse(KeyKind::Pem, EC_PUBLIC, Algorithm::RS256).is_err());
        assert_eq!(default_algorithm(KeyKind::Pem, EC_PUBLIC), Algorithm::ES256);
        assert_eq!(
            default_algorithm(KeyKind::Pem, RSA_PUBLIC),
            Algorithm::RS256
        );
    }

    #[test]
    fn jwks_keeps_usable_signing_keys_by_kid() {
        let keys = KeyMaterial::parse(KeyKind::Jwks, JWKS, Algorithm::RS256).unwrap();
        assert_eq!(keys.key_ids(), ["test-rsa-1", "test-rsa-2"]);
        assert!(keys.key_for(Some("test-rsa-2")).is_ok());
        assert_eq!(keys.key_for(None).err(), Some(Rejection::NoKid));
        assert!(matches!(
            keys.key_for(Some("other")),
            Err(Rejection::UnknownKid(_))
        ));
        assert_eq!(
            KeyMaterial::parse(KeyKind::Jwks, JWKS, Algorithm::ES256).err(),
            Some(TrustError::NoUsableKey("ES256"))
        );
        // Entra ID's published keys carry x5t, x5c and issuer besides n and e.
        let rsa1 = &serde_json::from_str::<Value>(JWKS).unwrap()["keys"][0];
        let entra = serde_json::json!({"keys": [{
            "kty": "RSA", "use": "sig", "kid": "entra-1", "x5t": "entra-1",
            "n": rsa1["n"], "e": rsa1["e"], "x5c": ["MIIC..."],
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"
        }]});
        let keys = KeyMaterial::parse(KeyKind::Jwks, &entra.to_string(), Algorithm::RS256);
        assert_eq!(keys.unwrap().key_ids(), ["entra-1"]);
        let encryption_only =
            r#"{"keys":[{"kty":"RSA","use":"enc","kid":"e","n":"AQAB","e":"AQAB"}]}"#;
        assert!(KeyMaterial::parse(KeyKind::Jwks, encryption_only, Algorithm::RS256).is_err());
        assert_eq!(
            KeyMaterial::parse(KeyKind::Jwks, "[]", Algorithm::RS256).err(),
            Some(TrustError::JwksSyntax)
        );
    }
}

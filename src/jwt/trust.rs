//! A trust: an external issuer one tenant accepts JWTs from, with what it pins — audience,
//! algorithm, key material and an optional claim requirement. [`NewTrust`] is the only way to
//! register one, so every stored trust was checked first.
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::{KeyKind, KeyMaterial, TrustError, access, default_algorithm};

/// An issuer the operator trusts for one tenant.
#[derive(Debug, Clone)]
pub struct Trust {
    pub id: String,
    pub issuer: String,
    pub audience: String,
    pub algorithm: Algorithm,
    pub key: KeyMaterial,
    pub requirement: Option<ClaimRequirement>,
}

/// `NAME=VALUE`: a claim a token must carry for the trust to accept it. This is how one
/// issuer and audience serve several tenants (Entra's `tid`, a custom `scimd_tenant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequirement {
    pub name: String,
    pub value: String,
}

impl ClaimRequirement {
    pub fn parse(text: &str) -> Result<Self, TrustError> {
        let (name, value) = text.split_once('=').ok_or(TrustError::Requirement)?;
        let name = name.trim();
        if name.is_empty() || value.is_empty() {
            return Err(TrustError::Requirement);
        }
        Ok(Self {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }

    /// A string claim equals the value; a number or boolean by its JSON text; an array when
    /// one element does.
    pub(super) fn holds(&self, claims: &Map<String, Value>) -> bool {
        let matches = |v: &Value| match v {
            Value::String(s) => *s == self.value,
            Value::Number(_) | Value::Bool(_) => {
                serde_json::from_str::<Value>(&self.value).is_ok_and(|want| want == *v)
            }
            _ => false,
        };
        match claims.get(&self.name) {
            Some(Value::Array(items)) => items.iter().any(matches),
            Some(v) => matches(v),
            None => false,
        }
    }
}

impl std::fmt::Display for ClaimRequirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// A trust to register, checked: a usable key for the algorithm, a non-empty issuer and
/// audience, and not scimd's own issuer.
#[derive(Debug, Clone)]
pub struct NewTrust {
    issuer: String,
    audience: String,
    algorithm: Algorithm,
    kind: KeyKind,
    material: String,
    requirement: Option<ClaimRequirement>,
    jwks_url: Option<String>,
}

impl NewTrust {
    /// `material` is the PEM or JWKS text, or for [`KeyKind::Secret`] the secret as
    /// [`super::secret_text`] writes it. Without an `algorithm` the key's usual one is pinned
    /// (HS256 for a secret, ES256/ES384 for an EC key, RS256 otherwise).
    pub fn new(
        issuer: &str,
        audience: &str,
        algorithm: Option<Algorithm>,
        kind: KeyKind,
        material: String,
        requirement: Option<ClaimRequirement>,
    ) -> Result<Self, TrustError> {
        if issuer.trim().is_empty() || issuer != issuer.trim() {
            return Err(TrustError::Issuer);
        }
        if issuer == access::ISSUER {
            return Err(TrustError::ReservedIssuer);
        }
        if audience.trim().is_empty() {
            return Err(TrustError::Audience);
        }
        let algorithm = algorithm.unwrap_or_else(|| default_algorithm(kind, &material));
        KeyMaterial::parse(kind, &material, algorithm)?;
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            algorithm,
            kind,
            material,
            requirement,
            jwks_url: None,
        })
    }

    /// The JWKS in `material` was fetched from `url`, where scimd fetches it again to follow
    /// the issuer's key rotation. Only a JWKS has a URL; for other kinds this is an error.
    pub fn fetched_from(mut self, url: &str) -> Result<Self, TrustError> {
        if self.kind != KeyKind::Jwks {
            return Err(TrustError::WrongKind {
                algorithm: super::algorithm_name(self.algorithm),
                needs: "key material given once; only a JWKS is fetched from a URL",
            });
        }
        self.jwks_url = Some(url.to_owned());
        Ok(self)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn material(&self) -> &str {
        &self.material
    }

    pub fn requirement(&self) -> Option<&ClaimRequirement> {
        self.requirement.as_ref()
    }

    /// Where the JWKS is fetched from, for a trust that follows the issuer's rotation.
    pub fn jwks_url(&self) -> Option<&str> {
        self.jwks_url.as_deref()
    }
}

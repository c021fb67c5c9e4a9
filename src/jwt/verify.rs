//! Verifying an external JWT against the trusts of its issuer (RFC 7519 §7.2, RFC 8725 §3):
//! the pinned algorithm, the signature, `exp` (required) and `nbf` with a leeway, `iss` and
//! `aud` exactly, and the trust's claim requirement. Exactly one trust must accept a token.
use jsonwebtoken::Validation;
use jsonwebtoken::errors::ErrorKind;
use serde_json::{Map, Value};

use super::{LEEWAY_SECONDS, Trust, Unverified, algorithm_name};

/// A token one trust accepted.
#[derive(Debug)]
pub struct Verified<'t> {
    pub trust: &'t Trust,
    pub subject: Option<String>,
}

/// Why a bearer JWT was refused: each detail tells an operator what to fix and never
/// repeats the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the bearer token looks like a JWT but cannot be decoded")]
    Malformed,
    #[error("unsigned JWTs (alg none) are not accepted")]
    Unsigned,
    #[error("the JWT has no iss claim; scimd finds the trust by issuer")]
    NoIssuer,
    #[error("no trust is registered for the JWT issuer {0:?}; register one with `scimd jwt add`")]
    UnknownIssuer(String),
    #[error("the JWT audience does not match any trust of this issuer")]
    Audience,
    #[error(
        "the JWT is signed with {got}, but the trusts of this issuer and audience accept only {pinned}"
    )]
    Algorithm { got: String, pinned: String },
    #[error(
        "the JWT has no kid header, but its trust pins a JWKS; the kid must name one of its keys"
    )]
    NoKid,
    #[error(
        "the JWT key id (kid) {0:?} is not in the trust's JWKS; if the issuer rotated its keys, re-add the trust with its current JWKS, or with --jwks-url so that scimd fetches them itself"
    )]
    UnknownKid(String),
    /// A trust fetched from a JWKS URL: fetched again for this token, the key is still not in it.
    #[error(
        "the JWT key id (kid) {0:?} is not in the trust's JWKS, not even as fetched again from its URL just now"
    )]
    UnknownKidRefetched(String),
    /// A trust fetched from a JWKS URL, fetched again within the last minute or being fetched.
    #[error(
        "the JWT key id (kid) {0:?} is not in the trust's JWKS; scimd fetches it again from its URL at most once a minute, so retry shortly"
    )]
    UnknownKidRetry(String),
    #[error("the JWT signature does not verify with the trusted key")]
    Signature,
    #[error("the JWT has expired")]
    Expired,
    #[error("the JWT is not valid yet (its nbf is in the future)")]
    NotYetValid,
    #[error("the JWT has no {0} claim; scimd requires one")]
    MissingClaim(String),
    #[error("the JWT claim {0} is malformed")]
    BadClaim(String),
    #[error(
        "the JWT does not carry the {0} claim value any trust of this issuer and audience requires"
    )]
    Requirement(String),
    #[error(
        "the JWT matches more than one trust (several tenants trust this issuer and audience); an operator must tell them apart with `scimd jwt add --require-claim`"
    )]
    Ambiguous,
    #[error("the access token was signed with a key this server does not have")]
    UnknownSigningKey,
    #[error("the access token has expired; request a new one at /oauth/token")]
    AccessExpired,
    #[error("the OAuth client of this access token has been revoked")]
    ClientRevoked,
    #[error("the JWT could not be verified")]
    Unverifiable,
}

impl Rejection {
    /// Failures after the signature verified say more about the token than the ones before.
    fn verified_signature(&self) -> bool {
        matches!(
            self,
            Self::Expired
                | Self::NotYetValid
                | Self::MissingClaim(_)
                | Self::BadClaim(_)
                | Self::Requirement(_)
        )
    }
}

/// The one trust among `trusts` (those of the token's issuer) that accepts `token`.
///
/// Trusts are narrowed by the unverified `aud` and `alg` first, only to give a precise
/// detail; every remaining one then verifies the token fully. Two that both accept it are an
/// ambiguity and a rejection, never a first match.
pub fn select<'t>(
    token: &str,
    unverified: &Unverified,
    trusts: &'t [Trust],
) -> Result<Verified<'t>, Rejection> {
    let issuer = unverified.issuer.as_deref().ok_or(Rejection::NoIssuer)?;
    let of_issuer: Vec<&Trust> = trusts.iter().filter(|t| t.issuer == issuer).collect();
    if of_issuer.is_empty() {
        return Err(Rejection::UnknownIssuer(shorten(issuer)));
    }
    if unverified.audiences.is_empty() {
        return Err(Rejection::MissingClaim("aud".into()));
    }
    let for_audience: Vec<&Trust> = of_issuer
        .into_iter()
        .filter(|t| unverified.audiences.contains(&t.audience))
        .collect();
    if for_audience.is_empty() {
        return Err(Rejection::Audience);
    }
    let mut pinned: Vec<&str> = for_audience
        .iter()
        .map(|t| algorithm_name(t.algorithm))
        .collect();
    pinned.sort_unstable();
    pinned.dedup();
    let candidates: Vec<&Trust> = for_audience
        .into_iter()
        .filter(|t| algorithm_name(t.algorithm) == unverified.alg)
        .collect();
    if candidates.is_empty() {
        return Err(Rejection::Algorithm {
            got: shorten(&unverified.alg),
            pinned: pinned.join(" or "),
        });
    }
    let mut accepted = Vec::new();
    let mut best: Option<Rejection> = None;
    for trust in candidates {
        match verify(token, unverified, trust) {
            Ok(verified) => accepted.push(verified),
            Err(err) => {
                if best
                    .as_ref()
                    .is_none_or(|b| err.verified_signature() && !b.verified_signature())
                {
                    best = Some(err);
                }
            }
        }
    }
    match accepted.len() {
        1 => Ok(accepted.remove(0)),
        0 => Err(best.unwrap_or(Rejection::Unverifiable)),
        _ => Err(Rejection::Ambiguous),
    }
}

fn verify<'t>(
    token: &str,
    unverified: &Unverified,
    trust: &'t Trust,
) -> Result<Verified<'t>, Rejection> {
    let key = trust.key.key_for(unverified.kid.as_deref())?;
    let mut validation = Validation::new(trust.algorithm);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.set_issuer(&[&trust.issuer]);
    validation.set_audience(&[&trust.audience]);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
        .map_err(|e| rejection(e.kind()))?;
    if let Some(requirement) = &trust.requirement
        && !requirement.holds(&data.claims)
    {
        return Err(Rejection::Requirement(requirement.name.clone()));
    }
    Ok(Verified {
        trust,
        subject: data
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

pub(super) fn rejection(kind: &ErrorKind) -> Rejection {
    match kind {
        ErrorKind::InvalidSignature => Rejection::Signature,
        ErrorKind::ExpiredSignature => Rejection::Expired,
        ErrorKind::ImmatureSignature => Rejection::NotYetValid,
        ErrorKind::MissingRequiredClaim(claim) => Rejection::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(claim) => Rejection::BadClaim(claim.clone()),
        ErrorKind::InvalidAudience => Rejection::Audience,
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => Rejection::Malformed,
        _ => Rejection::Unverifiable,
    }
}

/// Token-supplied text in a detail, cut short: it comes from whoever sent the request.
pub(super) fn shorten(text: &str) -> String {
    text.chars().take(120).collect()
}

//! JSON Web Tokens (RFC 7519) as bearer credentials: the trusts an operator registers for an
//! external issuer ([`Trust`], [`select`]) and the access tokens scimd issues itself at
//! `/oauth/token` ([`access`]). Pure: no actix, no sea-orm; the store looks trusts up and
//! `store::credentials` dispatches a bearer to the right check.
//!
//! A token is never trusted on what it says about itself: its header and payload are read
//! unverified only to find candidate trusts by `iss` (and the key by `kid`), and every check
//! that decides — algorithm, signature, `exp`/`nbf`, `iss`, `aud`, a required claim — runs
//! against what the operator pinned.

pub mod access;
mod keys;
mod peek;
#[cfg(test)]
mod tests;
mod trust;
mod verify;

pub use keys::{
    KeyKind, KeyMaterial, TrustError, algorithm_name, default_algorithm, parse_algorithm,
    secret_text,
};
pub use peek::{Unverified, peek};
pub use trust::{ClaimRequirement, NewTrust, Trust};
pub use verify::{Rejection, Verified, select};

/// Seconds of clock skew tolerated on `exp` and `nbf` of external tokens.
pub const LEEWAY_SECONDS: u64 = 60;

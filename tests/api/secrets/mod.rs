//! Secrets never leave scimd (issue 5, item 8): bearer tokens, the bootstrap and admin tokens,
//! OAuth client secrets and access tokens, HS256 trust secrets and JWTs, database passwords and
//! user passwords stay out of its logs; passwords stay out of every response, and credential
//! secrets out of every listing.

/// The admin token, OAuth client secrets and access tokens, HS256 secrets and JWTs: in no log
/// and no listing.
mod credentials;
/// The real binary at trace level, its output captured and searched.
mod logs;
/// `password`: accepted, stored as an Argon2id hash only, never returned.
mod passwords;
/// Running the `scimd` binary with captured output (also used by `request_log`).
pub(crate) mod process;

//! Secrets never leave scimd (issue 5, item 8): bearer tokens, the bootstrap token, database
//! passwords and user passwords stay out of its logs, and passwords out of every response.

/// The admin token, OAuth client secrets and access tokens, HS256 secrets and JWTs: in no log
/// and no listing.
mod credentials;
/// The real binary at trace level, its output captured and searched.
mod logs;
/// `password`: accepted, stored as an Argon2id hash only, never returned.
mod passwords;
/// Running the `scimd` binary with captured output.
mod process;

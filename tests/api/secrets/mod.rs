//! Secrets never leave scimd (issue 5, item 8): bearer tokens, the bootstrap token, database
//! passwords and user passwords stay out of its logs, and passwords out of every response.

/// The real binary at trace level, its output captured and searched.
mod logs;
/// `password`: accepted, stored as an Argon2id hash only, never returned.
mod passwords;
/// Running the `scimd` binary with captured output.
mod process;

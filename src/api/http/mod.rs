//! HTTP plumbing every endpoint shares: SCIM error bodies for every failure (`error`),
//! response shaping and the base URL (`respond`), bearer authentication (`auth`), conditional
//! requests (`preconditions`), per-credential rate limits (`rate_limit`), the request span
//! (`trace`) with credentials redacted from it (`redact`), and canonical endpoint names
//! (`endpoint_names`). Endpoint modules hold handlers only.

pub mod auth;
pub mod endpoint_names;
pub mod error;
pub mod preconditions;
pub mod rate_limit;
pub mod redact;
pub mod respond;
pub mod trace;

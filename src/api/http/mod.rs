//! HTTP plumbing every endpoint shares: SCIM error bodies for every failure (`error`),
//! response shaping and the base URL (`respond`), which host, scheme and client a request
//! came from, believing forwarding headers from trusted proxies only (`forwarded`), bearer
//! authentication (`auth`), conditional
//! requests (`preconditions`), per-credential rate limits (`rate_limit`), the request span,
//! its log line and metrics (`trace`) with credentials redacted from it (`redact`), the
//! `X-Request-Id` (`request_id`), canonical endpoint names (`endpoint_names`), and the
//! request's provisioning activity record (`activity`). Endpoint modules hold handlers only.

pub mod activity;
pub mod auth;
pub mod endpoint_names;
pub mod error;
pub mod forwarded;
pub mod preconditions;
pub mod rate_limit;
pub mod redact;
pub mod request_id;
pub mod respond;
pub mod trace;

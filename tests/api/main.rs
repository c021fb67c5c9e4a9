//! The integration suite: each test starts the real application on port 0 with a fresh
//! database (SQLite, or PostgreSQL when SCIMD_TEST_DATABASE_URL is set) and speaks HTTP.

// clippy.toml allows these inside #[test] functions only; the helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

/// The provisioning activity log: sessions, failures, filters, paging, retention, secrets.
mod activity;
/// The admin API: its own token; tenants and tokens over HTTP.
mod admin;
/// Bearer tokens, bootstrap, health endpoints.
mod auth;
/// `scimd backup` while scimd serves and writes, and the restore README describes.
mod backup;
/// /Bulk: bulkId references, per-operation results, limits.
mod bulk;
/// The scimd binary's subcommands: tenants, tokens, migrate.
mod cli;
/// What every subcommand shares (no database created, newer schemas refused, --json) and
/// tenant delete, healthcheck, completions, --version.
mod cli_conventions;
/// `scimd jwt` and `scimd client` through the binary.
mod credentials_cli;
/// Custom extension attributes in requests: validation, PATCH, filters, sorting, projection.
mod custom_attributes;
/// Custom schema extensions per tenant: `scimd schema`, discovery, isolation, removal.
mod custom_schemas;
/// /ServiceProviderConfig, /ResourceTypes, /Schemas.
mod discovery;
/// SCIM error bodies for every failure, including actix's own.
mod errors;
/// The change-event outbox at the write seam: one event per committed change, seq order.
mod events;
/// The change feed: GET /admin/v1/events after SCIM writes, long-polling, 410, `scimd events`.
mod events_feed;
/// Random sequences of writes: the events each adds are what its answer describes.
mod events_property;
/// The filter SQL and the in-memory evaluator agree on generated filters.
mod filter_agreement;
/// Filters, sorting, projection, /.search and cursors.
mod filters;
/// Forwarding headers believed from SCIMD_TRUSTED_PROXIES only; SCIMD_PUBLIC_URL over them.
mod forwarded;
/// Groups: members, nesting, derived User.groups, cascading deletes.
mod groups;
/// POST/PUT bodies as Entra, Okta and OneLogin send them; strict mode.
mod idp_quirks;
/// `scimd import`: CSV, JSON Lines and ListResponse files, matching, re-runs, dry runs.
mod import;
/// Filters, sort keys, paths and ids carrying SQL metacharacters.
mod injection;
/// Microsoft's validator shapes, lower-case endpoints, 204 Group PATCH answers, wrong shapes.
mod interop;
/// Tenant isolation on every endpoint: reads, lists, filters, writes, /Bulk, memberships.
mod isolation;
/// JWKS fetched from a URL: refresh on an unknown kid and on the interval, failures, instances.
mod jwks_refresh;
/// JWT bearers of trusted external issuers: algorithms, negatives, tenant selection.
mod jwt;
/// Token expiry, revocation across instances, rotation, last-used time.
mod lifecycle;
/// /Me answers 501: tokens have no user subject.
mod me;
/// /metrics: counters, histograms and gauges after real traffic; the operations listener.
mod metrics;
/// Migrations up, down and up again.
mod migrations;
/// POST /oauth/token and the access tokens it issues.
mod oauth;
/// The OpenAPI document: committed, served, rendered, and in step with the routes.
mod openapi;
/// startIndex/count paging and ListResponse.
mod paging;
/// PATCH in the shapes IdPs send; ETags.
mod patch;
/// 429 with Retry-After per token; invalid tokens spend nothing.
mod rate_limit;
/// The provisioning report: GET /admin/v1/report and `scimd report` over activity records.
mod report;
/// The request log line (the real binary) and X-Request-Id.
mod request_log;
/// Secrets and passwords never in logs or responses; passwords stored hashed.
mod secrets;
/// One tenant never sees another's data.
mod tenancy;
/// Users: create, read, replace, delete, uniqueness, concurrency.
mod users;
/// Webhooks to a receiver on 127.0.0.1: signatures, order, retries, 410, SSRF, rotation,
/// replay, two instances, a stop mid-delivery.
mod webhooks;

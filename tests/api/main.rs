//! The integration suite: each test starts the real application on port 0 with a fresh
//! database (SQLite, or PostgreSQL when SCIMD_TEST_DATABASE_URL is set) and speaks HTTP.

// clippy.toml allows these inside #[test] functions only; the helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

/// Bearer tokens, bootstrap, health endpoints.
mod auth;
/// /Bulk: bulkId references, per-operation results, limits.
mod bulk;
/// The scimd binary's subcommands: tenants, tokens, migrate.
mod cli;
/// `scimd jwt` and `scimd client` through the binary.
mod credentials_cli;
/// /ServiceProviderConfig, /ResourceTypes, /Schemas.
mod discovery;
/// SCIM error bodies for every failure, including actix's own.
mod errors;
/// The filter SQL and the in-memory evaluator agree on generated filters.
mod filter_agreement;
/// Filters, sorting, projection, /.search and cursors.
mod filters;
/// Groups: members, nesting, derived User.groups, cascading deletes.
mod groups;
/// POST/PUT bodies as Entra, Okta and OneLogin send them; strict mode.
mod idp_quirks;
/// JWT bearers of trusted external issuers: algorithms, negatives, tenant selection.
mod jwt;
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
/// One tenant never sees another's data.
mod tenancy;
/// Users: create, read, replace, delete, uniqueness, concurrency.
mod users;

//! scimd: a SCIM 2.0 service provider (RFC 7643, RFC 7644) that identity providers push users
//! and groups to.
//!
//! A request flows down three layers, and dependencies point only downwards:
//!
//! - [`api`]: actix-web, its only user. `api/routes.rs` is the route table as data;
//!   `api/http/` the plumbing every endpoint shares (SCIM error bodies, responses and the base
//!   URL, the request's host, scheme and client with forwarding headers believed from trusted
//!   proxies only, bearer authentication, preconditions, rate limits, the request span with its
//!   log line and metrics, `X-Request-Id`, canonical endpoint names, and `activity.rs`, the
//!   middleware that opens each SCIM and admin request's activity record); `api/scim/` the SCIM
//!   endpoints, one handler set for every resource type (the type is route data), with
//!   `/Bulk`, `/Me` and discovery; `api/admin/` the operator's API (`events.rs`: the change
//!   feed, long-polled; `activity.rs`: the activity log; `report.rs`: the provisioning
//!   report); `api/openapi/` the OpenAPI document; `api/metrics.rs` `/metrics`;
//!   `api/state.rs` what handlers share.
//! - [`scim`]: pure protocol logic, importing neither actix-web nor sea-orm: the schema
//!   registry (`schema/`), validation with IdP leniency (`validate/`), filters (`filter/`:
//!   ast, grammar, resolution, evaluation), PATCH (`patch/`), list and search requests
//!   (`list/`: params, cursor, plan, root search, response), `/Bulk` planning, projection,
//!   the resource representation, resource ids, discovery documents, the rows of an import
//!   (`import/`: CSV headers as attribute paths, JSON records), change events (`event/`:
//!   types, the envelope, changed paths) and errors.
//! - [`store`]: sea-orm over SQLite or PostgreSQL, its only user. Tenant-scoped handles; the
//!   write seam, imports, lookups by name and externalId, and lists (`resources/`); filters as
//!   SQL conditions (`condition/`); the membership table (`members/`); the three kinds of
//!   credential (`credentials/`); the change-event outbox (`events/`: appended in the
//!   transaction of each write, in one call with the activity record
//!   (`one_call.rs`), read back by the feed, waited for with an in-process wake-up
//!   and polling, pruned); webhook endpoints, their per-(endpoint, tenant) cursors with
//!   leases and the attempts log (`webhooks/`); the activity log (`activity/`: a request's
//!   draft record, written by the write seam in the change's transaction or later in batches,
//!   queried newest first by cursor, pruned); the provisioning report over the activity log,
//!   summed per UTC day in SQL (`report.rs`); tenants, schema extensions, the index table
//!   and planner statistics; opening a database (created only by `serve` and `migrate`,
//!   refused when a newer scimd migrated it) and `backup` (VACUUM INTO).
//!
//! [`jwt`] checks JWT bearers against the issuers a tenant trusts and makes scimd's own OAuth
//! access tokens; like `scim` it is pure, and `store::credentials` dispatches each bearer.
//!
//! [`worker`] holds the background tasks that run beside the server and stop with it:
//! `delivery` sends the outbox's events to webhook endpoints (Standard Webhooks signer, a
//! sender that refuses private destinations when connecting, the retry schedule, what an answer
//! means); `jwks` fetches again the JWKS of trusts added with a URL (and, for the auth extractor, at once on an
//! unknown `kid`); `prune` removes change events past `SCIMD_EVENT_RETENTION` and activity
//! records past `SCIMD_ACTIVITY_RETENTION`; `activity_log` writes the activity records that need
//! not commit with a change, in batches.
//!
//! [`startup`] wires them into a server, [`cli`] holds the command line and configuration
//! (every argument with help text), [`commands`] what each subcommand does (list commands
//! print a table or, with `--json`, the admin API's objects; `events` prints the feed,
//! `activity` the activity log, `report` the provisioning report),
//! [`secrets`] makes and checks tokens and password hashes, [`telemetry`] sets up logging and
//! holds the Prometheus recorder (`/metrics` is `api/metrics.rs`).
//!
//! Reading order for a newcomer: this map → `api/routes.rs` and `api/scim/mod.rs` (the route
//! table) → one handler (`api/scim/resources.rs`) → the `scim` module it calls → the `store`
//! method it calls.

pub mod api;
pub mod cli;
pub mod commands;
pub mod jwt;
pub mod scim;
pub mod secrets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod worker;

//! scimd: a SCIM 2.0 service provider (RFC 7643, RFC 7644) that identity providers push users
//! and groups to.
//!
//! A request flows down three layers, and dependencies point only downwards:
//!
//! - [`api`]: actix-web handlers. Authenticates the bearer token to a tenant, parses the
//!   request, calls `scim` and `store`, shapes the response. The only user of actix-web.
//! - [`scim`]: pure protocol logic — schema registry, validation with IdP leniency, resource
//!   representation, paging, discovery. Imports neither actix-web nor sea-orm.
//! - [`store`]: sea-orm over SQLite or PostgreSQL. Tenant-scoped handles, one transaction per
//!   operation, uniqueness as constraints, membership as a table. The only user of sea-orm.
//!
//! [`jwt`] checks JWT bearers against the issuers a tenant trusts and makes scimd's own OAuth
//! access tokens; like `scim` it is pure, and `store::credentials` dispatches each bearer.
//!
//! [`startup`] wires them into a server, [`cli`] holds the command line and configuration,
//! [`secrets`] makes and checks tokens and password hashes, [`telemetry`] sets up logging.

pub mod api;
pub mod cli;
pub mod commands;
pub mod jwt;
pub mod scim;
pub mod secrets;
pub mod startup;
pub mod store;
pub mod telemetry;

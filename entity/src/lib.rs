//! sea-orm entities for scimd's tables: one module per table, no business logic.
//! The schema itself is created by the `migration` crate, never from these types.

pub mod activity;
pub mod event;
pub mod event_counter;
pub mod group_member;
pub mod jwt_trust;
pub mod oauth_client;
pub mod prelude;
pub mod resource;
pub mod resource_value;
pub mod signing_key;
pub mod tenant;
pub mod tenant_schema;
pub mod token;
pub mod webhook_attempt;
pub mod webhook_cursor;
pub mod webhook_endpoint;

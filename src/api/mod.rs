//! HTTP with actix-web, the only module that imports it: the route table (here), shared
//! state (`state`), plumbing every endpoint uses (`http`), the SCIM endpoints (`scim`), the
//! admin API (`admin`), OAuth's token endpoint (`oauth`), health checks (`health`), Prometheus
//! metrics (`metrics`) and the OpenAPI document with its page (`openapi`).

mod admin;
mod health;
pub mod http;
mod metrics;
mod oauth;
mod registries;
mod routes;
pub mod scim;
mod state;

// The OpenAPI document, `/openapi.json` and `/docs`.
pub mod openapi;

use actix_web::http::Method;
use actix_web::{mime, web};

pub(crate) use admin::{
    AttemptView, ClientView, ReportView, SchemaView, TenantView, TokenView, TrustView, WebhookView,
    report_span,
};
pub use http::activity::record as record_activity;
pub use http::auth::Tenant;
pub use http::endpoint_names::canonicalize as canonicalize_endpoint_names;
pub use http::forwarded::TrustedProxies;
pub use http::rate_limit;
pub use http::request_id::RequestId;
pub use http::respond::{SCIM_PREFIX, scim_base};
pub use http::trace::{ScimdRootSpan, observe};
pub use openapi::mark_docs_with_slash;
pub use registries::Registries;
use routes::{Endpoint, Routes};
pub use routes::{RouteTable, route_table};
pub use state::{ApiSettings, AppState, GroupPatchResponse};

use http::error;

/// The whole route table.
pub fn configure(cfg: &mut web::ServiceConfig, settings: &ApiSettings) {
    register(cfg, settings, &mut RouteTable::default());
}

fn register(cfg: &mut web::ServiceConfig, settings: &ApiSettings, table: &mut RouteTable) {
    let json = web::JsonConfig::default()
        .limit(settings.max_payload)
        // actix accepts application/json and any +json type (application/scim+json) itself.
        .content_type(|mime| mime.type_() == mime::APPLICATION && mime.suffix() == Some(mime::JSON))
        .error_handler(error::json_error);
    cfg.app_data(json)
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error));
    let mut routes = Routes::new(cfg, table);
    routes
        .add(Endpoint::new("/healthz").on(Method::GET, health::healthz))
        .add(Endpoint::new("/readyz").on(Method::GET, health::readyz))
        .add(Endpoint::new("/metrics").on(Method::GET, metrics::metrics))
        .add(Endpoint::new("/oauth/token").on(Method::POST, oauth::token));
    openapi::configure(&mut routes);
    admin::configure(&mut routes);
    scim::configure(&mut routes);
    routes.config().default_service(web::to(error::not_found));
}

/// The operations listener (`SCIMD_METRICS_LISTEN`): `/metrics`, `/healthz` and `/readyz`
/// only, the same handlers as on the main listener.
pub fn configure_operations(cfg: &mut web::ServiceConfig) {
    let mut table = RouteTable::default();
    Routes::new(cfg, &mut table)
        .add(Endpoint::new("/healthz").on(Method::GET, health::healthz))
        .add(Endpoint::new("/readyz").on(Method::GET, health::readyz))
        .add(Endpoint::new("/metrics").on(Method::GET, metrics::metrics));
    cfg.default_service(web::to(error::not_found));
}

//! HTTP with actix-web, the only module that imports it: the route table (here), shared
//! state (`state`), plumbing every endpoint uses (`http`), the SCIM endpoints (`scim`), the
//! admin API (`admin`), OAuth's token endpoint (`oauth`), health checks (`health`) and the
//! OpenAPI document with its page (`openapi`).

mod admin;
mod health;
pub mod http;
mod oauth;
mod registries;
pub mod scim;
mod state;

// The OpenAPI document, `/openapi.json` and `/docs`.
pub mod openapi;

use actix_web::{Route, mime, web};

pub use http::auth::Tenant;
pub use http::endpoint_names::canonicalize as canonicalize_endpoint_names;
pub use http::rate_limit;
pub use http::respond::{SCIM_PREFIX, scim_base};
pub use http::trace::ScimdRootSpan;
pub use registries::Registries;
pub use state::{ApiSettings, AppState, GroupPatchResponse};

use http::error;

/// The whole route table.
pub fn configure(cfg: &mut web::ServiceConfig, settings: &ApiSettings) {
    let json = web::JsonConfig::default()
        .limit(settings.max_payload)
        // actix accepts application/json and any +json type (application/scim+json) itself.
        .content_type(|mime| mime.type_() == mime::APPLICATION && mime.suffix() == Some(mime::JSON))
        .error_handler(error::json_error);
    cfg.app_data(json)
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(resource("/oauth/token").route(web::post().to(oauth::token)))
        .configure(openapi::configure)
        .configure(admin::configure)
        .configure(scim::configure)
        .default_service(web::to(error::not_found));
}

/// A resource whose unsupported methods answer 405 with a SCIM body.
pub(crate) fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(error::method_not_allowed))
}

pub(crate) fn get<F, Args>(handler: F) -> Route
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::get().to(handler)
}

//! HTTP with actix-web: the route table, shared state, and the handlers. The only module that
//! imports actix-web.

mod admin;
mod auth;
mod bulk;
mod discovery;
mod endpoint_names;
mod error;
mod groups;
mod health;
mod me;
mod oauth;
mod preconditions;
pub mod rate_limit;
mod redact;
mod registries;
mod resources;
mod respond;
mod trace;
mod users;
mod writes;

// The OpenAPI document, `/openapi.json` and `/docs`.
pub mod openapi;

use std::time::Duration;

use actix_web::{Route, mime, web};

pub use auth::Tenant;
pub use endpoint_names::canonicalize as canonicalize_endpoint_names;
pub use registries::Registries;
pub use respond::{SCIM_PREFIX, scim_base};
pub use trace::ScimdRootSpan;

use crate::scim::discovery::{BulkLimits, Capabilities};
use crate::scim::validate::Leniency;
use crate::store::Store;

/// The answer to a Group PATCH that names no `attributes`/`excludedAttributes`
/// (`SCIMD_GROUP_PATCH_RESPONSE`). RFC 7644 §3.5.2 allows either; Entra never reads the body
/// and Microsoft asks for 204, while the body of a big group costs its every member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GroupPatchResponse {
    /// 204 No Content with the new `ETag`.
    #[default]
    NoContent,
    /// 200 with the group, members included.
    Resource,
}

/// Request-independent settings handlers read.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub leniency: Leniency,
    /// The SCIM base URL clients see, when configured (`SCIMD_PUBLIC_URL`).
    pub public_url: Option<String>,
    pub max_results: u64,
    pub max_payload: usize,
    /// SHA-256 of `SCIMD_ADMIN_TOKEN`; `None` disables the admin API.
    pub admin_token_hash: Option<String>,
    /// Requests per credential; `None` turns limiting off.
    pub rate_limit: Option<rate_limit::RateLimit>,
    /// Lifetime of the access tokens `POST /oauth/token` issues.
    pub oauth_token_ttl: Duration,
    pub group_patch_response: GroupPatchResponse,
}

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub settings: ApiSettings,
    /// Shared by all workers of the process, so the limit is per process, not per worker.
    pub limiter: rate_limit::Limiter,
    /// Per-tenant schema registries (core + the tenant's extensions), cached.
    pub registries: Registries,
}

impl AppState {
    pub fn new(store: Store, settings: ApiSettings) -> Self {
        Self {
            limiter: rate_limit::Limiter::new(settings.rate_limit),
            registries: Registries::default(),
            store,
            settings,
        }
    }

    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            patch: true,
            bulk: Some(BulkLimits {
                max_operations: bulk::MAX_OPERATIONS as u64,
                max_payload_size: self.settings.max_payload as u64,
            }),
            filter: true,
            max_results: self.settings.max_results,
            sort: true,
            cursor: true,
            etag: true,
            change_password: true,
        }
    }
}

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
        .service(
            web::scope(SCIM_PREFIX)
                .service(
                    resource("/Users")
                        .route(web::get().to(users::list_users))
                        .route(web::post().to(users::create_user)),
                )
                .service(resource("/Users/.search").route(web::post().to(users::search_users)))
                .service(
                    resource("/Users/{id}")
                        .route(web::get().to(users::get_user))
                        .route(web::put().to(users::replace_user))
                        .route(web::patch().to(users::patch_user))
                        .route(web::delete().to(users::delete_user)),
                )
                .service(
                    resource("/Groups")
                        .route(web::get().to(groups::list_groups))
                        .route(web::post().to(groups::create_group)),
                )
                .service(resource("/Groups/.search").route(web::post().to(groups::search_groups)))
                .service(
                    resource("/Groups/{id}")
                        .route(web::get().to(groups::get_group))
                        .route(web::put().to(groups::replace_group))
                        .route(web::patch().to(groups::patch_group))
                        .route(web::delete().to(groups::delete_group)),
                )
                .service(resource("/.search").route(web::post().to(resources::search_root)))
                .service(resource("/Bulk").route(web::post().to(bulk::post_bulk)))
                .service(
                    resource("/Me")
                        .route(web::get().to(me::me))
                        .route(web::post().to(me::me))
                        .route(web::put().to(me::me))
                        .route(web::patch().to(me::me))
                        .route(web::delete().to(me::me)),
                )
                .service(
                    resource("/ServiceProviderConfig")
                        .route(get(discovery::service_provider_config)),
                )
                .service(resource("/ResourceTypes").route(get(discovery::resource_types)))
                .service(resource("/ResourceTypes/{name}").route(get(discovery::resource_type)))
                .service(resource("/Schemas").route(get(discovery::schemas)))
                .service(resource("/Schemas/{id}").route(get(discovery::schema))),
        )
        .default_service(web::to(error::not_found));
}

/// A resource whose unsupported methods answer 405 with a SCIM body.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(error::method_not_allowed))
}

fn get<F, Args>(handler: F) -> Route
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::get().to(handler)
}

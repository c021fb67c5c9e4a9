//! The SCIM endpoints under `/scim/v2` (RFC 7644): one handler set for every resource type
//! (`resources`, `lists`, entered through `endpoint`), `/Bulk`, `/Me` and discovery. The
//! writes behind POST, PUT, PATCH and DELETE live in `writes`, shared with `/Bulk`.

pub mod bulk;
mod discovery;
mod endpoint;
mod lists;
pub mod me;
mod resources;
pub mod writes;

use actix_web::web;

use super::{SCIM_PREFIX, get, resource};
use crate::scim::schema::ResourceKind;

/// The resource types with endpoints of their own, in the order routes are registered.
pub const RESOURCE_KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

/// `/scim/v2` and everything under it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope(SCIM_PREFIX);
    for kind in RESOURCE_KINDS {
        let collection = kind.endpoint();
        scope = scope
            .service(
                resource(collection)
                    .app_data(kind)
                    .route(web::get().to(lists::list))
                    .route(web::post().to(resources::create)),
            )
            .service(
                resource(&format!("{collection}/.search"))
                    .app_data(kind)
                    .route(web::post().to(lists::search)),
            )
            .service(
                resource(&format!("{collection}/{{id}}"))
                    .app_data(kind)
                    .route(web::get().to(resources::get))
                    .route(web::put().to(resources::replace))
                    .route(web::patch().to(resources::patch))
                    .route(web::delete().to(resources::delete)),
            );
    }
    cfg.service(
        scope
            .service(resource("/.search").route(web::post().to(lists::search_root)))
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
                resource("/ServiceProviderConfig").route(get(discovery::service_provider_config)),
            )
            .service(resource("/ResourceTypes").route(get(discovery::resource_types)))
            .service(resource("/ResourceTypes/{name}").route(get(discovery::resource_type)))
            .service(resource("/Schemas").route(get(discovery::schemas)))
            .service(resource("/Schemas/{id}").route(get(discovery::schema))),
    );
}

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

use actix_web::http::Method;

use crate::api::SCIM_PREFIX;
use crate::api::routes::{Endpoint, Routes};
use crate::scim::schema::ResourceKind;

/// The resource types with endpoints of their own, in the order routes are registered.
pub const RESOURCE_KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

/// `/scim/v2` and everything under it.
pub fn configure(routes: &mut Routes) {
    let at = |path: &str| Endpoint::new(format!("{SCIM_PREFIX}{path}"));
    for kind in RESOURCE_KINDS {
        let collection = kind.endpoint();
        routes
            .add(
                at(collection)
                    .data(kind)
                    .on(Method::GET, lists::list)
                    .on(Method::POST, resources::create),
            )
            .add(
                at(&format!("{collection}/.search"))
                    .data(kind)
                    .on(Method::POST, lists::search),
            )
            .add(
                at(&format!("{collection}/{{id}}"))
                    .data(kind)
                    .on(Method::GET, resources::get)
                    .on(Method::PUT, resources::replace)
                    .on(Method::PATCH, resources::patch)
                    .on(Method::DELETE, resources::delete),
            );
    }
    let mut me = at("/Me");
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ] {
        me = me.on(method, me::me);
    }
    routes
        .add(at("/.search").on(Method::POST, lists::search_root))
        .add(at("/Bulk").on(Method::POST, bulk::post_bulk))
        .add(me)
        .add(at("/ServiceProviderConfig").on(Method::GET, discovery::service_provider_config))
        .add(at("/ResourceTypes").on(Method::GET, discovery::resource_types))
        .add(at("/ResourceTypes/{name}").on(Method::GET, discovery::resource_type))
        .add(at("/Schemas").on(Method::GET, discovery::schemas))
        .add(at("/Schemas/{id}").on(Method::GET, discovery::schema));
}

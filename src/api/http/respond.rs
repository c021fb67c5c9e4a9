//! Responses: `application/scim+json` bodies with `ETag` and `Location` headers (RFC 7644 §3.1,
//! §3.14), and the SCIM base URL those headers are built from.
use std::future::{Ready, ready};

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};

use super::forwarded::Origin;
use crate::api::AppState;
use crate::scim::ScimError;
use crate::scim::projection::Projection;
use crate::scim::resource::Resource;
use crate::scim::schema::ResourceType;

pub const SCIM_JSON: &str = "application/scim+json";

/// The path under which SCIM endpoints are served.
pub const SCIM_PREFIX: &str = "/scim/v2";

/// A JSON body with the SCIM media type.
pub fn json(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// A resource with its `ETag` (and, on 201, its `Location`).
pub fn resource(
    status: StatusCode,
    resource: &Resource,
    rt: &ResourceType,
    base: &BaseUrl,
    projection: &Projection,
) -> HttpResponse {
    let body = projection.apply(rt, resource.to_json(rt, &base.0));
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .insert_header((header::ETAG, resource.etag()));
    if status == StatusCode::CREATED {
        response.insert_header((header::LOCATION, resource.location(&base.0)));
    }
    response.body(serde_json::to_vec(&body).unwrap_or_default())
}

/// The SCIM base URL clients see (`https://host/scim/v2`): `SCIMD_PUBLIC_URL` when set,
/// otherwise the scheme and host of the request, as a trusted proxy forwarded them or else as
/// the request itself has them ([`Origin`]).
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    pub fn of(req: &HttpRequest) -> Self {
        let configured = req
            .app_data::<web::Data<AppState>>()
            .and_then(|s| s.settings.public_url.clone());
        match configured {
            Some(url) => Self(url),
            None => {
                let origin = Origin::of(req);
                Self(format!("{}://{}{SCIM_PREFIX}", origin.scheme, origin.host))
            }
        }
    }
}

impl FromRequest for BaseUrl {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// `SCIMD_PUBLIC_URL` may name the server root or the SCIM base; both mean the same base.
pub fn scim_base(public_url: &str) -> String {
    let trimmed = public_url.trim_end_matches('/');
    if trimmed.ends_with(SCIM_PREFIX) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{SCIM_PREFIX}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_url_may_be_root_or_scim_base() {
        assert_eq!(
            super::scim_base("https://idp.example/"),
            "https://idp.example/scim/v2"
        );
        assert_eq!(
            super::scim_base("https://idp.example/app/scim/v2"),
            "https://idp.example/app/scim/v2"
        );
    }
}

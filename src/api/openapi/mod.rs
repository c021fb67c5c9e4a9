//! The OpenAPI 3.1 document of the HTTP surface (shared/CONTRACT.md), `GET /openapi.json` and
//! the Swagger UI page at `GET /docs`.
//!
//! [`to_json`] is the one producer of the document's text: the route serves it, `scimd openapi`
//! prints it and `openapi/openapi.json` is a committed copy that a test compares byte for byte.
//! The User, Group and EnterpriseUser schemas are generated from the schema registry
//! (`registry.rs`), so `/Schemas`, validation and this document cannot disagree.

pub(crate) mod admin;
mod components;
mod discovery;
mod examples;
mod me;
mod messages;
mod oauth;
mod operations;
mod registry;
mod types;
mod webhooks;

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::api::routes::{Endpoint, Routes};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Name of the bearer security scheme every SCIM operation requires.
pub const BEARER: &str = "bearer";

/// The base document: info and tags are derived; paths and components are added by
/// [`Scim`] from the registry and the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "scimd",
        description = "SCIM 2.0 service provider (RFC 7643, RFC 7644, RFC 9865 cursors).\n\n\
            Identity providers (Entra ID, Okta, OneLogin, …) create, update and delete users and \
            groups under `/scim/v2`. Every SCIM endpoint needs `Authorization: Bearer <token>`; \
            the token selects the tenant. Bodies are `application/scim+json` (`application/json` \
            is accepted too), and every error is a SCIM Error body with `status` as a string.\n\n\
            Input is read leniently, the way real IdPs send it: `op` in any case, \"True\" as a \
            boolean, `null`/`\"\"`/`[]` as unassigned, unknown attributes ignored, read-only \
            attributes in request bodies ignored. `SCIMD_STRICT=true` turns these into 400s."
    ),
    paths(openapi_json, docs_page, super::health::healthz, super::health::readyz, super::metrics::metrics),
    modifiers(&Scim),
    tags(
        (name = "Users", description = "RFC 7644 §3.3–§3.6 on the User resource type"),
        (name = "Groups", description = "RFC 7644 §3.3–§3.6 on the Group resource type"),
        (name = "Search", description = "RFC 7644 §3.4.3 searches at the service root"),
        (name = "Bulk", description = "RFC 7644 §3.7 many operations in one request"),
        (name = "Me", description = "RFC 7644 §3.11 the authenticated subject's own resource"),
        (name = "Discovery", description = "RFC 7644 §4 service provider configuration endpoints"),
        (name = "OAuth", description = "RFC 6749 §4.4 client credentials: access tokens for OAuth clients"),
        (name = "Health", description = "Liveness, readiness and Prometheus metrics, without authentication"),
        (name = "Documentation", description = "This document and its human-readable page"),
        (name = "Admin", description = "The admin API under `/admin/v1`: tenants, tokens, OAuth \
            clients, JWT trusts and schema extensions, as the `scimd` CLI manages them. Off until \
            `SCIMD_ADMIN_TOKEN` is set; takes only that token (`adminToken`). Answers carry \
            `Cache-Control: no-store`; a secret appears once, in the answer that made it"),
        (name = "Webhooks", description = "What scimd POSTs to an application's webhook endpoint \
            (`scimd webhook add`), one entry per event type under `webhooks`: Standard Webhooks \
            headers and signature, the event as the body"),
    )
)]
struct ApiDoc;

/// Adds the SCIM paths and component schemas built from the registry.
struct Scim;

impl utoipa::Modify for Scim {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            BEARER.to_owned(),
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An opaque token from `scimd token issue --tenant NAME` (or \
                         `SCIMD_BOOTSTRAP_TOKEN`), a JWT of an issuer the tenant trusts \
                         (`scimd jwt add`), or an access token from `POST /oauth/token`, sent \
                         as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            )
            .into(),
        );
        registry::add_schemas(components);
        messages::add_schemas(components);
        discovery::add_schemas(components);
        components::add(components);
        oauth::add_security_scheme(components);
        admin::add(components);
        webhooks::add_schemas(components);
        // SCIM first, then the derived paths (health, documentation), then the admin API.
        let documentation = std::mem::take(&mut openapi.paths.paths);
        operations::add_paths(&mut openapi.paths);
        oauth::add_paths(&mut openapi.paths);
        openapi.paths.paths.extend(documentation);
        openapi.merge(<crate::api::admin::AdminDoc as OpenApi>::openapi());
        openapi.webhooks = Some(webhooks::paths());
    }
}

/// The document as a value, for callers that want to inspect it.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

static JSON: LazyLock<String> = LazyLock::new(|| {
    // Serialising a document of strings and maps cannot fail; an empty object keeps the
    // signature infallible should it ever do so.
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
});

/// The document as served, printed and committed: pretty JSON and a trailing newline.
pub fn to_json() -> &'static str {
    &JSON
}

/// Registers `/openapi.json`, `/docs` and the Swagger UI assets under `/docs/` (static files,
/// outside the route table).
pub fn configure(routes: &mut Routes) {
    routes
        .add(Endpoint::new("/openapi.json").on(Method::GET, openapi_json))
        .add(Endpoint::new("/docs").on(Method::GET, docs_page));
    // The page fetches the document relative to its own base, so it also works behind a
    // proxy that serves scimd under a path prefix.
    routes
        .config()
        .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["../openapi.json"])));
}

/// The OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Documentation",
    operation_id = "getOpenApiDocument",
    responses(
        (status = 200, description = "This OpenAPI 3.1 document; `scimd openapi` prints the same bytes",
            content_type = "application/json")
    )
)]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(to_json())
}

/// The API reference page (Swagger UI, served from the binary; no CDN).
#[utoipa::path(
    get,
    path = "/docs",
    tag = "Documentation",
    operation_id = "getDocsPage",
    responses(
        (status = 200, description = "An HTML page that renders this document", content_type = "text/html")
    )
)]
async fn docs_page(req: HttpRequest) -> HttpResponse {
    if req.extensions().contains::<DocsWithSlash>() {
        return redirect_to_docs(&req);
    }
    // Swagger UI's index.html loads its assets relative to `/docs/`, but the server trims
    // trailing slashes (NormalizePath), so the page is served at `/docs` with a <base> that
    // points the relative URLs into `/docs/`.
    let config = std::sync::Arc::new(Config::new(["../openapi.json"]));
    match utoipa_swagger_ui::serve("index.html", config) {
        Ok(Some(file)) => {
            let html = String::from_utf8_lossy(&file.bytes).replacen(
                "<head>",
                "<head>\n    <base href=\"docs/\">",
                1,
            );
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(html)
        }
        _ => HttpResponse::InternalServerError()
            .content_type("text/plain")
            .body("the Swagger UI bundle is missing from this build"),
    }
}

/// A request that asked for `/docs/` before `NormalizePath` trimmed it to `/docs`.
struct DocsWithSlash;

/// Middleware outside `NormalizePath`: marks a request for `/docs/`, so that `docs_page`
/// redirects it. Served as is, the page's `<base href="docs/">` would resolve against
/// `/docs/` to `/docs/docs/` and load nothing. Marked rather than answered here, so the
/// redirect is logged and counted like any request.
pub async fn mark_docs_with_slash(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path() == "/docs/" {
        req.extensions_mut().insert(DocsWithSlash);
    }
    next.call(req).await
}

/// 308 to `/docs`, relative (`../docs`) so that it also holds under a proxy's path prefix.
fn redirect_to_docs(req: &HttpRequest) -> HttpResponse {
    let location = match req.query_string() {
        "" => "../docs".to_owned(),
        query => format!("../docs?{query}"),
    };
    HttpResponse::build(StatusCode::PERMANENT_REDIRECT)
        .insert_header((header::LOCATION, location))
        .finish()
}

#[cfg(test)]
mod tests;

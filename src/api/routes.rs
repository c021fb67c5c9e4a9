//! The route table as data. Every route is registered through [`Routes::add`], which also
//! records its method and path template, so the OpenAPI document can be held against exactly
//! what the server serves ([`route_table`]; tests/api/openapi.rs).
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};

use super::ApiSettings;
use super::http::error;

/// Every (method, path template) the server routes, in registration order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RouteTable(pub Vec<(Method, String)>);

/// Registration into an actix `ServiceConfig`, recorded in a [`RouteTable`].
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    table: &'a mut RouteTable,
}

impl<'a> Routes<'a> {
    pub fn new(cfg: &'a mut web::ServiceConfig, table: &'a mut RouteTable) -> Self {
        Self { cfg, table }
    }

    pub fn add(&mut self, endpoint: Endpoint) -> &mut Self {
        for method in endpoint.methods {
            self.table.0.push((method, endpoint.path.clone()));
        }
        self.cfg.service(endpoint.resource);
        self
    }

    /// For what is not a route of the table (app data, the Swagger UI's asset service).
    pub fn config(&mut self) -> &mut web::ServiceConfig {
        self.cfg
    }
}

/// One path and the handlers of its methods; the others answer 405 with a SCIM body.
pub struct Endpoint {
    path: String,
    methods: Vec<Method>,
    resource: actix_web::Resource,
}

impl Endpoint {
    pub fn new(path: impl Into<String>) -> Self {
        let path = path.into();
        Self {
            resource: web::resource(path.as_str())
                .default_service(web::to(error::method_not_allowed)),
            path,
            methods: Vec::new(),
        }
    }

    /// `method` is answered by `handler`.
    pub fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    /// Route data its handlers read (the resource type of a SCIM endpoint).
    pub fn data<U: 'static>(mut self, data: U) -> Self {
        self.resource = self.resource.app_data(data);
        self
    }
}

/// The routes the server registers with `settings`.
pub fn route_table(settings: &ApiSettings) -> RouteTable {
    let mut table = RouteTable::default();
    drop(actix_web::App::new().configure(|cfg| super::register(cfg, settings, &mut table)));
    table
}

//! What every `/Users` and `/Groups` handler starts from: the authenticated tenant, its schema
//! registry, the base URL its answers link to, and the resource type the route serves. The
//! type is data the route table attaches to each route (`app_data(ResourceKind)`), so one
//! handler set serves every resource type.
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::writes;
use crate::api::AppState;
use crate::api::RequestId;
use crate::api::Tenant;
use crate::api::http::respond::{self, BaseUrl};
use crate::scim::ScimError;
use crate::scim::event::Actor;
use crate::scim::projection::Projection;
use crate::scim::resource::Resource;
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::store::Origin;

pub struct Endpoint {
    pub state: web::Data<AppState>,
    pub tenant: Tenant,
    pub registry: Arc<Registry>,
    pub base: BaseUrl,
    pub kind: ResourceKind,
    /// Who writes, for the change events of a write.
    pub origin: Arc<Origin>,
}

/// The origin of a SCIM request's writes: its credential, request id, tenant, and how a GET
/// renders what it writes.
pub fn origin(
    req: &HttpRequest,
    tenant: &Tenant,
    registry: &Arc<Registry>,
    base: &BaseUrl,
) -> Arc<Origin> {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.as_str().to_owned());
    Arc::new(Origin {
        actor: Actor::credential(tenant.credential.key(), tenant.label.clone()),
        request_id,
        tenant_name: Some(tenant.name.clone()),
        base: Some(base.0.clone()),
        registry: Some(Arc::clone(registry)),
        activity: crate::api::http::activity::slot(req),
    })
}

impl Endpoint {
    /// The resource type served, as the tenant's registry defines it.
    pub fn rt(&self) -> &ResourceType {
        self.registry.resource_type(self.kind)
    }

    /// Where a write happens; memberships are loaded only if `shown` includes them.
    pub fn scope(&self, shown: &Projection) -> writes::Scope<'_> {
        writes::Scope {
            state: &self.state,
            tenant: self.tenant.id,
            kind: self.kind,
            memberships: self.shows_memberships(shown),
            registry: &self.registry,
            origin: &self.origin,
        }
    }

    /// `resource` with its `ETag` (and, on 201, its `Location`), shaped by `shown`.
    pub fn answer(
        &self,
        status: StatusCode,
        resource: &Resource,
        shown: &Projection,
    ) -> HttpResponse {
        respond::resource(status, resource, self.rt(), &self.base, shown)
    }

    /// Whether `shown` includes the attribute that needs the membership table.
    pub fn shows_memberships(&self, shown: &Projection) -> bool {
        shown.includes(self.rt(), self.kind.membership_attribute())
    }
}

impl FromRequest for Endpoint {
    type Error = ScimError;
    type Future = LocalBoxFuture<'static, Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let kind = req.app_data::<ResourceKind>().copied();
        let base = BaseUrl::of(req);
        let tenant = Tenant::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let tenant = tenant.await?;
            let (Some(state), Some(kind)) = (state, kind) else {
                tracing::error!("a resource route lacks its state or resource type");
                return Err(ScimError::internal());
            };
            let registry = state.registry(&tenant).await?;
            let origin = origin(&req, &tenant, &registry, &base);
            Ok(Self {
                state,
                tenant,
                registry,
                base,
                kind,
                origin,
            })
        })
    }
}

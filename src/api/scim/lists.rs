//! Lists: `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2), their `/.search` (§3.4.3) and
//! `POST /.search` at the service root, over every resource type.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::endpoint::Endpoint;
use super::resources::QueryPairs;
use crate::api::http::respond::{self, BaseUrl};
use crate::api::{AppState, Tenant};
use crate::scim::list::params::{Params, SEARCH_REQUEST_URN};
use crate::scim::list::plan::plan;
use crate::scim::list::response::ListResponse;
use crate::scim::list::root;
use crate::scim::{ScimError, validate};

/// GET /Users, GET /Groups: a filtered, sorted page (RFC 7644 §3.4.2).
pub async fn list(at: Endpoint, query: QueryPairs) -> Result<HttpResponse, ScimError> {
    run_list(&at, &Params::from_query(&query)).await
}

/// POST /Users/.search, POST /Groups/.search (RFC 7644 §3.4.3).
pub async fn search(at: Endpoint, body: web::Json<Value>) -> Result<HttpResponse, ScimError> {
    let params = search_params(&at.state, &body)?;
    run_list(&at, &params).await
}

/// A SearchRequest body; strict mode insists on its schema URN.
fn search_params(state: &AppState, body: &Value) -> Result<Params, ScimError> {
    if state.settings.leniency == validate::Leniency::Strict {
        let declared = body
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(SEARCH_REQUEST_URN)));
        if !declared {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest must list {SEARCH_REQUEST_URN} in `schemas`"
            )));
        }
    }
    Params::from_body(body)
}

async fn run_list(at: &Endpoint, params: &Params) -> Result<HttpResponse, ScimError> {
    let rt = at.rt();
    let settings = &at.state.settings;
    let (query, projection) = plan(rt, params, settings.leniency, settings.max_results)?;
    let listed = at
        .state
        .store
        .tenant(at.tenant.id)
        .resources(at.kind)
        .list(&query, at.shows_memberships(&projection))
        .await?;
    let shown = listed
        .resources
        .iter()
        .map(|r| projection.apply(rt, r.to_json(rt, &at.base.0)))
        .collect();
    Ok(respond::json(
        StatusCode::OK,
        &ListResponse::page(&query.window, listed.total, shown, listed.next),
    ))
}

/// POST /.search at the service root: Users and Groups together.
pub async fn search_root(
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    let params = search_params(&state, &body)?;
    let registry = state.registry(&tenant).await?;
    let (leniency, max_results) = (state.settings.leniency, state.settings.max_results);
    let search = root::plan(&registry.resource_types(), &params, leniency, max_results)?;
    let listed = state.store.tenant(tenant.id).search_all(&search).await?;
    let shown = listed
        .resources
        .iter()
        .map(|r| {
            let rt = registry.resource_type(r.kind);
            search.show(rt, r.to_json(rt, &base.0))
        })
        .collect();
    let body = ListResponse::page(&search.window, listed.total, shown, listed.next);
    Ok(respond::json(StatusCode::OK, &body))
}

//! Lists: `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2), their `/.search` (§3.4.3) and
//! `POST /.search` at the service root, over every resource type.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::endpoint::{Endpoint, membership_attribute};
use super::resources::QueryPairs;
use crate::api::http::respond::{self, BaseUrl};
use crate::api::{AppState, Tenant};
use crate::scim::filter::{self, resolve_sort};
use crate::scim::list::cursor::Cursor;
use crate::scim::list::params::{Params, SEARCH_REQUEST_URN};
use crate::scim::list::plan::{self, Window, plan};
use crate::scim::list::response::{cursor_response, list_response};
use crate::scim::projection::Projection;
use crate::scim::{ScimError, validate};
use crate::store::Part;

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
        &page_body(&query.window, listed.total, shown, listed.next),
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
    let settings = &state.settings;
    let leniency = settings.leniency;
    let filter = params
        .filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|text| plan::parse_filter(text, leniency))
        .transpose()?;
    let sort_path = params
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| plan::sort_path(s, leniency))
        .transpose()?;
    let registry = state.registry(&tenant).await?;
    let types = registry.resource_types();
    // An attribute one type lacks makes that type's comparison false, unless no type has it.
    let strict: Vec<_> = types
        .iter()
        .map(|rt| {
            filter
                .as_ref()
                .map(|f| filter::resolve(rt, f, leniency))
                .transpose()
        })
        .collect();
    if let Some(Err(err)) = strict.iter().find(|r| r.is_err())
        && strict.iter().all(|r| r.is_err())
    {
        return Err(err.clone());
    }
    let mut parts = Vec::new();
    let mut sortable = sort_path.is_none();
    for (rt, resolved) in types.iter().zip(strict) {
        let resolved = match (resolved, &filter) {
            (Ok(r), _) => r,
            (Err(_), Some(f)) => Some(filter::resolve_partial(rt, f, leniency)?),
            (Err(e), None) => return Err(e),
        };
        let sort = sort_path.as_ref().and_then(|p| resolve_sort(rt, p).ok());
        sortable |= sort.is_some();
        let projection = Projection::parse(
            rt,
            params.attributes.as_deref(),
            params.excluded_attributes.as_deref(),
        );
        parts.push(Part {
            kind: rt.kind,
            filter: resolved,
            sort,
            memberships: projection.includes(rt, membership_attribute(rt.kind)),
        });
    }
    if !sortable {
        return Err(ScimError::invalid_value(format!(
            "cannot sort by {:?}: no resource type has that attribute",
            params.sort_by.unwrap_or_default()
        )));
    }
    let order = match sort_path {
        Some(_) => Some(plan::sort_order(&params)?),
        None => None,
    };
    let window = plan::window(&params, settings.max_results)?;
    let listed = state
        .store
        .tenant(tenant.id)
        .search_all(&parts, order, &window)
        .await?;
    let shown = listed
        .resources
        .iter()
        .map(|r| {
            let rt = registry.resource_type(r.kind);
            let projection = Projection::parse(
                rt,
                params.attributes.as_deref(),
                params.excluded_attributes.as_deref(),
            );
            projection.apply(rt, r.to_json(rt, &base.0))
        })
        .collect();
    Ok(respond::json(
        StatusCode::OK,
        &page_body(&window, listed.total, shown, listed.next),
    ))
}

fn page_body(window: &Window, total: u64, shown: Vec<Value>, next: Option<Cursor>) -> Value {
    match window {
        Window::Index(page) => list_response(total, page.start_index, shown),
        Window::Cursor { .. } => cursor_response(total, shown, next.map(|c| c.encode())),
    }
}

//! What Users and Groups have in common: create, read, replace, delete, list
//! (RFC 7644 §3.3, §3.4.1, §3.4.2, §3.5.1, §3.6). `users.rs` and `groups.rs` route to these.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::auth::Tenant;
use super::preconditions::Preconditions;
use super::respond::{self, BaseUrl};
use super::writes::{self, not_found_as};
use super::{AppState, GroupPatchResponse};
use crate::scim::filter::{self, resolve::resolve_sort};
use crate::scim::list::{cursor_response, list_response};
use crate::scim::projection::Projection;
use crate::scim::query::{self, Cursor, Params, SEARCH_REQUEST_URN, Window, plan};
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::scim::{ScimError, validate};
use crate::store::Part;

/// Query parameters as sent, names compared case-insensitively; unknown ones (Entra's
/// `aadOptscim062020`) are ignored.
pub type QueryPairs = web::Query<Vec<(String, String)>>;

/// Where a single-resource write happens; memberships are loaded only if shown.
fn scope<'a>(
    state: &'a AppState,
    tenant: &Tenant,
    registry: &'a Registry,
    kind: ResourceKind,
    shown: &Projection,
) -> writes::Scope<'a> {
    writes::Scope {
        state,
        tenant: tenant.id,
        kind,
        memberships: shown.includes(registry.resource_type(kind), membership_attribute(kind)),
        registry,
    }
}

/// `attributes`/`excludedAttributes` of a single-resource request (RFC 7644 §3.9).
fn projection(rt: &ResourceType, query: &QueryPairs) -> Projection {
    let params = Params::from_query(query);
    Projection::parse(
        rt,
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    )
}

pub async fn create(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let rt = registry.resource_type(kind);
    let shown = projection(rt, &query);
    let created = writes::create(scope(&state, &tenant, &registry, kind, &shown), &body).await?;
    Ok(respond::resource(
        StatusCode::CREATED,
        &created,
        rt,
        &base,
        &shown,
    ))
}

pub async fn get(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: &str,
    query: QueryPairs,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let rt = registry.resource_type(kind);
    let shown = projection(rt, &query);
    let found = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .memberships(shown.includes(rt, membership_attribute(kind)))
        .get(id)
        .await
        .map_err(|e| not_found_as(e, kind, id))?;
    if pre.not_modified(&found.etag()) {
        return Ok(HttpResponse::NotModified()
            .insert_header((actix_web::http::header::ETAG, found.etag()))
            .finish());
    }
    Ok(respond::resource(StatusCode::OK, &found, rt, &base, &shown))
}

/// PUT /Users/{id}, PUT /Groups/{id}.
// Handlers take their extractors one by one; bundling them would only rename the list.
#[allow(clippy::too_many_arguments)]
pub async fn replace(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: &str,
    query: QueryPairs,
    pre: Preconditions,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let rt = registry.resource_type(kind);
    let shown = projection(rt, &query);
    let scope = scope(&state, &tenant, &registry, kind, &shown);
    let replaced = writes::replace(scope, id, pre.if_match, &body).await?;
    Ok(respond::resource(
        StatusCode::OK,
        &replaced,
        rt,
        &base,
        &shown,
    ))
}

pub async fn delete(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    id: &str,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let scope = scope(&state, &tenant, &registry, kind, &Projection::Default);
    writes::delete(scope, id, pre.if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2): all operations apply in one
/// transaction, or none does.
// Handlers take their extractors one by one; bundling them would only rename the list.
#[allow(clippy::too_many_arguments)]
pub async fn patch(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    id: &str,
    query: QueryPairs,
    pre: Preconditions,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(&tenant).await?;
    let rt = registry.resource_type(kind);
    if answers_no_content(&state, kind, &query) {
        let scope = scope(&state, &tenant, &registry, kind, &Projection::Default).no_memberships();
        let patched = writes::patch(scope, id, pre.if_match, &body).await?;
        return Ok(HttpResponse::NoContent()
            .insert_header((actix_web::http::header::ETAG, patched.etag()))
            .finish());
    }
    let shown = projection(rt, &query);
    let scope = scope(&state, &tenant, &registry, kind, &shown);
    let patched = writes::patch(scope, id, pre.if_match, &body).await?;
    Ok(respond::resource(
        StatusCode::OK,
        &patched,
        rt,
        &base,
        &shown,
    ))
}

/// A Group PATCH that asks for no particular attributes answers 204 unless configured
/// otherwise, so its cost is the change's, not the group's (Entra never reads the body).
/// User PATCH answers stay 200 with the user: Okta reads them.
fn answers_no_content(state: &AppState, kind: ResourceKind, query: &QueryPairs) -> bool {
    let params = Params::from_query(query);
    kind == ResourceKind::Group
        && state.settings.group_patch_response == GroupPatchResponse::NoContent
        && params.attributes.is_none()
        && params.excluded_attributes.is_none()
}

/// GET /Users, GET /Groups: a filtered, sorted page (RFC 7644 §3.4.2).
pub async fn list(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    query: QueryPairs,
) -> Result<HttpResponse, ScimError> {
    run_list(kind, &state, &tenant, &base, &Params::from_query(&query)).await
}

/// POST /Users/.search, POST /Groups/.search (RFC 7644 §3.4.3).
pub async fn search(
    kind: ResourceKind,
    state: web::Data<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Value,
) -> Result<HttpResponse, ScimError> {
    let params = search_params(&state, &body)?;
    run_list(kind, &state, &tenant, &base, &params).await
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

async fn run_list(
    kind: ResourceKind,
    state: &AppState,
    tenant: &Tenant,
    base: &BaseUrl,
    params: &Params,
) -> Result<HttpResponse, ScimError> {
    let registry = state.registry(tenant).await?;
    let rt = registry.resource_type(kind);
    let settings = &state.settings;
    let (query, projection) = plan(rt, params, settings.leniency, settings.max_results)?;
    let memberships = projection.includes(rt, membership_attribute(kind));
    let listed = state
        .store
        .tenant(tenant.id)
        .resources(kind)
        .list(&query, memberships)
        .await?;
    let shown = listed
        .resources
        .iter()
        .map(|r| projection.apply(rt, r.to_json(rt, &base.0)))
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
        .map(|text| query::parse_filter(text, leniency))
        .transpose()?;
    let sort_path = params
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| query::sort_path(s, leniency))
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
            (Err(_), Some(f)) => Some(filter::resolve::resolve_partial(rt, f, leniency)?),
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
        Some(_) => Some(query::sort_order(&params)?),
        None => None,
    };
    let window = query::window(&params, settings.max_results)?;
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

/// The attribute that needs the membership table: Group members, User groups.
fn membership_attribute(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "members",
        ResourceKind::User => "groups",
    }
}

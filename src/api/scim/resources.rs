//! One resource of any type: create, read, replace, modify, delete (RFC 7644 §3.3, §3.4.1,
//! §3.5.1, §3.5.2, §3.6). The route table mounts these handlers once per resource type.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::endpoint::Endpoint;
use super::writes::{self, not_found_as};
use crate::api::GroupPatchResponse;
use crate::api::http::preconditions::Preconditions;
use crate::scim::ScimError;
use crate::scim::list::params::Params;
use crate::scim::projection::Projection;
use crate::scim::schema::ResourceKind;

/// Query parameters as sent, names compared case-insensitively; unknown ones (Entra's
/// `aadOptscim062020`) are ignored.
pub type QueryPairs = web::Query<Vec<(String, String)>>;

/// `attributes`/`excludedAttributes` of a single-resource request (RFC 7644 §3.9).
fn projection(at: &Endpoint, query: &QueryPairs) -> Projection {
    let params = Params::from_query(query);
    Projection::parse(
        at.rt(),
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    )
}

/// POST /Users, POST /Groups.
pub async fn create(
    at: Endpoint,
    query: QueryPairs,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    let shown = projection(&at, &query);
    let created = writes::create(at.scope(&shown), &body).await?;
    Ok(at.answer(StatusCode::CREATED, &created, &shown))
}

/// GET /Users/{id}, GET /Groups/{id}; 304 when `If-None-Match` names the current version.
pub async fn get(
    at: Endpoint,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    let shown = projection(&at, &query);
    let found = at
        .state
        .store
        .tenant(at.tenant.id)
        .resources(at.kind)
        .memberships(at.shows_memberships(&shown))
        .get(&id)
        .await
        .map_err(|e| not_found_as(e, at.kind, &id))?;
    if pre.not_modified(&found.etag()) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, found.etag()))
            .finish());
    }
    Ok(at.answer(StatusCode::OK, &found, &shown))
}

/// PUT /Users/{id}, PUT /Groups/{id}.
pub async fn replace(
    at: Endpoint,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    let shown = projection(&at, &query);
    let replaced = writes::replace(at.scope(&shown), &id, pre.if_match, &body).await?;
    Ok(at.answer(StatusCode::OK, &replaced, &shown))
}

/// PATCH /Users/{id}, PATCH /Groups/{id}: all operations apply in one transaction, or none
/// does.
pub async fn patch(
    at: Endpoint,
    id: web::Path<String>,
    query: QueryPairs,
    pre: Preconditions,
    body: web::Json<Value>,
) -> Result<HttpResponse, ScimError> {
    if answers_no_content(&at, &query) {
        if let Some(slot) = &at.origin.activity {
            slot.update(|draft| draft.success_status = 204);
        }
        let scope = at.scope(&Projection::Default).no_memberships();
        let patched = writes::patch(scope, &id, pre.if_match, &body).await?;
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, patched.etag()))
            .finish());
    }
    let shown = projection(&at, &query);
    let patched = writes::patch(at.scope(&shown), &id, pre.if_match, &body).await?;
    Ok(at.answer(StatusCode::OK, &patched, &shown))
}

/// A Group PATCH that asks for no particular attributes answers 204 unless configured
/// otherwise, so its cost is the change's, not the group's (Entra never reads the body).
/// User PATCH answers stay 200 with the user: Okta reads them.
fn answers_no_content(at: &Endpoint, query: &QueryPairs) -> bool {
    let params = Params::from_query(query);
    at.kind == ResourceKind::Group
        && at.state.settings.group_patch_response == GroupPatchResponse::NoContent
        && params.attributes.is_none()
        && params.excluded_attributes.is_none()
}

/// DELETE /Users/{id}, DELETE /Groups/{id}.
pub async fn delete(
    at: Endpoint,
    id: web::Path<String>,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    writes::delete(
        at.scope(&Projection::Default).no_memberships(),
        &id,
        pre.if_match,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

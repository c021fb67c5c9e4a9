//! `/admin/v1/webhooks`: `scimd webhook add|list|remove|rotate-secret|replay|attempts` over
//! HTTP. A secret appears once, in the answer that issued it.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Admin;
use crate::api::AppState;
use crate::api::openapi::admin::{
    IdNotFound, InternalServerError, PayloadTooLarge, QueryError, Unauthorized,
    UnsupportedMediaType,
};
use crate::scim::ScimError;
use crate::store::webhooks::event_types;
use crate::store::{AttemptRecord, ReplayError, StoreError, WebhookRecord};
use crate::worker::delivery::check_url;

/// An endpoint to register, as `scimd webhook add`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct NewWebhook {
    /// Where events are POSTed: https (plain http only with `SCIMD_WEBHOOK_ALLOW_PRIVATE`).
    #[schema(examples("https://app.example.com/scim-events"))]
    url: String,
    /// Only this tenant's events; absent: every tenant's, those created later included.
    #[schema(examples("acme"))]
    tenant: Option<String>,
    /// Event types and `user.*`-style prefixes to send; absent or empty: every type.
    #[schema(examples(json!(["user.*", "group.member_added"])))]
    events: Option<Vec<String>>,
}

/// A webhook endpoint (never its secret, except in the answer that issued it).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookView {
    #[schema(examples("3f2b8c1e-5d4a-4e0b-9a53-2f1c0d9e7b61"))]
    id: String,
    /// The tenant whose events it receives; `null`: every tenant's.
    #[schema(examples("acme"))]
    tenant: Option<String>,
    url: String,
    /// The event types and prefixes it receives; empty: every type.
    events: Vec<String>,
    /// `active`, `failing` (attempts fail; retried, disabled after 5 days) or `disabled`.
    #[schema(examples("active"))]
    state: &'static str,
    #[schema(value_type = String, format = DateTime)]
    created: DateTime<Utc>,
    /// Since when every attempt has failed.
    #[schema(value_type = Option<String>, format = DateTime)]
    failing_since: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    disabled_at: Option<DateTime<Utc>>,
    /// Why deliveries stopped: a 410 answer, or 5 days of failures.
    disabled_reason: Option<String>,
    /// Until when the secret before the last rotation signs too.
    #[schema(value_type = Option<String>, format = DateTime)]
    previous_secret_expires: Option<DateTime<Utc>>,
    last_attempt: Option<AttemptView>,
    /// The `whsec_…` signing secret: only in the answers of create and rotate-secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl From<WebhookRecord> for WebhookView {
    fn from(w: WebhookRecord) -> Self {
        let state = if w.disabled_at.is_some() {
            "disabled"
        } else if w.failing_since.is_some() {
            "failing"
        } else {
            "active"
        };
        Self {
            id: w.id,
            tenant: w.tenant,
            url: w.url,
            events: w
                .event_types
                .split(',')
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
            state,
            created: w.created_at,
            failing_since: w.failing_since,
            disabled_at: w.disabled_at,
            disabled_reason: w.disabled_reason,
            previous_secret_expires: w.previous_secret_expires_at,
            last_attempt: w.last_attempt.map(AttemptView::from),
            secret: None,
        }
    }
}

impl WebhookView {
    pub(crate) fn state(&self) -> &'static str {
        self.state
    }
}

/// One delivery attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttemptView {
    #[schema(examples("acme"))]
    tenant: String,
    /// The event's `seq`.
    seq: i64,
    /// The event's `id`, sent as `webhook-id`; empty for `pruned`.
    event_id: String,
    #[schema(value_type = String, format = DateTime)]
    attempted_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered; `null` when no answer came.
    status: Option<u16>,
    latency_ms: i64,
    /// What went wrong, when something did.
    error: Option<String>,
    /// `delivered`, `failed` (retried later), `given_up` (the last retry failed), `gone`
    /// (410: the endpoint is disabled) or `pruned` (retention deleted the events up to `seq`
    /// before the endpoint took them; nothing was sent).
    #[schema(examples("delivered"))]
    outcome: String,
}

impl From<AttemptRecord> for AttemptView {
    fn from(a: AttemptRecord) -> Self {
        Self {
            tenant: a.tenant,
            seq: a.seq,
            event_id: a.event_id,
            attempted_at: a.attempted_at,
            status: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error,
            outcome: a.outcome,
        }
    }
}

/// What to send again, as `scimd webhook replay`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Replay {
    #[schema(examples("acme"))]
    tenant: String,
    /// The first seq to send again.
    #[schema(examples(1))]
    from_seq: i64,
}

/// `?limit=` on the attempts list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AttemptsQuery {
    /// How many attempts, newest first (default 50, at most 1000).
    limit: Option<u64>,
}

fn not_found(id: &str) -> ScimError {
    ScimError::not_found(format!("no webhook endpoint with id {id:?}"))
}

fn found(id: &str, err: StoreError) -> ScimError {
    match err {
        StoreError::NotFound => not_found(id),
        e => e.into(),
    }
}

/// List the webhook endpoints
///
/// `scimd webhook list --json`: every endpoint with its state and last attempt.
#[utoipa::path(
    get,
    path = "/admin/v1/webhooks",
    tag = "Admin",
    operation_id = "listWebhooks",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Every endpoint, oldest first", body = Vec<WebhookView>,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ScimError> {
    Ok(super::listed::<_, WebhookView>(
        state.store.webhooks().list().await?,
    ))
}

/// Register a webhook endpoint
///
/// `scimd webhook add`. It receives the events committed from now on. **The signing secret
/// (`secret`, `whsec_…`) appears once, in this answer.** A URL on a private address is
/// refused unless scimd runs with `SCIMD_WEBHOOK_ALLOW_PRIVATE=true`.
#[utoipa::path(
    post,
    path = "/admin/v1/webhooks",
    tag = "Admin",
    operation_id = "createWebhook",
    security(("adminToken" = [])),
    request_body(content = NewWebhook, content_type = "application/json"),
    responses(
        (status = 201, description = "The endpoint, with its secret in `secret` (shown this \
            once)", body = WebhookView,
            headers(("Cache-Control" = String, description = "`no-store`: the secret must not \
                be cached"))),
        (status = 400, description = "Malformed JSON, an unknown field, a URL that is not \
            https or is on a private address, or an unknown event type",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        Unauthorized,
        (status = 404, description = "The admin API is disabled, or `tenant` names no tenant",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse, ScimError> {
    let NewWebhook {
        url,
        tenant: name,
        events,
    } = body.into_inner();
    check_url(&url, state.settings.webhook_allow_private)
        .map_err(|e| ScimError::invalid_value(e.to_string()))?;
    let types =
        event_types(&events.unwrap_or_default().join(",")).map_err(ScimError::invalid_value)?;
    let owner = match &name {
        Some(name) => Some(admin.tenant(&state, name).await?),
        None => None,
    };
    let (record, secret) = state
        .store
        .webhooks()
        .add(&url, owner.as_ref(), &types)
        .await?;
    let mut view = WebhookView::from(record);
    view.secret = Some(secret);
    Ok(super::reply(StatusCode::CREATED, &view))
}

/// Get a webhook endpoint
#[utoipa::path(
    get,
    path = "/admin/v1/webhooks/{id}",
    tag = "Admin",
    operation_id = "getWebhook",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn get(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let record = state
        .store
        .webhooks()
        .get(&id)
        .await
        .map_err(|e| found(&id, e))?;
    Ok(super::reply(StatusCode::OK, &WebhookView::from(record)))
}

/// Remove a webhook endpoint
///
/// `scimd webhook remove ID`: deliveries stop, its attempts log goes with it.
#[utoipa::path(
    delete,
    path = "/admin/v1/webhooks/{id}",
    tag = "Admin",
    operation_id = "deleteWebhook",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`")),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    state
        .store
        .webhooks()
        .remove(&id)
        .await
        .map_err(|e| found(&id, e))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook endpoint's secret
///
/// `scimd webhook rotate-secret ID`: **the new secret (`secret`) appears once, in this
/// answer.** For 24 hours deliveries carry two signatures, one per secret, so the receiver
/// can switch at any moment of that day.
#[utoipa::path(
    post,
    path = "/admin/v1/webhooks/{id}/rotate-secret",
    tag = "Admin",
    operation_id = "rotateWebhookSecret",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`")),
    responses(
        (status = 200, description = "The endpoint, with its new secret in `secret`",
            body = WebhookView,
            headers(("Cache-Control" = String, description = "`no-store`: the secret must not \
                be cached"))),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn rotate_secret(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let webhooks = state.store.webhooks();
    let secret = webhooks
        .rotate_secret(&id)
        .await
        .map_err(|e| found(&id, e))?;
    let mut view = WebhookView::from(webhooks.get(&id).await.map_err(|e| found(&id, e))?);
    view.secret = Some(secret);
    Ok(super::reply(StatusCode::OK, &view))
}

/// Enable a disabled webhook endpoint
///
/// `scimd webhook enable ID`: an endpoint its receiver disabled (it answered 410) receives
/// events again, from the one it refused on; retry counts start over. An endpoint that is
/// not disabled is left as it is.
#[utoipa::path(
    post,
    path = "/admin/v1/webhooks/{id}/enable",
    tag = "Admin",
    operation_id = "enableWebhook",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`")),
    responses(
        (status = 200, description = "The endpoint, enabled", body = WebhookView,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn enable(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let webhooks = state.store.webhooks();
    webhooks.enable(&id).await.map_err(|e| found(&id, e))?;
    let view = WebhookView::from(webhooks.get(&id).await.map_err(|e| found(&id, e))?);
    Ok(super::reply(StatusCode::OK, &view))
}

/// Send a tenant's events again
///
/// `scimd webhook replay ID --tenant T --from-seq N`: the endpoint receives the tenant's
/// stored events from `fromSeq` on again, in order (as retries: same `webhook-id`s).
#[utoipa::path(
    post,
    path = "/admin/v1/webhooks/{id}/replay",
    tag = "Admin",
    operation_id = "replayWebhook",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`")),
    request_body(content = Replay, content_type = "application/json"),
    responses(
        (status = 202, description = "The events will be sent again"),
        (status = 400, description = "Malformed JSON, an unknown field, or a tenant the \
            endpoint does not receive", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        Unauthorized,
        (status = 404, description = "The admin API is disabled, or no endpoint has the id, \
            or `tenant` names no tenant", body = ref("#/components/schemas/Error"),
            content_type = "application/scim+json"),
        (status = 410, description = "`fromSeq` lies before what retention kept",
            body = ref("#/components/schemas/Error"), content_type = "application/scim+json"),
        PayloadTooLarge,
        UnsupportedMediaType,
        InternalServerError,
    )
)]
pub(super) async fn replay(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Replay>,
) -> Result<HttpResponse, ScimError> {
    let Replay {
        tenant: name,
        from_seq,
    } = body.into_inner();
    let owner = admin.tenant(&state, &name).await?;
    match state.store.webhooks().replay(&id, &owner, from_seq).await {
        Ok(()) => Ok(HttpResponse::Accepted().finish()),
        Err(ReplayError::Store(e)) => Err(found(&id, e)),
        Err(e @ ReplayError::OtherTenant) => Err(ScimError::invalid_value(e.to_string())),
        Err(e @ ReplayError::Gone { .. }) => Err(ScimError::new(410, None, e.to_string())),
    }
}

/// List a webhook endpoint's delivery attempts
///
/// `scimd webhook attempts ID`: newest first, with status, latency and error.
#[utoipa::path(
    get,
    path = "/admin/v1/webhooks/{id}/attempts",
    tag = "Admin",
    operation_id = "listWebhookAttempts",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "The endpoint's `id`"), AttemptsQuery),
    responses(
        (status = 200, description = "The attempts, newest first", body = Vec<AttemptView>,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        QueryError,
        Unauthorized,
        IdNotFound,
        InternalServerError,
    )
)]
pub(super) async fn attempts(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<AttemptsQuery>,
) -> Result<HttpResponse, ScimError> {
    let webhooks = state.store.webhooks();
    webhooks.get(&id).await.map_err(|e| found(&id, e))?;
    let limit = query.limit.unwrap_or(50).clamp(1, 1000);
    Ok(super::listed::<_, AttemptView>(
        webhooks.attempts(&id, limit).await?,
    ))
}

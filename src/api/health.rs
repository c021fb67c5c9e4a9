//! `/healthz` (the process runs) and `/readyz` (the database answers).
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::scim::ScimError;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(pattern = "^ok$")]
    status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(pattern = "^ready$")]
    status: &'static str,
    /// The database backend.
    #[schema(examples("sqlite", "postgres"))]
    database: &'static str,
}

/// Liveness: 200 while the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Health",
    operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health, content_type = "application/json"))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: 200 when the database answers, else 503.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Health",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready", body = Readiness, content_type = "application/json"),
        (status = 503, description = "The database is not answering",
            body = crate::scim::error::ErrorBody, content_type = "application/scim+json"),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ScimError> {
    match state.store.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(Readiness {
            status: "ready",
            database: state.store.backend(),
        })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(ScimError::unavailable("the database is not answering"))
        }
    }
}

//! `/healthz` (the process runs) and `/readyz` (the database answers).
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::api::AppState;
use crate::scim::ScimError;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ScimError> {
    match state.store.ping().await {
        Ok(()) => {
            Ok(HttpResponse::Ok()
                .json(json!({"status": "ready", "database": state.store.backend()})))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(ScimError::unavailable("the database is not answering"))
        }
    }
}

//! `GET|POST /admin/v1/tenants`: `scimd tenant list|create` over HTTP.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Admin;
use crate::api::AppState;
use crate::scim::ScimError;
use crate::store::{StoreError, TenantRecord, valid_tenant_name};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewTenant {
    name: String,
}

#[derive(Debug, Serialize)]
pub(super) struct TenantView {
    name: String,
    created: DateTime<Utc>,
}

impl From<TenantRecord> for TenantView {
    fn from(t: TenantRecord) -> Self {
        Self {
            name: t.name,
            created: t.created_at,
        }
    }
}

pub(super) async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ScimError> {
    Ok(super::listed::<_, TenantView>(
        state.store.tenants().list().await?,
    ))
}

pub(super) async fn create(
    _: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewTenant>,
) -> Result<HttpResponse, ScimError> {
    let name = body.into_inner().name;
    if !valid_tenant_name(&name) {
        return Err(ScimError::invalid_value(format!(
            "invalid tenant name {name:?}: use 1-64 letters, digits, '-', '_' or '.'"
        )));
    }
    match state.store.tenants().create(&name).await {
        Ok(t) => Ok(super::reply(StatusCode::CREATED, &TenantView::from(t))),
        Err(StoreError::Uniqueness { .. }) => Err(ScimError::conflict(format!(
            "tenant {name:?} already exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

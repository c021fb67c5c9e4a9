//! `/admin/v1/clients`: `scimd client create|list|revoke` over HTTP. The client secret appears
//! once, in the answer that created the client.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Admin, tenant, tenant_scope};
use crate::api::AppState;
use crate::scim::ScimError;
use crate::store::ClientInfo;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewClient {
    tenant: String,
    label: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClientView {
    client_id: String,
    tenant: String,
    label: Option<String>,
    created: DateTime<Utc>,
    revoked: Option<DateTime<Utc>>,
    last_used: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

impl From<ClientInfo> for ClientView {
    fn from(c: ClientInfo) -> Self {
        Self {
            client_id: c.id,
            tenant: c.tenant,
            label: c.label,
            created: c.created_at,
            revoked: c.revoked_at,
            last_used: c.last_used_at,
            client_secret: None,
        }
    }
}

pub(super) async fn list(
    _: Admin,
    state: web::Data<AppState>,
    scope: web::Query<super::Scope>,
) -> Result<HttpResponse, ScimError> {
    let scope = tenant_scope(&state, &scope).await?;
    Ok(super::listed::<_, ClientView>(
        state.store.oauth_clients().list(scope.as_ref()).await?,
    ))
}

pub(super) async fn create(
    _: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewClient>,
) -> Result<HttpResponse, ScimError> {
    let NewClient {
        tenant: name,
        label,
    } = body.into_inner();
    let owner = tenant(&state, &name).await?;
    let (info, secret) = state
        .store
        .oauth_clients()
        .create(&owner, label.as_deref())
        .await?;
    let mut view = ClientView::from(info);
    view.client_secret = Some(secret);
    Ok(super::reply(StatusCode::CREATED, &view))
}

pub(super) async fn revoke(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let result = state.store.oauth_clients().revoke(&id).await;
    super::gone(result, "OAuth client", &id)
}

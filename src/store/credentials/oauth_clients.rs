//! OAuth 2.0 clients (RFC 6749 §2) registered per tenant, and the client credentials grant
//! (§4.4) that turns a client id and secret into a short-lived access token. The secret is
//! 256 random bits, so it is stored as a SHA-256 hash like bearer tokens.
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{oauth_client, tenant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::kind::stale;
use crate::jwt::access::{self, AccessClaims};
use crate::secrets;
use crate::store::{Store, StoreError, TenantRecord, now};

/// A client as listed: everything but its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub id: String,
    pub tenant: String,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// An access token granted to a client (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: u64,
}

pub struct OauthClients<'a> {
    store: &'a Store,
}

impl Store {
    pub fn oauth_clients(&self) -> OauthClients<'_> {
        OauthClients { store: self }
    }
}

impl OauthClients<'_> {
    /// Registers a client of `tenant`; its secret is returned once and only its hash is kept.
    pub async fn create(
        &self,
        tenant: &TenantRecord,
        label: Option<&str>,
    ) -> Result<(ClientInfo, String), StoreError> {
        let secret = secrets::new_token()
            .map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
        let model = oauth_client::Model {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id.get(),
            label: label.map(str::to_owned),
            secret_hash: secrets::token_hash(&secret),
            created_at: now(),
            revoked_at: None,
            last_used_at: None,
        };
        oauth_client::Entity::insert(oauth_client::ActiveModel::from(model.clone()))
            .exec_without_returning(&self.store.writer)
            .await?;
        Ok((info(model, tenant.name.clone()), secret))
    }

    /// All clients, or one tenant's, oldest first.
    pub async fn list(&self, tenant: Option<&TenantRecord>) -> Result<Vec<ClientInfo>, StoreError> {
        self.store.credentials().list(tenant).await
    }

    /// Revokes client `id`: no new tokens, and the ones it holds stop working at once, in
    /// every process on the database. `NotFound` if there is no such client.
    pub async fn revoke(&self, id: &str) -> Result<(), StoreError> {
        self.store.credentials().revoke::<ClientInfo>(id).await
    }

    /// The client credentials grant: an access token valid for `ttl` if `client_id` names a
    /// live client whose secret is `secret`; `None` otherwise, without saying which part
    /// was wrong.
    pub async fn grant(
        &self,
        client_id: &str,
        secret: &str,
        ttl: Duration,
    ) -> Result<Option<AccessToken>, StoreError> {
        let Some((client, tenant)) = self.find(client_id).await? else {
            return Ok(None);
        };
        let presented = secrets::token_hash(secret);
        if !secrets::constant_time_eq(&client.secret_hash, &presented)
            || client.revoked_at.is_some()
        {
            return Ok(None);
        }
        self.touch(&client.id).await?;
        let key = self.store.current_signing_key().await?;
        let ttl_seconds = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(1);
        let claims = AccessClaims::new(
            &client.id,
            &tenant.name,
            Utc::now().timestamp(),
            ttl_seconds,
        );
        let token = access::sign(&claims, &key.id, &key.secret)
            .map_err(|e| StoreError::Config(format!("cannot sign an access token: {e}")))?;
        Ok(Some(AccessToken {
            token,
            expires_in: ttl_seconds.unsigned_abs(),
        }))
    }

    /// The tenant of a live client, for a request bearing one of its access tokens: one
    /// indexed read, so revocation is seen at once.
    pub(in crate::store) async fn live(
        &self,
        client_id: &str,
    ) -> Result<Option<(TenantRecord, Option<String>)>, StoreError> {
        let Some((client, tenant)) = self.find(client_id).await? else {
            return Ok(None);
        };
        if client.revoked_at.is_some() {
            return Ok(None);
        }
        if stale(client.last_used_at) {
            self.touch(&client.id).await?;
        }
        Ok(Some((tenant, client.label)))
    }

    async fn find(
        &self,
        client_id: &str,
    ) -> Result<Option<(oauth_client::Model, TenantRecord)>, StoreError> {
        let found = oauth_client::Entity::find_by_id(client_id.to_owned())
            .find_also_related(tenant::Entity)
            .one(&self.store.reader)
            .await?;
        Ok(found.and_then(|(client, tenant)| tenant.map(|t| (client, t.into()))))
    }

    async fn touch(&self, id: &str) -> Result<(), StoreError> {
        oauth_client::Entity::update_many()
            .col_expr(oauth_client::Column::LastUsedAt, Expr::value(now()))
            .filter(oauth_client::Column::Id.eq(id))
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }
}

pub(super) fn info(c: oauth_client::Model, tenant: String) -> ClientInfo {
    ClientInfo {
        id: c.id,
        tenant,
        label: c.label,
        created_at: c.created_at,
        revoked_at: c.revoked_at,
        last_used_at: c.last_used_at,
    }
}

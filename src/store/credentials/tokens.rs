//! Bearer tokens: issued at random, stored as a SHA-256 hash, optionally expiring, revocable.
use chrono::{DateTime, Utc};
use entity::{tenant, token};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::kind::stale;
use crate::secrets;
use crate::store::{Store, StoreError, TenantRecord, now};

mod rotation;

pub use rotation::{RotateError, Rotated};

/// What a token may be shown as: everything but its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub tenant: String,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub tenant: TenantRecord,
    /// What the operator called the token ("Entra ID production"), for the events' actor.
    pub label: Option<String>,
}

pub struct Tokens<'a> {
    store: &'a Store,
}

impl<'a> Tokens<'a> {
    pub(in crate::store) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Issues a new random token for `tenant`; the secret is returned once and never stored.
    pub async fn issue(
        &self,
        tenant: &TenantRecord,
        label: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(TokenInfo, String), StoreError> {
        let secret = secrets::new_token()
            .map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
        let info = self.insert(tenant, &secret, label, expires_at).await?;
        Ok((info, secret))
    }

    /// Makes `secret` a valid token of `tenant` unless it already is one (for
    /// `SCIMD_BOOTSTRAP_TOKEN`, idempotent across restarts and processes).
    pub async fn ensure(
        &self,
        tenant: &TenantRecord,
        secret: &str,
        label: &str,
    ) -> Result<TokenInfo, StoreError> {
        let hash = secrets::token_hash(secret);
        if let Some(found) = self.find_by_hash(&hash).await? {
            return Ok(found);
        }
        match self.insert(tenant, secret, Some(label), None).await {
            Err(StoreError::Uniqueness { .. }) => {
                self.find_by_hash(&hash).await?.ok_or(StoreError::NotFound)
            }
            other => other,
        }
    }

    async fn insert(
        &self,
        tenant: &TenantRecord,
        secret: &str,
        label: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<TokenInfo, StoreError> {
        let model = token::Model {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id.get(),
            label: label.map(str::to_owned),
            hash: secrets::token_hash(secret),
            created_at: now(),
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        token::Entity::insert(token::ActiveModel::from(model.clone()))
            .exec_without_returning(&self.store.writer)
            .await
            .map_err(|e| StoreError::unique_as(e, "token"))?;
        Ok(info(model, tenant.name.clone()))
    }

    async fn find_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        let found = token::Entity::find()
            .filter(token::Column::Hash.eq(hash))
            .find_also_related(tenant::Entity)
            .one(&self.store.writer)
            .await?;
        Ok(found.map(|(t, tenant)| info(t, tenant.map(|t| t.name).unwrap_or_default())))
    }

    /// The tenant a presented secret authenticates, if it is a live token.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        let hash = secrets::token_hash(secret);
        let found = token::Entity::find()
            .filter(token::Column::Hash.eq(&hash))
            .find_also_related(tenant::Entity)
            .one(&self.store.reader)
            .await?;
        let Some((token, Some(tenant))) = found else {
            return Ok(None);
        };
        let at = Utc::now();
        let live = secrets::constant_time_eq(&token.hash, &hash)
            && token.revoked_at.is_none()
            && token.expires_at.is_none_or(|expires| expires > at);
        if !live {
            return Ok(None);
        }
        if stale(token.last_used_at) {
            self.touch(&token.id).await?;
        }
        Ok(Some(Principal {
            token_id: token.id,
            tenant: tenant.into(),
            label: token.label,
        }))
    }

    async fn touch(&self, id: &str) -> Result<(), StoreError> {
        token::Entity::update_many()
            .col_expr(token::Column::LastUsedAt, Expr::value(now()))
            .filter(token::Column::Id.eq(id))
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }

    /// All tokens, or one tenant's, oldest first.
    pub async fn list(&self, tenant: Option<&TenantRecord>) -> Result<Vec<TokenInfo>, StoreError> {
        self.store.credentials().list(tenant).await
    }

    /// Revokes token `id` at once; `NotFound` if there is no such token.
    pub async fn revoke(&self, id: &str) -> Result<(), StoreError> {
        self.store.credentials().revoke::<TokenInfo>(id).await
    }
}

pub(super) fn info(t: token::Model, tenant: String) -> TokenInfo {
    TokenInfo {
        id: t.id,
        tenant,
        label: t.label,
        created_at: t.created_at,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
        last_used_at: t.last_used_at,
    }
}

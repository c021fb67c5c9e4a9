//! Token rotation: a new token for the same tenant and label, and the old one expiring after an
//! overlap, so an IdP can be switched to the new secret without a window where neither works.
use chrono::{DateTime, Duration, Utc};
use entity::{tenant, token};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{TokenInfo, Tokens, info};
use crate::scim::ScimError;
use crate::secrets;
use crate::store::{StoreError, now};

/// The outcome of a rotation: the old token with its new expiry, and the new token with its
/// secret, shown once and never stored.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub old: TokenInfo,
    pub new: TokenInfo,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("no token with id {0:?}")]
    NotFound(String),
    #[error("token {0} is revoked; issue a new token with `scimd token issue` instead")]
    Revoked(String),
    #[error("token {0} has expired; issue a new token with `scimd token issue` instead")]
    Expired(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for RotateError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

/// 404 for an unknown id, 409 for a token that can no longer be rotated.
impl From<RotateError> for ScimError {
    fn from(err: RotateError) -> Self {
        match err {
            RotateError::NotFound(_) => ScimError::not_found(err.to_string()),
            RotateError::Revoked(_) | RotateError::Expired(_) => {
                ScimError::conflict(err.to_string())
            }
            RotateError::Store(e) => e.into(),
        }
    }
}

/// When the old token stops working: after the overlap, but never later than it already would.
fn overlap_expiry(
    current: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    overlap: Duration,
) -> DateTime<Utc> {
    let end = at
        .checked_add_signed(overlap)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    current.map_or(end, |current| current.min(end))
}

impl Tokens<'_> {
    /// Issues a new token for the tenant and label of token `id` and makes `id` expire after
    /// `overlap` (0: now), both in one transaction. `expires_at` is the new token's expiry.
    pub async fn rotate(
        &self,
        id: &str,
        overlap: Duration,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Rotated, RotateError> {
        let secret = secrets::new_token()
            .map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
        let tx = self.store.begin_write().await?;
        let found = token::Entity::find_by_id(id.to_owned())
            .find_also_related(tenant::Entity)
            .one(&tx)
            .await?;
        let Some((old, Some(tenant))) = found else {
            return Err(RotateError::NotFound(id.to_owned()));
        };
        let at = now();
        if old.revoked_at.is_some() {
            return Err(RotateError::Revoked(old.id));
        }
        if old.expires_at.is_some_and(|expires| expires <= at) {
            return Err(RotateError::Expired(old.id));
        }
        let old_expires = overlap_expiry(old.expires_at, at, overlap);
        // The guard makes a revocation that commits between the read and this write win.
        let updated = token::Entity::update_many()
            .col_expr(token::Column::ExpiresAt, Expr::value(old_expires))
            .filter(token::Column::Id.eq(&old.id))
            .filter(token::Column::RevokedAt.is_null())
            .exec(&tx)
            .await?;
        if updated.rows_affected != 1 {
            return Err(RotateError::Revoked(old.id));
        }
        let new = token::Model {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id,
            label: old.label.clone(),
            hash: secrets::token_hash(&secret),
            created_at: at,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        token::Entity::insert(token::ActiveModel::from(new.clone()))
            .exec_without_returning(&tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "token"))?;
        tx.commit().await?;
        let old = token::Model {
            expires_at: Some(old_expires),
            ..old
        };
        Ok(Rotated {
            old: info(old, tenant.name.clone()),
            new: info(new, tenant.name),
            secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::hours(hours)
    }

    #[test]
    fn a_token_without_expiry_expires_after_the_overlap() {
        assert_eq!(overlap_expiry(None, at(10), Duration::hours(24)), at(34));
    }

    #[test]
    fn zero_overlap_expires_now() {
        assert_eq!(
            overlap_expiry(Some(at(100)), at(10), Duration::zero()),
            at(10)
        );
    }

    #[test]
    fn an_earlier_expiry_is_never_extended() {
        assert_eq!(
            overlap_expiry(Some(at(12)), at(10), Duration::hours(24)),
            at(12)
        );
    }

    #[test]
    fn a_huge_overlap_saturates() {
        assert_eq!(
            overlap_expiry(None, at(10), Duration::MAX),
            DateTime::<Utc>::MAX_UTC
        );
    }
}

//! The key scimd signs its OAuth access tokens with: created on first need, shared through
//! the database by every scimd process on it, and cached in memory by id.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entity::signing_key;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Store, StoreError, now};

const PURPOSE: &str = "oauth-access-token";

/// A key's id (the tokens' `kid`) and its HMAC secret.
pub(super) struct SigningKey {
    pub id: String,
    pub secret: Arc<[u8]>,
}

/// Key rows never change and their ids are random UUIDs, so an id names the same secret in
/// any database this process opens, and verifying a token costs no read for its key.
static BY_ID: LazyLock<RwLock<HashMap<String, Arc<[u8]>>>> = LazyLock::new(Default::default);

impl Store {
    /// The current signing key, created if the database has none yet. Two processes creating
    /// it at once race on the unique `purpose`; the loser reads the winner's key.
    pub(super) async fn current_signing_key(&self) -> Result<SigningKey, StoreError> {
        if let Some(key) = self.signing_key_for_purpose().await? {
            return Ok(key);
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
        let model = signing_key::Model {
            id: uuid::Uuid::new_v4().to_string(),
            purpose: PURPOSE.to_owned(),
            algorithm: "HS256".to_owned(),
            secret: STANDARD.encode(secret),
            created_at: now(),
        };
        match signing_key::Entity::insert(signing_key::ActiveModel::from(model))
            .exec_without_returning(&self.writer)
            .await
            .map_err(|e| StoreError::unique_as(e, "signing key"))
        {
            Ok(_) | Err(StoreError::Uniqueness { .. }) => {}
            Err(e) => return Err(e),
        }
        self.signing_key_for_purpose()
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn signing_key_for_purpose(&self) -> Result<Option<SigningKey>, StoreError> {
        let row = signing_key::Entity::find()
            .filter(signing_key::Column::Purpose.eq(PURPOSE))
            .one(&self.writer)
            .await?;
        row.map(|row| {
            let secret = decode(&row)?;
            remember(&row.id, &secret);
            Ok(SigningKey { id: row.id, secret })
        })
        .transpose()
    }

    /// The secret of signing key `id`, if this database has it.
    pub(super) async fn signing_secret(&self, id: &str) -> Result<Option<Arc<[u8]>>, StoreError> {
        if let Some(secret) = BY_ID.read().ok().and_then(|m| m.get(id).cloned()) {
            return Ok(Some(secret));
        }
        let Some(row) = signing_key::Entity::find_by_id(id.to_owned())
            .one(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        let secret = decode(&row)?;
        remember(&row.id, &secret);
        Ok(Some(secret))
    }
}

fn decode(row: &signing_key::Model) -> Result<Arc<[u8]>, StoreError> {
    STANDARD
        .decode(&row.secret)
        .map(Arc::from)
        .map_err(|_| StoreError::Corrupt(format!("signing key {} is not base64", row.id)))
}

fn remember(id: &str, secret: &Arc<[u8]>) {
    if let Ok(mut cache) = BY_ID.write() {
        cache.insert(id.to_owned(), secret.clone());
    }
}

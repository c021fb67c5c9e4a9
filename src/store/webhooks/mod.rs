//! Webhook endpoints (`scimd webhook …`, `/admin/v1/webhooks`): registering, listing,
//! removing, rotating the signing secret, replaying from a seq, and the attempts log.
//! `delivery` holds what the delivery worker needs: due pairs, leases, the cursor.
//!
//! The signing secret is stored as issued (`whsec_…` text): HMAC-SHA256 signing needs the key
//! itself, so unlike bearer tokens it cannot be kept as a hash. It is shown once (add,
//! rotate-secret), never listed, never logged; whoever can read the database can read it.
use chrono::{DateTime, Utc};
use entity::{event_counter, tenant, webhook_attempt, webhook_cursor, webhook_endpoint};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Store, StoreError, TenantId, TenantRecord, now};
use crate::scim::event::TypeFilter;

mod delivery;
#[cfg(test)]
mod tests;

pub use delivery::{Attempt, Claim, Due, Outcome, Pending, Target};

/// How long the secret before a rotation still signs beside the new one.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// A registered endpoint, as `webhook list` and the admin API show it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: String,
    /// The tenant's name; `None` for an endpoint of every tenant.
    pub tenant: Option<String>,
    pub url: String,
    /// Comma-separated event types and prefixes; empty for every type.
    pub event_types: String,
    pub created_at: DateTime<Utc>,
    /// Until when the secret before the last rotation signs too.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_attempt: Option<AttemptRecord>,
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub endpoint_id: String,
    pub tenant: String,
    pub seq: i64,
    pub event_id: String,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub outcome: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The seq lies before what retention kept.
    #[error(
        "events of this tenant up to seq {pruned_through} are past retention; replay from {} or later",
        pruned_through + 1
    )]
    Gone { pruned_through: i64 },
    #[error("the endpoint does not receive this tenant's events")]
    OtherTenant,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ReplayError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

pub struct Webhooks<'a> {
    store: &'a Store,
}

impl Store {
    /// Webhook endpoints and their delivery state.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { store: self }
    }
}

/// A fresh Standard Webhooks secret: `whsec_` and 32 random bytes, base64.
pub fn new_secret() -> Result<String, StoreError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Config(format!("no randomness for a secret: {e}")))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

impl Webhooks<'_> {
    /// Registers an endpoint for `tenant` (every tenant when `None`) and returns it with its
    /// secret. It receives the events committed after now: each existing tenant's cursor
    /// starts at its last seq (a tenant created later starts at its first event).
    pub async fn add(
        &self,
        url: &str,
        tenant: Option<&TenantRecord>,
        types: &str,
    ) -> Result<(WebhookRecord, String), StoreError> {
        let types = event_types(types).map_err(StoreError::Config)?;
        let id = uuid::Uuid::new_v4().to_string();
        let secret = new_secret()?;
        let tx = self.store.begin_write().await?;
        webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel {
            id: Set(id.clone()),
            tenant_id: Set(tenant.map(|t| t.id.get())),
            url: Set(url.to_owned()),
            event_types: Set(types),
            secret: Set(secret.clone()),
            previous_secret: Set(None),
            previous_secret_expires_at: Set(None),
            created_at: Set(now()),
            disabled_at: Set(None),
            disabled_reason: Set(None),
            failing_since: Set(None),
        })
        .exec_without_returning(&tx)
        .await?;
        let tenants: Vec<i64> = match tenant {
            Some(t) => vec![t.id.get()],
            None => {
                tenant::Entity::find()
                    .select_only()
                    .column(tenant::Column::Id)
                    .into_tuple()
                    .all(&tx)
                    .await?
            }
        };
        let counters: Vec<(i64, i64)> = event_counter::Entity::find()
            .select_only()
            .column(event_counter::Column::TenantId)
            .column(event_counter::Column::LastSeq)
            .into_tuple()
            .all(&tx)
            .await?;
        let last = |t: i64| {
            counters
                .iter()
                .find(|(id, _)| *id == t)
                .map_or(0, |(_, seq)| *seq)
        };
        let cursors: Vec<webhook_cursor::ActiveModel> = tenants
            .into_iter()
            .map(|t| cursor_row(&id, t, last(t)))
            .collect();
        for chunk in cursors.chunks(200) {
            webhook_cursor::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok((self.get(&id).await?, secret))
    }

    /// Every endpoint, oldest first.
    pub async fn list(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        let rows = webhook_endpoint::Entity::find()
            .order_by_asc(webhook_endpoint::Column::CreatedAt)
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(&self.store.reader)
            .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            records.push(self.record(row).await?);
        }
        Ok(records)
    }

    pub async fn get(&self, id: &str) -> Result<WebhookRecord, StoreError> {
        let row = self.row(id).await?;
        self.record(row).await
    }

    async fn row(&self, id: &str) -> Result<webhook_endpoint::Model, StoreError> {
        webhook_endpoint::Entity::find_by_id(id.to_owned())
            .one(&self.store.reader)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn record(&self, row: webhook_endpoint::Model) -> Result<WebhookRecord, StoreError> {
        let tenant = match row.tenant_id {
            Some(t) => Some(self.tenant_name(t).await?),
            None => None,
        };
        let last_attempt = self.attempts(&row.id, 1).await?.into_iter().next();
        Ok(WebhookRecord {
            id: row.id,
            tenant,
            url: row.url,
            event_types: row.event_types,
            created_at: row.created_at,
            previous_secret_expires_at: row
                .previous_secret_expires_at
                .filter(|until| *until > Utc::now()),
            disabled_at: row.disabled_at,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            last_attempt,
        })
    }

    async fn tenant_name(&self, id: i64) -> Result<String, StoreError> {
        Ok(tenant::Entity::find_by_id(id)
            .one(&self.store.reader)
            .await?
            .map_or_else(|| format!("#{id}"), |t| t.name))
    }

    /// Removes an endpoint with its cursors and attempts.
    pub async fn remove(&self, id: &str) -> Result<(), StoreError> {
        let tx = self.store.begin_write().await?;
        webhook_attempt::Entity::delete_many()
            .filter(webhook_attempt::Column::EndpointId.eq(id))
            .exec(&tx)
            .await?;
        webhook_cursor::Entity::delete_many()
            .filter(webhook_cursor::Column::EndpointId.eq(id))
            .exec(&tx)
            .await?;
        let gone = webhook_endpoint::Entity::delete_by_id(id.to_owned())
            .exec(&tx)
            .await?;
        if gone.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// A new secret for the endpoint, returned once; the one it replaces still signs for
    /// [`ROTATION_OVERLAP`] (a secret older than that is dropped).
    pub async fn rotate_secret(&self, id: &str) -> Result<String, StoreError> {
        let secret = new_secret()?;
        let tx = self.store.begin_write().await?;
        let row = webhook_endpoint::Entity::find_by_id(id.to_owned())
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut active: webhook_endpoint::ActiveModel = row.clone().into();
        active.previous_secret = Set(Some(row.secret));
        active.previous_secret_expires_at = Set(Some(now() + ROTATION_OVERLAP));
        active.secret = Set(secret.clone());
        webhook_endpoint::Entity::update(active).exec(&tx).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Enables an endpoint a receiver disabled (a 410): delivery resumes where it stopped,
    /// with the event that was refused, and its retry counts start over. Enabling one that is
    /// not disabled changes nothing.
    pub async fn enable(&self, id: &str) -> Result<(), StoreError> {
        let tx = self.store.begin_write().await?;
        let found = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::DisabledAt,
                Expr::value(None::<DateTime<Utc>>),
            )
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(None::<String>),
            )
            .filter(webhook_endpoint::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        if found.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        webhook_cursor::Entity::update_many()
            .col_expr(webhook_cursor::Column::Attempts, Expr::value(0))
            .col_expr(webhook_cursor::Column::NextAttemptAt, Expr::value(0i64))
            .filter(webhook_cursor::Column::EndpointId.eq(id))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Delivers `tenant`'s stored events to the endpoint again from `from_seq` on (the cursor
    /// goes back; its retry count and any lease are reset, so an in-flight delivery stops at
    /// its next step). A disabled endpoint stays disabled until `enable`.
    pub async fn replay(
        &self,
        id: &str,
        tenant: &TenantRecord,
        from_seq: i64,
    ) -> Result<(), ReplayError> {
        let row = self.row(id).await?;
        if row.tenant_id.is_some_and(|t| t != tenant.id.get()) {
            return Err(ReplayError::OtherTenant);
        }
        let pruned_through = event_counter::Entity::find_by_id(tenant.id.get())
            .one(&self.store.reader)
            .await?
            .map_or(0, |c| c.pruned_through);
        let from_seq = from_seq.max(1);
        if from_seq <= pruned_through {
            return Err(ReplayError::Gone { pruned_through });
        }
        let tx = self.store.begin_write().await?;
        webhook_cursor::Entity::insert(cursor_row(id, tenant.id.get(), from_seq - 1))
            .on_conflict(
                OnConflict::columns([
                    webhook_cursor::Column::EndpointId,
                    webhook_cursor::Column::TenantId,
                ])
                .update_columns([
                    webhook_cursor::Column::DeliveredSeq,
                    webhook_cursor::Column::NextAttemptAt,
                    webhook_cursor::Column::Attempts,
                    webhook_cursor::Column::LeaseOwner,
                    webhook_cursor::Column::LeaseUntil,
                ])
                .to_owned(),
            )
            .exec_without_returning(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The endpoint's attempts, newest first.
    pub async fn attempts(&self, id: &str, limit: u64) -> Result<Vec<AttemptRecord>, StoreError> {
        let rows = webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::EndpointId.eq(id))
            .order_by_desc(webhook_attempt::Column::Id)
            .limit(limit)
            .all(&self.store.reader)
            .await?;
        let mut names: Vec<(i64, String)> = Vec::new();
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let tenant = match names.iter().find(|(t, _)| *t == row.tenant_id) {
                Some((_, name)) => name.clone(),
                None => {
                    let name = self.tenant_name(row.tenant_id).await?;
                    names.push((row.tenant_id, name.clone()));
                    name
                }
            };
            records.push(AttemptRecord {
                endpoint_id: row.endpoint_id,
                tenant,
                seq: row.seq,
                event_id: row.event_id,
                attempted_at: row.attempted_at,
                status_code: row.status_code.and_then(|s| u16::try_from(s).ok()),
                latency_ms: row.latency_ms,
                error: row.error,
                outcome: row.outcome,
            });
        }
        Ok(records)
    }

    /// Stops deliveries to the endpoint, saying why (`webhook list` shows it).
    pub async fn disable(&self, id: &str, reason: &str) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::DisabledAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                sea_orm::sea_query::Expr::value(reason.to_owned()),
            )
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::DisabledAt.is_null())
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }
}

/// `--events` as stored: checked (a typo must not silently match nothing), trimmed,
/// comma-separated; empty for every type.
pub fn event_types(text: &str) -> Result<String, String> {
    TypeFilter::parse(text)?;
    Ok(text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .join(","))
}

fn cursor_row(endpoint: &str, tenant: i64, delivered_seq: i64) -> webhook_cursor::ActiveModel {
    webhook_cursor::ActiveModel {
        endpoint_id: Set(endpoint.to_owned()),
        tenant_id: Set(tenant),
        delivered_seq: Set(delivered_seq),
        next_attempt_at: Set(0),
        attempts: Set(0),
        lease_owner: Set(None),
        lease_until: Set(0),
    }
}

/// A tenant id read back from the database, for the worker.
pub(crate) fn tenant_id(id: i64) -> TenantId {
    TenantId(id)
}

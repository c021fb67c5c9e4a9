//! The delivery worker's side of the webhook tables: which (endpoint, tenant) pairs have
//! events due, the lease that lets one process at a time deliver a pair, the cursor, and the
//! attempts log.
//!
//! **The lease.** A pair is claimed with one conditional UPDATE of its cursor row
//! (`SET lease_owner = me, lease_until = now + lease WHERE lease_until < now`): of several
//! processes only one sees a changed row, on SQLite and PostgreSQL alike, and every later
//! write of the cursor (advance, backoff, renewal) is conditional on still owning the lease.
//! So two processes never send events n and n+1 of one pair at once, and a process that died
//! holding a lease delays the pair by at most the lease's length.
use chrono::{DateTime, Utc};
use entity::{event, event_counter, tenant, webhook_attempt, webhook_cursor, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

mod records;

pub use records::{Attempt, Claim, Counter, Due, Outcome, Pending, Target};

use super::{Webhooks, tenant_id};
use crate::scim::event::TypeFilter;
use crate::store::events::Stored;
use crate::store::{StoreError, TenantId, now};

impl Webhooks<'_> {
    /// Whether any endpoint is enabled: with none, a commit gives the worker nothing to do.
    pub async fn any_enabled(&self) -> Result<bool, StoreError> {
        Ok(webhook_endpoint::Entity::find()
            .select_only()
            .column(webhook_endpoint::Column::Id)
            .filter(webhook_endpoint::Column::DisabledAt.is_null())
            .into_tuple::<String>()
            .one(&self.store.reader)
            .await?
            .is_some())
    }

    /// Gives every all-tenant endpoint a cursor for each tenant that has none: tenants
    /// created after the endpoint (the others got one when it was added), starting at their
    /// first event.
    pub async fn ensure_cursors(&self) -> Result<u64, StoreError> {
        const MISSING: &str = "FROM webhook_endpoints e, tenants t \
             WHERE e.tenant_id IS NULL AND e.disabled_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM webhook_cursors c WHERE c.endpoint_id = e.id AND c.tenant_id = t.id)";
        let backend = self.store.writer.get_database_backend();
        // A read first, so the usual case costs no write lock.
        let any = self
            .store
            .reader
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT 1 {MISSING} LIMIT 1"),
            ))
            .await?;
        if any.is_none() {
            return Ok(0);
        }
        let done = self
            .store
            .writer
            .execute_unprepared(&format!(
                "INSERT INTO webhook_cursors \
                 (endpoint_id, tenant_id, delivered_seq, next_attempt_at, attempts, lease_until) \
                 SELECT e.id, t.id, 0, 0, 0, 0 {MISSING} ON CONFLICT DO NOTHING"
            ))
            .await?;
        Ok(done.rows_affected())
    }

    /// Up to `limit` pairs of enabled endpoints with an event after their cursor, whose
    /// backoff has passed and whose lease is free, at `now_ms`.
    pub async fn due(&self, now_ms: i64, limit: u64) -> Result<Vec<Due>, StoreError> {
        let enabled = Query::select()
            .column(webhook_endpoint::Column::Id)
            .from(webhook_endpoint::Entity)
            .and_where(webhook_endpoint::Column::DisabledAt.is_null())
            .to_owned();
        let pending = Query::select()
            .expr(Expr::val(1))
            .from(event::Entity)
            .and_where(
                Expr::col((event::Entity, event::Column::TenantId))
                    .equals((webhook_cursor::Entity, webhook_cursor::Column::TenantId)),
            )
            .and_where(
                Expr::col((event::Entity, event::Column::Seq)).gt(Expr::col((
                    webhook_cursor::Entity,
                    webhook_cursor::Column::DeliveredSeq,
                ))),
            )
            .to_owned();
        let rows: Vec<(String, i64)> = webhook_cursor::Entity::find()
            .select_only()
            .column(webhook_cursor::Column::EndpointId)
            .column(webhook_cursor::Column::TenantId)
            .filter(webhook_cursor::Column::NextAttemptAt.lte(now_ms))
            .filter(webhook_cursor::Column::LeaseUntil.lt(now_ms))
            .filter(webhook_cursor::Column::EndpointId.in_subquery(enabled))
            .filter(Expr::exists(pending))
            .order_by_asc(webhook_cursor::Column::NextAttemptAt)
            .limit(limit)
            .into_tuple()
            .all(&self.store.reader)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(endpoint_id, tenant)| Due {
                endpoint_id,
                tenant: tenant_id(tenant),
            })
            .collect())
    }

    /// Takes the pair's lease until `now_ms + lease_ms` if it is free and its backoff has
    /// passed; `None` when another process holds it (or took it first).
    pub async fn claim(
        &self,
        due: &Due,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Claim>, StoreError> {
        let taken = webhook_cursor::Entity::update_many()
            .col_expr(
                webhook_cursor::Column::LeaseOwner,
                Expr::value(owner.to_owned()),
            )
            .col_expr(
                webhook_cursor::Column::LeaseUntil,
                Expr::value(now_ms + lease_ms),
            )
            .filter(webhook_cursor::Column::EndpointId.eq(due.endpoint_id.as_str()))
            .filter(webhook_cursor::Column::TenantId.eq(due.tenant.get()))
            .filter(webhook_cursor::Column::LeaseUntil.lt(now_ms))
            .filter(webhook_cursor::Column::NextAttemptAt.lte(now_ms))
            .exec(&self.store.writer)
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        let Some(row) =
            webhook_cursor::Entity::find_by_id((due.endpoint_id.clone(), due.tenant.get()))
                .one(&self.store.reader)
                .await?
        else {
            return Ok(None);
        };
        Ok(Some(Claim {
            endpoint_id: row.endpoint_id,
            tenant: due.tenant,
            owner: owner.to_owned(),
            delivered_seq: row.delivered_seq,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
        }))
    }

    /// Extends the lease to `until_ms`; `false` when it was lost (a replay reset it, or it
    /// expired and another process took it): the caller must stop.
    pub async fn renew(&self, claim: &Claim, until_ms: i64) -> Result<bool, StoreError> {
        let done = held(claim)
            .col_expr(webhook_cursor::Column::LeaseUntil, Expr::value(until_ms))
            .exec(&self.store.writer)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Moves the cursor past `seq` (delivered, given up, or filtered out) with no failed
    /// attempts; `false` when the lease was lost.
    pub async fn advance(&self, claim: &mut Claim, seq: i64) -> Result<bool, StoreError> {
        advance(&self.store.writer, claim, seq).await
    }

    /// Records delivered attempts (of consecutive events, in order) and moves the cursor past
    /// the last, in one transaction: one commit for a run of deliveries, not two per event.
    /// `false` when the lease was lost.
    pub async fn delivered(
        &self,
        claim: &mut Claim,
        attempts: Vec<Attempt<'_>>,
    ) -> Result<bool, StoreError> {
        let Some(seq) = attempts.last().map(|a| a.seq) else {
            return Ok(true);
        };
        let tx = self.store.begin_write().await?;
        for chunk in attempts.chunks(200) {
            webhook_attempt::Entity::insert_many(chunk.iter().cloned().map(row))
                .exec_without_returning(&tx)
                .await?;
        }
        let held = advance(&tx, claim, seq).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// After a failed attempt: counts it, sets when the next one is due, and lets the lease go.
    pub async fn defer(
        &self,
        claim: &Claim,
        attempts: u32,
        next_attempt_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = held(claim)
            .col_expr(
                webhook_cursor::Column::Attempts,
                Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)),
            )
            .col_expr(
                webhook_cursor::Column::NextAttemptAt,
                Expr::value(next_attempt_ms),
            )
            .col_expr(
                webhook_cursor::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(webhook_cursor::Column::LeaseUntil, Expr::value(0i64))
            .exec(&self.store.writer)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Lets the lease go (nothing more to send, or shutdown).
    pub async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        held(claim)
            .col_expr(
                webhook_cursor::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(webhook_cursor::Column::LeaseUntil, Expr::value(0i64))
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }

    /// The endpoint as the sender needs it; `None` when it was removed.
    pub async fn target(&self, id: &str) -> Result<Option<Target>, StoreError> {
        let Some(row) = webhook_endpoint::Entity::find_by_id(id.to_owned())
            .one(&self.store.reader)
            .await?
        else {
            return Ok(None);
        };
        let types = TypeFilter::parse(&row.event_types).map_err(StoreError::Corrupt)?;
        let mut secrets = vec![row.secret];
        if let (Some(previous), Some(until)) = (row.previous_secret, row.previous_secret_expires_at)
            && until > Utc::now()
        {
            secrets.push(previous);
        }
        Ok(Some(Target {
            id: row.id,
            url: row.url,
            types,
            secrets,
            disabled: row.disabled_at.is_some(),
            failing_since: row.failing_since,
        }))
    }

    /// Up to `limit` of the tenant's events after `after` that `types` admits, oldest first,
    /// and the tenant's counter read before them: when no event is returned, the cursor may
    /// move to its `last_seq` (everything up to it is filtered out); a cursor below its
    /// `pruned_through` missed events retention deleted.
    pub async fn next_events(
        &self,
        tenant: TenantId,
        after: i64,
        types: &TypeFilter,
        limit: u64,
    ) -> Result<(Vec<Stored>, Counter), StoreError> {
        // Read first: seqs commit in order, so every event up to it is visible below.
        let counter = event_counter::Entity::find_by_id(tenant.get())
            .one(&self.store.reader)
            .await?
            .map_or(Counter::default(), |c| Counter {
                last_seq: c.last_seq,
                pruned_through: c.pruned_through,
            });
        let mut query = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant.get()))
            .filter(event::Column::Seq.gt(after))
            .order_by_asc(event::Column::Seq)
            .limit(limit);
        if types != &TypeFilter::default() {
            query = query.filter(event::Column::EventType.is_in(types.types()));
        }
        let events = query
            .all(&self.store.reader)
            .await?
            .into_iter()
            .map(|row| Stored {
                seq: row.seq,
                id: row.id,
                event_type: row.event_type,
                envelope: row.envelope,
            })
            .collect();
        Ok((
            events,
            Counter {
                last_seq: std::cmp::max(counter.last_seq, after),
                ..counter
            },
        ))
    }

    /// The tenant's name, for logs.
    pub async fn tenant_label(&self, tenant: TenantId) -> Result<String, StoreError> {
        Ok(tenant::Entity::find_by_id(tenant.get())
            .one(&self.store.reader)
            .await?
            .map_or_else(|| tenant.to_string(), |t| t.name))
    }

    pub async fn record_attempt(&self, attempt: Attempt<'_>) -> Result<(), StoreError> {
        record(&self.store.writer, attempt).await
    }

    /// Deletes the attempts recorded before `before`; returns how many went.
    pub async fn prune_attempts(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(webhook_attempt::Entity::delete_many()
            .filter(webhook_attempt::Column::AttemptedAt.lt(before))
            .exec(&self.store.writer)
            .await?
            .rows_affected)
    }

    /// Marks the endpoint failing from now on, unless it already is.
    pub async fn mark_failing(&self, id: &str) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(now()))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::FailingSince.is_null())
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }

    /// A success: the endpoint is no longer failing.
    pub async fn mark_healthy(&self, id: &str) -> Result<(), StoreError> {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::FailingSince.is_not_null())
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }

    /// Per pair of an enabled endpoint with something undelivered: how many events lie
    /// after its cursor (every type; the filter is applied when sending, and pruned events
    /// count until the cursor passes them) and when the first of them occurred. Two queries
    /// and one primary-key lookup per lagging pair.
    pub async fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let enabled = Query::select()
            .column(webhook_endpoint::Column::Id)
            .from(webhook_endpoint::Entity)
            .and_where(webhook_endpoint::Column::DisabledAt.is_null())
            .to_owned();
        let cursors: Vec<(i64, i64)> = webhook_cursor::Entity::find()
            .select_only()
            .column(webhook_cursor::Column::TenantId)
            .column(webhook_cursor::Column::DeliveredSeq)
            .filter(webhook_cursor::Column::EndpointId.in_subquery(enabled))
            .into_tuple()
            .all(&self.store.reader)
            .await?;
        let last: std::collections::HashMap<i64, i64> = event_counter::Entity::find()
            .select_only()
            .column(event_counter::Column::TenantId)
            .column(event_counter::Column::LastSeq)
            .into_tuple::<(i64, i64)>()
            .all(&self.store.reader)
            .await?
            .into_iter()
            .collect();
        let mut pending = Vec::new();
        for (tenant, delivered) in cursors {
            let behind = last.get(&tenant).copied().unwrap_or(0) - delivered;
            if behind <= 0 {
                continue;
            }
            let oldest: Option<DateTime<Utc>> = event::Entity::find()
                .select_only()
                .column(event::Column::OccurredAt)
                .filter(event::Column::TenantId.eq(tenant))
                .filter(event::Column::Seq.gt(delivered))
                .order_by_asc(event::Column::Seq)
                .into_tuple()
                .one(&self.store.reader)
                .await?;
            pending.push(Pending {
                events: behind,
                oldest,
            });
        }
        Ok(pending)
    }
}

/// The cursor row of a held claim, conditional on still holding it.
fn held(claim: &Claim) -> sea_orm::UpdateMany<webhook_cursor::Entity> {
    webhook_cursor::Entity::update_many()
        .filter(webhook_cursor::Column::EndpointId.eq(claim.endpoint_id.as_str()))
        .filter(webhook_cursor::Column::TenantId.eq(claim.tenant.get()))
        .filter(webhook_cursor::Column::LeaseOwner.eq(claim.owner.as_str()))
}

async fn advance<C: ConnectionTrait>(
    conn: &C,
    claim: &mut Claim,
    seq: i64,
) -> Result<bool, StoreError> {
    let done = held(claim)
        .col_expr(webhook_cursor::Column::DeliveredSeq, Expr::value(seq))
        .col_expr(webhook_cursor::Column::Attempts, Expr::value(0))
        .col_expr(webhook_cursor::Column::NextAttemptAt, Expr::value(0i64))
        .exec(conn)
        .await?;
    claim.delivered_seq = seq;
    claim.attempts = 0;
    Ok(done.rows_affected == 1)
}

async fn record<C: ConnectionTrait>(conn: &C, attempt: Attempt<'_>) -> Result<(), StoreError> {
    webhook_attempt::Entity::insert(row(attempt))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn row(attempt: Attempt<'_>) -> webhook_attempt::ActiveModel {
    webhook_attempt::ActiveModel {
        endpoint_id: Set(attempt.endpoint_id.to_owned()),
        tenant_id: Set(attempt.tenant.get()),
        seq: Set(attempt.seq),
        event_id: Set(attempt.event_id.to_owned()),
        attempted_at: Set(attempt.attempted_at),
        status_code: Set(attempt.status_code.map(i32::from)),
        latency_ms: Set(attempt.latency_ms),
        error: Set(attempt.error),
        outcome: Set(attempt.outcome.as_str().to_owned()),
        ..Default::default()
    }
}

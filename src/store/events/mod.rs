//! The change-event outbox (shared/DESIGN.md "One commit seam"): the write seam hands each
//! committed change's [`Change`]s to `append` inside its own transaction, so an event
//! exists exactly when its change committed. `feed` reads them back in `seq` order.
//!
//! `seq` is per tenant and follows commit order with no gaps a reader can see: `append`
//! takes its seqs by updating the tenant's `event_counters` row, which a concurrent writer of
//! the same tenant then waits on until this transaction ends (a row lock on PostgreSQL, the
//! single writer on SQLite). A later seq therefore never commits before an earlier one, and
//! a rolled-back writer's seqs are taken again by the next one.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{event, event_counter, tenant};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryTrait};

use super::activity::{self, Slot, Subject, Summary};
use super::{Store, StoreError, TenantId, now};
use crate::scim::event::{Actor, Change, Envelope, Render};
use crate::scim::schema::{Registry, ResourceKind};

mod feed;
mod one_call;
mod wait;

pub use feed::{Events, FeedError, Page, Stored};
pub use wait::{EventSignal, POLL_INTERVAL};

/// Where a write comes from, for the events it makes: who, which request, and how a GET
/// would render the resource (the tenant's registry, the request's base URL).
#[derive(Debug, Clone)]
pub struct Origin {
    pub actor: Actor,
    pub request_id: Option<String>,
    /// The tenant's name, when the caller knows it (the auth extractor does).
    pub tenant_name: Option<String>,
    /// The SCIM base URL for `meta.location` in `data`.
    pub base: Option<String>,
    /// The tenant's registry; `None` reads it from the database.
    pub registry: Option<Arc<Registry>>,
    /// The SCIM request's activity record, written with the change it makes; `None` for
    /// writes no SCIM request made.
    pub activity: Option<Slot>,
}

impl Origin {
    /// A write that no SCIM request made: `cli`, `import` or `admin`.
    pub fn named(label: &str) -> Self {
        Self {
            actor: Actor::named(label),
            request_id: None,
            tenant_name: None,
            base: None,
            registry: None,
            activity: None,
        }
    }
}

/// An [`Origin`] with everything the outbox needs filled in, for one write.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub origin: Arc<Origin>,
    pub tenant_name: String,
    pub registry: Arc<Registry>,
}

impl Resolved {
    /// After the commit: the request's record is written, nothing is left for the middleware
    /// to write.
    pub fn committed(&self) {
        if let Some(slot) = &self.origin.activity {
            slot.update(|draft| draft.recorded = true);
        }
    }

    pub fn render(&self, kind: ResourceKind) -> Render<'_> {
        Render {
            rt: self.registry.resource_type(kind),
            base: self.origin.base.as_deref(),
        }
    }
}

impl Store {
    /// Fills in what `origin` leaves out (before the write's transaction starts).
    pub(crate) async fn resolve_origin(
        &self,
        tenant: TenantId,
        origin: Option<&Arc<Origin>>,
    ) -> Result<Resolved, StoreError> {
        let origin = origin
            .cloned()
            .unwrap_or_else(|| Arc::new(Origin::named("cli")));
        let tenant_name = match &origin.tenant_name {
            Some(name) => name.clone(),
            None => {
                tenant::Entity::find_by_id(tenant.get())
                    .one(&self.reader)
                    .await?
                    .ok_or(StoreError::NotFound)?
                    .name
            }
        };
        let registry = match &origin.registry {
            Some(registry) => Arc::clone(registry),
            None => Arc::new(self.schemas().registry(tenant).await?),
        };
        Ok(Resolved {
            origin,
            tenant_name,
            registry,
        })
    }
}

impl Store {
    /// Commits a write that appended events, then wakes this process's feed readers (other
    /// processes' readers find them by polling).
    pub(crate) async fn commit_events(
        &self,
        tx: sea_orm::DatabaseTransaction,
    ) -> Result<(), sea_orm::DbErr> {
        tx.commit().await?;
        self.notify_events();
        Ok(())
    }
}

/// [`append`] for the change one SCIM request made to `subject`, with the request's activity
/// record (when a request made it) in the same transaction. The events and the record go to
/// the database together — on PostgreSQL in one statement (`WITH … INSERT`), on SQLite as two
/// statements in one call: each call is a round trip (to the server, or to SQLite's
/// connection thread), and the record would otherwise cost one more per write.
pub(crate) async fn append_recorded<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
    subject: Subject,
) -> Result<Vec<i64>, StoreError> {
    let Some(slot) = &resolved.origin.activity else {
        return append(conn, tenant, resolved, changes).await;
    };
    let summary = Summary::of(&changes);
    if (1..=one_call::MAX_EVENTS).contains(&changes.len()) {
        let record = activity::recorded(slot, tenant, subject, summary, Vec::new());
        return one_call::append(conn, tenant, resolved, changes, Some(record)).await;
    }
    // Hundreds of events from one request (a group created with its members): the counter
    // first, then the events in chunks, then the record with every seq.
    let (rows, seqs) = reserve_rows(conn, tenant, resolved, changes).await?;
    let record = activity::recorded(slot, tenant, subject, summary, seqs.clone());
    let record = entity::activity::Entity::insert(record).build(conn.get_database_backend());
    insert_rows(conn, rows).await?;
    conn.execute_raw(record).await?;
    Ok(seqs)
}

/// Writes `changes` as the tenant's next events, in order, inside the caller's transaction;
/// returns their seqs. Nothing to write writes nothing (and takes no seq).
pub(crate) async fn append<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
) -> Result<Vec<i64>, StoreError> {
    // A /Bulk run's or an import's many events: one call per chunk, each taking the next seqs
    // of the same transaction.
    let mut seqs = Vec::with_capacity(changes.len());
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let chunk: Vec<Change> = changes.by_ref().take(one_call::MAX_EVENTS).collect();
        seqs.extend(one_call::append(conn, tenant, resolved, chunk, None).await?);
    }
    Ok(seqs)
}

/// The event rows of `changes` with the seqs they take (none for no change).
async fn reserve_rows<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    resolved: &Resolved,
    changes: Vec<Change>,
) -> Result<(Vec<event::ActiveModel>, Vec<i64>), StoreError> {
    if changes.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let n = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    let last = reserve(conn, tenant, n).await?;
    let at = now();
    let first = last - n + 1;
    let rows: Vec<event::ActiveModel> = changes
        .into_iter()
        .zip(first..)
        .map(|(change, seq)| row(tenant, resolved, change, seq, at))
        .collect::<Result<_, _>>()?;
    Ok((rows, (first..=last).collect()))
}

async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<event::ActiveModel>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(200) {
        event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn row(
    tenant: TenantId,
    resolved: &Resolved,
    change: Change,
    seq: i64,
    at: DateTime<Utc>,
) -> Result<event::ActiveModel, StoreError> {
    let rendered = Rendered::of(change, resolved, seq, at)?;
    Ok(event::ActiveModel {
        tenant_id: Set(tenant.get()),
        seq: Set(seq),
        id: Set(rendered.id),
        event_type: Set(rendered.event_type),
        resource_type: Set(rendered.resource_type),
        resource_id: Set(rendered.resource_id),
        occurred_at: Set(at),
        envelope: Set(rendered.envelope),
    })
}

/// One event as stored: a new id, the columns it is found by, and its envelope's text.
struct Rendered {
    id: String,
    event_type: String,
    resource_type: String,
    resource_id: String,
    envelope: String,
}

impl Rendered {
    fn of(
        change: Change,
        resolved: &Resolved,
        seq: i64,
        at: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let (event_type, resource_type, resource_id) = (
            change.event_type.as_str().to_owned(),
            change.resource.kind.clone(),
            change.resource.id.clone(),
        );
        let envelope = Envelope::new(
            change,
            id.clone(),
            &resolved.tenant_name,
            seq,
            at,
            &resolved.origin.actor,
            resolved.origin.request_id.as_deref(),
        );
        let envelope = serde_json::to_string(&envelope)
            .map_err(|e| StoreError::Corrupt(format!("event envelope: {e}")))?;
        Ok(Self {
            id,
            event_type,
            resource_type,
            resource_id,
            envelope,
        })
    }
}

/// Advances the tenant's counter by `n` and returns its new value, the last of the `n` seqs.
/// The row is created on first use (tenants made before or after the migration alike).
async fn reserve<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    n: i64,
) -> Result<i64, StoreError> {
    let insert = Query::insert()
        .into_table(event_counter::Entity)
        .columns([
            event_counter::Column::TenantId,
            event_counter::Column::LastSeq,
            event_counter::Column::PrunedThrough,
        ])
        .values_panic([tenant.get().into(), n.into(), 0i64.into()])
        .on_conflict(
            OnConflict::column(event_counter::Column::TenantId)
                .value(
                    event_counter::Column::LastSeq,
                    Expr::col((event_counter::Entity, event_counter::Column::LastSeq)).add(n),
                )
                .to_owned(),
        )
        .returning_col(event_counter::Column::LastSeq)
        .to_owned();
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(backend.build(&insert))
        .await?
        .ok_or_else(|| StoreError::Corrupt("the event counter returned no row".to_owned()))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

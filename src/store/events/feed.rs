//! Reading the outbox: a tenant's events after a `seq`, oldest first (the change feed and the
//! webhook sender), and pruning past retention.
use chrono::{DateTime, Utc};
use entity::{event, event_counter};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::scim::event::TypeFilter;
use crate::store::{Store, StoreError, TenantId};

/// Events of one tenant, as stored: `envelope` is the JSON text delivered byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub events: Vec<Stored>,
    /// Where the next request starts: the seq of the last event returned, or, when the page
    /// is not full, the tenant's last seq at the time of the read (the events between that a
    /// `types` filter left out need not be scanned again).
    pub after: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub envelope: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// `after` lies before what retention kept: the reader missed events for good.
    #[error("events up to seq {pruned_through} are past retention")]
    Gone { pruned_through: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for FeedError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

pub struct Events<'a> {
    pub(super) store: &'a Store,
}

impl Store {
    /// The change-event outbox, for reading.
    pub fn events(&self) -> Events<'_> {
        Events { store: self }
    }
}

impl Events<'_> {
    /// Up to `limit` events of `tenant` with a seq above `after` that `types` admits, oldest
    /// first. `after = 0` starts at the first retained event; an `after` below what
    /// retention pruned is [`FeedError::Gone`].
    pub async fn after(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
        types: &TypeFilter,
    ) -> Result<Page, FeedError> {
        let counter = self.counter(tenant).await?;
        if after > 0 && after < counter.pruned_through {
            return Err(FeedError::Gone {
                pruned_through: counter.pruned_through,
            });
        }
        let mut query = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant.get()))
            .filter(event::Column::Seq.gt(after))
            .order_by_asc(event::Column::Seq)
            .limit(limit);
        if types != &TypeFilter::default() {
            query = query.filter(event::Column::EventType.is_in(types.types()));
        }
        let events: Vec<Stored> = query
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
        let mut next = events.last().map_or(after, |e| e.seq);
        // A page that is not full holds every match up to the counter read before it, so a
        // reader filtering on types moves past the events it does not want (and is not sent a
        // false 410 a month later for an `after` that only other types went past).
        if (events.len() as u64) < limit {
            next = next.max(counter.last_seq);
        }
        Ok(Page {
            events,
            after: next,
        })
    }

    /// The tenant's last seq (0 before its first event).
    pub async fn last_seq(&self, tenant: TenantId) -> Result<i64, StoreError> {
        Ok(self.counter(tenant).await?.last_seq)
    }

    async fn counter(&self, tenant: TenantId) -> Result<event_counter::Model, StoreError> {
        Ok(event_counter::Entity::find_by_id(tenant.get())
            .one(&self.store.reader)
            .await?
            .unwrap_or(event_counter::Model {
                tenant_id: tenant.get(),
                last_seq: 0,
                pruned_through: 0,
            }))
    }

    /// Deletes every tenant's events that occurred before `before`, remembering per tenant
    /// the last seq gone; returns how many went.
    ///
    /// Each tenant's events are walked in seq order from the oldest (the primary key; there is
    /// no index on time, which every event would pay for) and deleted up to the first one that
    /// is recent enough: by seq, not by time, so a clock step back never leaves a hole below a
    /// kept event.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let counters = event_counter::Entity::find()
            .all(&self.store.reader)
            .await?;
        let mut removed = 0;
        for counter in counters {
            let Some(through) = self.last_before(&counter, before).await? else {
                continue;
            };
            // Looked for on the reader first: most passes find nothing, and then take no
            // write lock, which on SQLite would hold up every writer.
            let tx = self.store.begin_write().await?;
            removed += event::Entity::delete_many()
                .filter(event::Column::TenantId.eq(counter.tenant_id))
                .filter(event::Column::Seq.lte(through))
                .exec(&tx)
                .await?
                .rows_affected;
            event_counter::Entity::update_many()
                .col_expr(event_counter::Column::PrunedThrough, Expr::value(through))
                .filter(event_counter::Column::TenantId.eq(counter.tenant_id))
                .filter(event_counter::Column::PrunedThrough.lt(through))
                .exec(&tx)
                .await?;
            tx.commit().await?;
        }
        Ok(removed)
    }

    /// The seq of the last of the tenant's oldest events that all occurred before `before`:
    /// how far retention may delete. `None` when its oldest event is recent enough.
    async fn last_before(
        &self,
        counter: &event_counter::Model,
        before: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        const STEP: u64 = 1_000;
        let mut after = counter.pruned_through;
        let mut through = None;
        loop {
            let oldest: Vec<(i64, DateTime<Utc>)> = event::Entity::find()
                .select_only()
                .column(event::Column::Seq)
                .column(event::Column::OccurredAt)
                .filter(event::Column::TenantId.eq(counter.tenant_id))
                .filter(event::Column::Seq.gt(after))
                .order_by_asc(event::Column::Seq)
                .limit(STEP)
                .into_tuple()
                .all(&self.store.reader)
                .await?;
            let old = oldest.iter().take_while(|(_, at)| *at < before).count();
            if old == 0 {
                return Ok(through);
            }
            after = oldest[old - 1].0;
            through = Some(after);
            if old < oldest.len() || (oldest.len() as u64) < STEP {
                return Ok(through);
            }
        }
    }
}

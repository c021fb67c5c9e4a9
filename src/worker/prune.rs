//! The retention worker: removes change events older than `SCIMD_EVENT_RETENTION` (30 d) from
//! the outbox and activity records older than `SCIMD_ACTIVITY_RETENTION` (30 d) from the
//! activity log, once at start and then every [`DEFAULT_INTERVAL`]. A feed reader asking after
//! a removed event gets 410 (`store::events`, `FeedError::Gone`).
//!
//! Several processes on one database may prune at once: the deletions are idempotent, and
//! each pass is short write transactions.
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Shutdown;
use crate::store::{Store, StoreError};

/// `SCIMD_EVENT_RETENTION`'s and `SCIMD_ACTIVITY_RETENTION`'s default: 30 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// How often the worker prunes (retention is days; a few minutes late is nothing).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub events: Duration,
    pub activity: Duration,
}

/// `retention` before now; `None` when that is before the calendar starts (keep everything).
fn cutoff(retention: Duration) -> Option<DateTime<Utc>> {
    let keep = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    Utc::now().checked_sub_signed(keep)
}

/// One pass over the outbox: removes every tenant's events that occurred more than
/// `retention` ago. Returns how many went, and logs it when some did.
pub async fn prune(store: &Store, retention: Duration) -> Result<u64, StoreError> {
    let Some(before) = cutoff(retention) else {
        return Ok(0);
    };
    let removed = store.events().prune(before).await?;
    if removed > 0 {
        tracing::info!(
            removed,
            before = %before.to_rfc3339(),
            "pruned change events past SCIMD_EVENT_RETENTION"
        );
    }
    Ok(removed)
}

/// One pass over the activity log, as [`prune`] over the outbox.
pub async fn prune_activity(store: &Store, retention: Duration) -> Result<u64, StoreError> {
    let Some(before) = cutoff(retention) else {
        return Ok(0);
    };
    let removed = store.activity().prune(before).await?;
    if removed > 0 {
        tracing::info!(
            removed,
            before = %before.to_rfc3339(),
            "pruned activity records past SCIMD_ACTIVITY_RETENTION"
        );
    }
    Ok(removed)
}

async fn pass(store: &Store, retention: Retention) {
    if let Err(e) = prune(store, retention.events).await {
        tracing::error!(error = %e, "pruning change events failed");
    }
    if let Err(e) = prune_activity(store, retention.activity).await {
        tracing::error!(error = %e, "pruning activity records failed");
    }
}

/// The worker: a pass at start, then one every `interval`, until shutdown. A pass that fails
/// (the database, say) is logged and the next one tried.
pub async fn run_until_stopped(
    store: Store,
    retention: Retention,
    interval: Duration,
    mut shutdown: Shutdown,
) {
    let interval = interval.max(Duration::from_millis(10));
    loop {
        tokio::select! {
            () = pass(&store, retention) => {}
            () = shutdown.requested() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.requested() => return,
        }
    }
}

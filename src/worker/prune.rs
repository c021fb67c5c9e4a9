//! The event retention worker: removes change events older than `SCIMD_EVENT_RETENTION`
//! (30 d) from the outbox, once at start and then every [`DEFAULT_INTERVAL`]. A feed reader
//! asking after a removed event gets 410 (`store::events`, `FeedError::Gone`).
//!
//! Several processes on one database may prune at once: the deletions are idempotent, and
//! each pass is one short write transaction.
use std::time::Duration;

use chrono::Utc;

use super::Shutdown;
use crate::store::{Store, StoreError};

/// `SCIMD_EVENT_RETENTION`'s default: 30 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// How often the worker prunes (retention is days; a few minutes late is nothing).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// One pass: removes every tenant's events that occurred more than `retention` ago. Returns
/// how many went, and logs it when some did.
pub async fn prune(store: &Store, retention: Duration) -> Result<u64, StoreError> {
    let keep = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let Some(before) = Utc::now().checked_sub_signed(keep) else {
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

/// The worker: a pass at start, then one every `interval`, until shutdown. A pass that fails
/// (the database, say) is logged and the next one tried.
pub async fn run_until_stopped(
    store: Store,
    retention: Duration,
    interval: Duration,
    mut shutdown: Shutdown,
) {
    let interval = interval.max(Duration::from_millis(10));
    loop {
        tokio::select! {
            result = prune(&store, retention) => {
                if let Err(e) = result {
                    tracing::error!(error = %e, "pruning change events failed");
                }
            }
            () = shutdown.requested() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.requested() => return,
        }
    }
}

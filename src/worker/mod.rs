//! Background work beside the HTTP server, in zero2prod's shape (`issue_delivery_worker.rs`):
//! each worker is a plain tokio task with a module of its own, holding the store and never HTTP
//! state. `startup` starts them with the server ([`Workers::start`]) and stops them with it
//! ([`Workers::stop`]), through one shutdown signal.
//!
//! - [`delivery`]: sends the outbox's events to webhook endpoints, polling every ~200 ms.
//! - [`jwks`]: fetches again the JWKS of trusts added with `--jwks-url`, every
//!   `SCIMD_JWKS_REFRESH` (and, through [`jwks::Refresher`], when a token names an unknown kid).
//! - [`prune`]: removes change events past `SCIMD_EVENT_RETENTION` and activity records past
//!   `SCIMD_ACTIVITY_RETENTION`, at start and every few minutes.
//! - [`activity_log`]: writes the activity records that need not commit with a change, in
//!   batches.
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::store::Store;

pub mod activity_log;
pub mod delivery;
pub mod jwks;
pub mod prune;

/// What the workers need to know.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How often each trust's JWKS URL is fetched again (`SCIMD_JWKS_REFRESH`).
    pub jwks_refresh: Duration,
    /// How long change events stay in the feed (`SCIMD_EVENT_RETENTION`).
    pub event_retention: Duration,
    /// How long activity records are kept (`SCIMD_ACTIVITY_RETENTION`).
    pub activity_retention: Duration,
    /// How often events and activity records past retention are removed (tests shorten it).
    pub prune_interval: Duration,
    /// Webhook delivery (`SCIMD_WEBHOOK_*`).
    pub delivery: delivery::DeliverySettings,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            jwks_refresh: jwks::DEFAULT_INTERVAL,
            event_retention: prune::DEFAULT_RETENTION,
            activity_retention: prune::DEFAULT_RETENTION,
            prune_interval: prune::DEFAULT_INTERVAL,
            delivery: delivery::DeliverySettings::default(),
        }
    }
}

/// The running workers of a process.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

/// A worker's end of the shutdown signal.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Resolves once shutdown is requested (or the sender is gone).
    pub async fn requested(&mut self) {
        // An error means the sender was dropped: stop too.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

impl Workers {
    /// Spawns every worker on the current tokio runtime.
    pub fn start(store: &Store, settings: &WorkerSettings, activity: activity_log::Queue) -> Self {
        let (stop, signal) = watch::channel(false);
        let mut tasks = JoinSet::new();
        tasks.spawn(activity_log::run_until_stopped(
            store.clone(),
            activity,
            Shutdown(signal.clone()),
        ));
        let refresher = jwks::Refresher::new(store.clone(), settings.jwks_refresh);
        tasks.spawn(jwks::run_until_stopped(refresher, Shutdown(signal.clone())));
        tasks.spawn(delivery::run_until_stopped(
            store.clone(),
            settings.delivery.clone(),
            Shutdown(signal.clone()),
        ));
        tasks.spawn(prune::run_until_stopped(
            store.clone(),
            prune::Retention {
                events: settings.event_retention,
                activity: settings.activity_retention,
            },
            settings.prune_interval,
            Shutdown(signal),
        ));
        Self { stop, tasks }
    }

    /// Resolves when a worker ends before shutdown — a bug, since workers log their errors and
    /// go on — and says which way it ended.
    pub async fn ended(&mut self) -> Option<Result<(), tokio::task::JoinError>> {
        self.tasks.join_next().await
    }

    /// Signals shutdown and waits for every worker to finish its step.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while let Some(ended) = self.tasks.join_next().await {
            if let Err(e) = ended {
                tracing::error!(error = %e, "a worker failed");
            }
        }
    }
}

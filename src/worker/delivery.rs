//! The webhook delivery worker: drains the outbox (`events`) to every enabled endpoint,
//! looking for (endpoint, tenant) pairs with an event after their cursor at once when this
//! process commits events, and every ~200 ms for other processes' commits.
//!
//! - **Claimed per pair.** A pair is leased in the database (`store::webhooks` delivery) before
//!   anything is sent, so several scimd processes on one database share the work and never
//!   send events n and n+1 of a pair at once; different pairs are delivered concurrently
//!   (up to [`DeliverySettings::concurrency`] per process) and never wait for each other.
//! - **Ordered, at least once.** A pair's events go strictly in seq order: n+1 is sent after
//!   n succeeded (2xx) or was given up. The cursor moves only after the answer, so a crash
//!   between them sends the event again, with the same `webhook-id` for the receiver to
//!   dedupe on.
//! - **Retries** follow `SCIMD_WEBHOOK_RETRY_SCHEDULE` with jitter (`schedule`); a
//!   `Retry-After` on 429 or 503 replaces the next delay (up to the schedule's longest); after
//!   the last retry the event is given up (recorded) and the next one is sent. 410 disables
//!   the endpoint; so does failing continuously for 5 days.
//! - **The attempts log** keeps 30 days; older attempts are deleted hourly.
//! - **Metrics**: attempts by outcome as they happen; backlog and oldest undelivered age
//!   computed here every few seconds, never when `/metrics` is scraped.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::task::JoinSet;

use super::Shutdown;
use crate::store::webhooks::{Attempt, Claim, Due, Outcome};
use crate::store::{Store, StoreError};
use crate::telemetry::metrics;

pub mod schedule;
pub mod sender;
pub mod signer;
mod verdict;

pub use schedule::Schedule;
pub use sender::{ALLOW_PRIVATE, Answer, Sender, UrlError, check_url};
use verdict::{failed_too_long, outcome, pruned, retry_after, status_error};

/// What the delivery worker needs to know.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// `SCIMD_WEBHOOK_ALLOW_PRIVATE`: allow destinations on private addresses (and plain http).
    pub allow_private: bool,
    /// `SCIMD_WEBHOOK_RETRY_SCHEDULE`.
    pub schedule: Schedule,
    /// The whole attempt, connecting included.
    pub timeout: Duration,
    /// How long a claim on a pair lasts without renewal (renewed before a send when less
    /// than a timeout and 2 s of it is left);
    /// a process that died holding one delays that pair by this much at most.
    pub lease: Duration,
    /// How often the worker looks for due work.
    pub poll: Duration,
    /// An endpoint failing continuously this long is disabled.
    pub disable_after: Duration,
    /// Pairs delivered at once by one process.
    pub concurrency: usize,
    /// How often the backlog gauges are computed.
    pub metrics_every: Duration,
    /// How long recorded attempts are kept (the attempts log is pruned hourly).
    pub attempts_retention: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            schedule: Schedule::default(),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(200),
            disable_after: Duration::from_secs(5 * 86_400),
            concurrency: 16,
            metrics_every: Duration::from_secs(5),
            attempts_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Deliveries recorded (and the cursor moved) together at most this many …
const FLUSH_SIZE: usize = 50;
/// … or this long after the first of them.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The shortest time between two looks for due work.
const MIN_GAP: Duration = Duration::from_millis(20);

/// How often recorded attempts past [`DeliverySettings::attempts_retention`] are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The worker, until shutdown. Errors (the database, say) are logged and the next poll tried.
pub async fn run_until_stopped(store: Store, settings: DeliverySettings, mut shutdown: Shutdown) {
    let sender = match Sender::new(settings.allow_private, settings.timeout) {
        Ok(sender) => sender,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery cannot start: no HTTP client");
            return shutdown.requested().await;
        }
    };
    let owner = uuid::Uuid::new_v4().to_string();
    let mut deliveries: JoinSet<Due> = JoinSet::new();
    let mut active: HashMap<Due, Claim> = HashMap::new();
    let mut measured = Instant::now() - settings.metrics_every;
    let mut pruned: Option<Instant> = None;
    let mut commits = store.event_commits();
    // Whether an endpoint is enabled, as of the last timed poll: without one, this process's
    // commits are not worth a look (an endpoint added meanwhile waits for the next poll).
    let mut endpoints = true;
    loop {
        tokio::select! {
            () = tokio::time::sleep(settings.poll) => {
                endpoints = match store.webhooks().any_enabled().await {
                    Ok(any) => any,
                    Err(e) => {
                        tracing::error!(error = %e, "webhook delivery poll failed");
                        true
                    }
                };
            }
            // This process committed events: look now rather than at the next poll (other
            // processes' commits are seen by polling).
            Ok(()) = commits.changed() => {
                commits.borrow_and_update();
                if !endpoints {
                    continue;
                }
                // A burst of commits makes one look, not one per commit.
                tokio::time::sleep(MIN_GAP).await;
            }
            () = shutdown.requested() => break,
        }
        while let Some(done) = deliveries.try_join_next() {
            if let Ok(due) = done {
                active.remove(&due);
            }
        }
        if endpoints
            && let Err(e) = poll(
                &store,
                &settings,
                &sender,
                &owner,
                &mut deliveries,
                &mut active,
            )
            .await
        {
            tracing::error!(error = %e, "webhook delivery poll failed");
        }
        if measured.elapsed() >= settings.metrics_every {
            measured = Instant::now();
            if let Err(e) = measure(&store).await {
                tracing::warn!(error = %e, "webhook backlog not measured");
            }
        }
        if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned = Some(Instant::now());
            let keep = chrono::Duration::from_std(settings.attempts_retention)
                .unwrap_or(chrono::Duration::MAX);
            if let Some(before) = Utc::now().checked_sub_signed(keep)
                && let Err(e) = store.webhooks().prune_attempts(before).await
            {
                tracing::warn!(error = %e, "webhook attempts not pruned");
            }
        }
    }
    // Stop mid-send rather than hold shutdown for a slow endpoint: an interrupted event is
    // sent again later (at least once), and the leases are let go for the next process.
    deliveries.abort_all();
    while deliveries.join_next().await.is_some() {}
    for claim in active.values() {
        if let Err(e) = store.webhooks().release(claim).await {
            tracing::warn!(error = %e, "webhook lease not released; it expires by itself");
        }
    }
}

async fn poll(
    store: &Store,
    settings: &DeliverySettings,
    sender: &Sender,
    owner: &str,
    deliveries: &mut JoinSet<Due>,
    active: &mut HashMap<Due, Claim>,
) -> Result<(), StoreError> {
    let webhooks = store.webhooks();
    webhooks.ensure_cursors().await?;
    let free = settings.concurrency.saturating_sub(active.len());
    if free == 0 {
        return Ok(());
    }
    let now = now_ms();
    let lease = millis(
        settings
            .lease
            .max(settings.timeout + Duration::from_secs(1)),
    );
    for due in webhooks.due(now, 4 * free as u64).await? {
        if active.len() >= settings.concurrency || active.contains_key(&due) {
            continue;
        }
        let Some(claim) = webhooks.claim(&due, owner, now, lease).await? else {
            continue;
        };
        active.insert(due.clone(), claim.clone());
        let (store, settings, sender) = (store.clone(), settings.clone(), sender.clone());
        deliveries.spawn(async move {
            if let Err(e) = deliver(&store, &settings, &sender, claim.clone(), lease).await {
                tracing::error!(error = %e, endpoint = %claim.endpoint_id, "webhook delivery failed");
                let _ = store.webhooks().release(&claim).await;
            }
            due
        });
    }
    Ok(())
}

/// Delivers a claimed pair's events in order until none is left, one fails (backoff), the
/// endpoint is disabled or removed, or the lease is lost.
async fn deliver(
    store: &Store,
    settings: &DeliverySettings,
    sender: &Sender,
    mut claim: Claim,
    lease: i64,
) -> Result<(), StoreError> {
    let webhooks = store.webhooks();
    let Some(target) = webhooks.target(&claim.endpoint_id).await? else {
        return Ok(());
    };
    if target.disabled {
        return webhooks.release(&claim).await;
    }
    let mut failing = target.failing_since.is_some();
    // The claim was taken a moment ago with a full lease.
    let mut lease_until = now_ms() + lease - 1_000;
    let margin = millis(settings.timeout) + 2_000;
    loop {
        let (events, counter) = webhooks
            .next_events(claim.tenant, claim.delivered_seq, &target.types, 100)
            .await?;
        if claim.delivered_seq < counter.pruned_through {
            // The endpoint was behind for longer than the retention: say so where the
            // operator looks (`webhook attempts`), then go on with what is left.
            let gap = pruned(&target, &claim, counter.pruned_through);
            tracing::warn!(
                endpoint = %target.id,
                tenant = %claim.tenant,
                error = gap.error.as_deref().unwrap_or_default(),
                "webhook events pruned before delivery"
            );
            metrics::webhook_attempt(Outcome::Pruned.as_str());
            webhooks.record_attempt(gap).await?;
            if !webhooks.advance(&mut claim, counter.pruned_through).await? {
                return Ok(());
            }
            continue;
        }
        if events.is_empty() {
            if counter.last_seq > claim.delivered_seq {
                // Only events the endpoint's filter leaves out: skip them.
                webhooks.advance(&mut claim, counter.last_seq).await?;
            }
            return webhooks.release(&claim).await;
        }
        // Deliveries are recorded, and the cursor moved past them, in runs (at least every
        // FLUSH_EVERY): a crash re-sends at most the last run's events (at least once).
        let mut unflushed: Vec<Attempt<'_>> = Vec::new();
        let mut since = Instant::now();
        for event in &events {
            // Renewed only when what is left might not cover a whole attempt: every send
            // starts with at least a timeout and a margin of lease ahead of it.
            if lease_until - now_ms() < margin {
                lease_until = now_ms() + lease;
                if !webhooks.renew(&claim, lease_until).await? {
                    return Ok(());
                }
            }
            let attempted_at = Utc::now();
            let (answer, latency) = sender
                .send(&target.url, &event.id, &target.secrets, &event.envelope)
                .await;
            let mut result = outcome(&answer);
            let failures = claim.attempts + 1;
            let retry_in = match result {
                Outcome::Failed => match settings.schedule.after(failures) {
                    Some(delay) => Some(retry_after(&answer, settings).unwrap_or(delay)),
                    None => {
                        result = Outcome::GivenUp;
                        None
                    }
                },
                _ => None,
            };
            let (status_code, error) = match &answer {
                Answer::Status { code, .. } => (
                    Some(*code),
                    (result != Outcome::Delivered).then(|| status_error(*code)),
                ),
                Answer::Failed(reason) => (None, Some(reason.clone())),
            };
            metrics::webhook_attempt(result.as_str());
            if let Some(reason) = &error {
                tracing::warn!(
                    endpoint = %target.id,
                    tenant = %claim.tenant,
                    seq = event.seq,
                    attempt = failures,
                    outcome = result.as_str(),
                    %reason,
                    "webhook attempt failed"
                );
            }
            let attempt = Attempt {
                endpoint_id: &target.id,
                tenant: claim.tenant,
                seq: event.seq,
                event_id: &event.id,
                attempted_at,
                status_code,
                latency_ms: millis(latency),
                error: error.clone(),
                outcome: result,
            };
            if result == Outcome::Delivered {
                if failing {
                    webhooks.mark_healthy(&target.id).await?;
                    failing = false;
                }
                if unflushed.is_empty() {
                    since = Instant::now();
                }
                unflushed.push(attempt);
                if (unflushed.len() >= FLUSH_SIZE || since.elapsed() >= FLUSH_EVERY)
                    && !webhooks
                        .delivered(&mut claim, std::mem::take(&mut unflushed))
                        .await?
                {
                    return Ok(());
                }
                continue;
            }
            if !webhooks
                .delivered(&mut claim, std::mem::take(&mut unflushed))
                .await?
            {
                return Ok(());
            }
            webhooks.record_attempt(attempt).await?;
            match result {
                Outcome::Delivered | Outcome::Pruned => {}
                Outcome::Gone => {
                    webhooks
                        .disable(&target.id, "the endpoint answered 410 Gone")
                        .await?;
                    return webhooks.release(&claim).await;
                }
                Outcome::GivenUp | Outcome::Failed => {
                    if !failing {
                        webhooks.mark_failing(&target.id).await?;
                        failing = true;
                    }
                    if failed_too_long(&target, settings) {
                        let since = target
                            .failing_since
                            .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                            .unwrap_or_default();
                        webhooks
                            .disable(
                                &target.id,
                                &format!(
                                    "every attempt failed since {since} ({} days); the last: {}",
                                    settings.disable_after.as_secs() / 86_400,
                                    error.unwrap_or_default()
                                ),
                            )
                            .await?;
                        return webhooks.release(&claim).await;
                    }
                    match retry_in {
                        None => {
                            if !webhooks.advance(&mut claim, event.seq).await? {
                                return Ok(());
                            }
                        }
                        Some(delay) => {
                            webhooks
                                .defer(&claim, failures, now_ms() + millis(delay))
                                .await?;
                            return Ok(());
                        }
                    }
                }
            }
        }
        if !webhooks.delivered(&mut claim, unflushed).await? {
            return Ok(());
        }
    }
}

/// Sets the backlog gauges: undelivered events over every pair, and the age of the oldest.
async fn measure(store: &Store) -> Result<(), StoreError> {
    let pending = store.webhooks().pending().await?;
    let events: i64 = pending.iter().map(|p| p.events).sum();
    let oldest = pending
        .iter()
        .filter_map(|p| p.oldest)
        .min()
        .map_or(0.0, |at| {
            (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
        });
    metrics::webhook_backlog(events, oldest);
    Ok(())
}

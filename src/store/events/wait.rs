//! Long-polling the feed: wait for a tenant's next events, waking at once when this process
//! commits some ([`Store::notify_events`]) and polling the database meanwhile, so events that
//! another scimd process on the same database commits are seen within [`POLL_INTERVAL`].
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::{Events, FeedError, Page};
use crate::scim::event::TypeFilter;
use crate::store::{Store, TenantId};

/// How often a waiting reader asks the database again: the bound on how late it sees an event
/// that another process committed (within 1 s of the commit, CONTRACT.md).
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The in-process wake-up of waiting readers: a generation counter each commit with events
/// advances, and whether the process is shutting down. Cheap to clone; every clone of a
/// [`Store`] shares it.
#[derive(Debug, Clone)]
pub struct EventSignal {
    commits: Arc<watch::Sender<u64>>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for EventSignal {
    fn default() -> Self {
        Self {
            commits: Arc::new(watch::Sender::new(0)),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl EventSignal {
    fn notify(&self) {
        self.commits
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }
}

impl Store {
    /// A receiver that changes whenever this process commits events: the webhook delivery
    /// worker's wake-up (it polls too, for other processes' commits).
    pub fn event_commits(&self) -> watch::Receiver<u64> {
        self.signal.commits.subscribe()
    }

    /// Tells this process's waiting feed readers that events committed. The write seam calls
    /// it after a commit that appended events; calling it needlessly costs one feed query per
    /// waiting reader. Readers also poll, so a missed call delays them by [`POLL_INTERVAL`].
    pub fn notify_events(&self) {
        self.signal.notify();
    }

    /// Answers every waiting feed reader now, with what it has (an empty page), and every
    /// later one without waiting: on shutdown, a long-poll must not hold the server's
    /// graceful stop for the rest of its wait. The reader asks again with the same `after`.
    pub fn end_waits(&self) {
        self.signal.closing.send_replace(true);
    }
}

impl Events<'_> {
    /// [`Events::after`], but when nothing is there yet, waits up to `wait` for the first
    /// events to commit and answers with them (an empty page when `wait` expires).
    pub async fn wait(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
        types: &TypeFilter,
        wait: Duration,
    ) -> Result<Page, FeedError> {
        let deadline = Instant::now() + wait;
        let mut signal = self.store.signal.commits.subscribe();
        let mut closing = self.store.signal.closing.subscribe();
        loop {
            // Marked seen before the query: a commit during it wakes the wait below at once.
            signal.borrow_and_update();
            let page = self.after(tenant, after, limit, types).await?;
            let now = Instant::now();
            if !page.events.is_empty() || now >= deadline || *closing.borrow() {
                return Ok(page);
            }
            let nap = POLL_INTERVAL.min(deadline - now);
            tokio::select! {
                changed = signal.changed() => {
                    // The sender lives as long as the store; should it be gone, just poll.
                    if changed.is_err() {
                        tokio::time::sleep(nap).await;
                    }
                }
                () = tokio::time::sleep(nap) => {}
                _ = closing.wait_for(|closing| *closing) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;
    use tokio::time::Instant;

    use crate::scim::event::{Change, EventType, ResourceRef, TypeFilter};
    use crate::store::tests::fixture;
    use crate::store::{Store, TenantId};

    /// Commits one event of `event_type` for `tenant` outside any resource write, as the
    /// write seam does after its change, and signals it.
    async fn commit(store: &Store, tenant: TenantId, event_type: EventType) -> i64 {
        let resolved = store.resolve_origin(tenant, None).await.unwrap();
        let change = Change {
            event_type,
            resource: ResourceRef {
                kind: "User".to_owned(),
                id: uuid::Uuid::new_v4().to_string(),
                external_id: None,
                version: Some("W/\"1\"".to_owned()),
            },
            changed: Vec::new(),
            data: json!({}),
        };
        let tx = store.begin_write().await.unwrap();
        let seqs = crate::store::events::append(&tx, tenant, &resolved, vec![change])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.notify_events();
        seqs[0]
    }

    #[tokio::test]
    async fn waiting_answers_at_once_when_events_are_there() {
        let f = fixture().await;
        let seq = commit(&f.store, f.tenant, EventType::UserCreated).await;
        let started = Instant::now();
        let page = f
            .store
            .events()
            .wait(
                f.tenant,
                seq - 1,
                10,
                &TypeFilter::default(),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.after, seq);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn waiting_answers_with_an_event_committed_meanwhile() {
        let f = fixture().await;
        let last = f.store.events().last_seq(f.tenant).await.unwrap();
        let store = f.store.clone();
        let tenant = f.tenant;
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let seq = commit(&store, tenant, EventType::UserUpdated).await;
            (seq, Instant::now())
        });
        let page = f
            .store
            .events()
            .wait(
                f.tenant,
                last,
                10,
                &TypeFilter::default(),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        let answered = Instant::now();
        let (seq, committed) = writer.await.unwrap();
        assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [seq]);
        assert!(answered.duration_since(committed) < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn waiting_skips_other_tenants_and_other_types_until_it_expires() {
        let f = fixture().await;
        let last = f.store.events().last_seq(f.tenant).await.unwrap();
        commit(&f.store, f.other, EventType::UserCreated).await;
        commit(&f.store, f.tenant, EventType::GroupCreated).await;
        let started = Instant::now();
        let page = f
            .store
            .events()
            .wait(
                f.tenant,
                last,
                10,
                &TypeFilter::parse("user.*").unwrap(),
                Duration::from_millis(600),
            )
            .await
            .unwrap();
        assert!(page.events.is_empty());
        // Past the group event the filter left out: the next wait need not scan it again.
        assert_eq!(page.after, last + 1);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(600) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }
}
